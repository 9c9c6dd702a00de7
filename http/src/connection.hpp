// One outbound connection (TCP, or TLS over TCP) and the two things done with it: open it
// (resolve, connect, handshake with certificate checks) and exchange one request for a reply.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <gbrt/http/client.hpp>
#include <gbrt/http/url.hpp>

namespace gbrt::http::detail {

using Clock = std::chrono::steady_clock;
using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

struct Connection {
  std::string origin;
  std::unique_ptr<boost::beast::tcp_stream> plain;
  std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls;
  boost::beast::flat_buffer buffer;
  Clock::time_point idle_since{};
  bool reused = false;

  boost::beast::tcp_stream& tcp() noexcept { return tls ? tls->next_layer() : *plain; }
  // An idle connection the server has not closed, and on which nothing unexpected arrived.
  bool looks_alive() noexcept;
  void close() noexcept;
  ~Connection() { close(); }
};

// Resolves, connects and (https) handshakes, checking the certificate against `url.host`.
// `tls_context` is used only for https.
boost::asio::awaitable<boost::system::error_code> open(Connection& connection, const Url& url,
                                                       boost::asio::ssl::context* tls_context,
                                                       Clock::time_point deadline);

// Writes `request` and reads the whole reply (at most `max_body` bytes of body). `keep_alive`
// says whether the connection may serve another request afterwards.
boost::asio::awaitable<boost::system::error_code> exchange(Connection& connection,
                                                           BeastRequest& request, Reply& reply,
                                                           std::size_t max_body,
                                                           Clock::time_point deadline,
                                                           bool& keep_alive);

}  // namespace gbrt::http::detail
