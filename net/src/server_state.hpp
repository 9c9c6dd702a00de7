// What the acceptor and every connection of one Server share.
#pragma once

#include <atomic>
#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <gbrt/net/server.hpp>
#include <gbrt/net/signature.hpp>

namespace gbrt::net {

struct Server::State {
  State(runtime::Runtime& rt, ServerOptions opts)
      : runtime(rt),
        options(std::move(opts)),
        verifier(options.secrets, options.signature_tolerance),
        acceptor(rt.shard(0).executor()) {}

  runtime::Runtime& runtime;
  const ServerOptions options;
  const SignatureVerifier verifier;
  boost::asio::ip::tcp::acceptor acceptor;  // on shard 0
  std::atomic<std::uint16_t> port{0};
};

// Serves one connection on `shard` until it closes.
boost::asio::awaitable<void> run_session(std::shared_ptr<Server::State> state,
                                         boost::asio::ip::tcp::socket socket,
                                         runtime::Shard& shard);

}  // namespace gbrt::net
