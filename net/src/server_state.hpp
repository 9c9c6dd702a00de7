// What the acceptor and every connection of one Server share.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <gbrt/net/server.hpp>
#include <gbrt/net/signature.hpp>
#include <gbrt/runtime/shard_executor.hpp>

#include "deadline.hpp"
#include "padded_body.hpp"

namespace gbrt::net {

struct Connection;  // connection.cpp

// Sockets on the shard's concrete executor: their completions resume the connection's
// coroutine (itself on that executor) without any_io_executor's type erasure.
using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, runtime::ShardExecutor>;
using Acceptor = boost::asio::basic_socket_acceptor<boost::asio::ip::tcp, runtime::ShardExecutor>;

// TLS 1.2 or newer with the options' certificate chain and key; throws if they do not load.
boost::asio::ssl::context make_tls_context(const ServerOptions& options);

// One shard's connections: their list (for the drain and the sweep), and the timeout sweep's
// timer and coarse clock. Touched by that shard only. Shared with the sweep's pending wait,
// not the whole State: a wait still pending when the shard's io_context is destroyed then
// releases only this.
struct ShardConnections {
  explicit ShardConnections(const runtime::ShardExecutor& executor) : timer(executor) {}
  Connection* head = nullptr;
  // Requests being answered; written by the shard only (no locked add), read by the drain.
  std::atomic<std::size_t> busy{0};
  // Connections whose read after an answer waits for a turn of the shard (serve()). A bound:
  // with thousands of connections ready, a read that late finds the connection's state and
  // socket gone cold, and costs more than the empty read it saves (json at 4,000
  // connections: 13.99 µs of CPU per request without the bound, 12.01 with it).
  std::size_t deferred_reads = 0;
  static constexpr std::size_t kMaxDeferredReads = 64;
  bool server_stopped = false;  // the sweep ends once the list is empty too
  runtime::ShardTimer timer;
  CoarseClock clock;
};

struct Server::State {
  State(runtime::Runtime& rt, ServerOptions opts)
      : runtime(rt),
        options(std::move(opts)),
        acceptor(rt.shard(0).executor()),
        verifiers(rt.shard_count(), std::make_shared<const SignatureVerifier>(
                                        options.secrets, options.signature_tolerance)),
        connections(rt.shard_count()) {
    for (std::size_t i = 0; i < rt.shard_count(); ++i) {
      connections[i] = std::make_shared<ShardConnections>(rt.shard(i).executor());
    }
    body_memory.limit = options.max_body_memory;
    if (!options.tls_cert_file.empty()) tls.emplace(make_tls_context(options));
    if (!options.record.path.empty()) {
      recorder = std::make_unique<Recorder>(options.record, rt.metrics());
    }
  }

  runtime::Runtime& runtime;
  const ServerOptions options;
  Acceptor acceptor;  // on shard 0
  // Per shard, touched by that shard only: Server::set_secrets swaps them while serving.
  std::vector<std::shared_ptr<const SignatureVerifier>> verifiers;
  std::atomic<std::uint16_t> port{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> open{0};
  BodyMemory body_memory;  // of bodies being received, on every shard
  std::vector<std::shared_ptr<ShardConnections>> connections;  // per shard
  std::optional<boost::asio::ssl::context> tls;                // with --tls-cert: HTTPS only
  std::unique_ptr<Recorder> recorder;                          // with --record
};

// With --record-required, while the record cannot be written: events get Recorder::refusal().
inline bool recording_refused(const Server::State& state) {
  return state.recorder && state.recorder->refusing();
}

// Serves one connection on `shard` until it closes.
runtime::ShardAwaitable<void> run_session(std::shared_ptr<Server::State> state, Socket socket,
                                          runtime::Shard& shard);
// On the shard's thread: close the connections that wait for a request.
void close_idle_connections(ShardConnections& connections);
// On the shard's thread: close the connections past their deadline, then again every
// kSweepTick until the server stops and the shard has no connection left.
void sweep_connections(const std::shared_ptr<ShardConnections>& connections);

}  // namespace gbrt::net
