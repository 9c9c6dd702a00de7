#include "connection.hpp"

#include <sys/socket.h>

#include <cerrno>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace gbrt::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

bool Connection::looks_alive() noexcept {
  auto& socket = tcp().socket();
  if (!socket.is_open()) return false;
  // Idle, nothing may be readable: a 0 is the server's FIN, bytes are a TLS close_notify or
  // garbage. Only "would block" means the connection is still there and quiet.
  char byte;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void Connection::close() noexcept {
  if (!plain && !tls) return;
  error_code ignored;
  tcp().socket().close(ignored);
}

asio::awaitable<error_code> open(Connection& connection, const Url& url,
                                 asio::ssl::context* tls_context, Clock::time_point deadline) {
  auto executor = co_await asio::this_coro::executor;
  if (url.tls) {
    connection.tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, *tls_context);
  } else {
    connection.plain = std::make_unique<beast::tcp_stream>(executor);
  }
  auto& tcp = connection.tcp();
  tcp.expires_at(deadline);

  error_code ec;
  const auto literal = asio::ip::make_address(url.host, ec);
  const bool is_literal = !ec;
  if (is_literal) {
    auto [connect_ec] =
        co_await tcp.async_connect(asio::ip::tcp::endpoint(literal, url.port), kAwait);
    if (connect_ec) co_return connect_ec;
  } else {
    // getaddrinfo runs on Asio's resolver thread, not on the shard.
    asio::ip::tcp::resolver resolver(executor);
    auto [resolve_ec, endpoints] =
        co_await resolver.async_resolve(url.host, std::to_string(url.port), kAwait);
    if (resolve_ec) co_return resolve_ec;
    tcp.expires_at(deadline);
    auto [connect_ec, endpoint] = co_await tcp.async_connect(endpoints, kAwait);
    if (connect_ec) co_return connect_ec;
  }
  tcp.socket().set_option(asio::ip::tcp::no_delay(true), ec);

  if (url.tls) {
    auto& stream = *connection.tls;
    // SNI for names only (RFC 6066 forbids literals); the check itself covers both.
    if (!is_literal && SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()) != 1) {
      co_return error_code(int(::ERR_get_error()), asio::error::get_ssl_category());
    }
    stream.set_verify_callback(asio::ssl::host_name_verification(url.host), ec);
    if (ec) co_return ec;
    tcp.expires_at(deadline);
    auto [handshake_ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, kAwait);
    if (handshake_ec) co_return handshake_ec;
  }
  co_return error_code();
}

namespace {

template <class Stream>
asio::awaitable<error_code> exchange_on(Stream& stream, Connection& connection,
                                        BeastRequest& request, Reply& reply, std::size_t max_body,
                                        Clock::time_point deadline, bool& keep_alive) {
  connection.tcp().expires_at(deadline);
  auto [write_ec, written] = co_await bhttp::async_write(stream, request, kAwait);
  if (write_ec) co_return write_ec;

  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_body);
  if (request.method() == Method::head) parser.skip(true);
  connection.tcp().expires_at(deadline);
  auto [read_ec, read] = co_await bhttp::async_read(stream, connection.buffer, parser, kAwait);
  if (read_ec) co_return read_ec;

  auto& response = parser.get();
  reply.status = response.result_int();
  reply.headers.clear();
  for (const auto& field : response) {
    reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  reply.body = std::move(response.body());
  keep_alive = response.keep_alive();
  co_return error_code();
}

}  // namespace

asio::awaitable<error_code> exchange(Connection& connection, BeastRequest& request, Reply& reply,
                                     std::size_t max_body, Clock::time_point deadline,
                                     bool& keep_alive) {
  keep_alive = false;
  if (connection.tls) {
    co_return co_await exchange_on(*connection.tls, connection, request, reply, max_body, deadline,
                                   keep_alive);
  }
  co_return co_await exchange_on(*connection.plain, connection, request, reply, max_body, deadline,
                                 keep_alive);
}

}  // namespace gbrt::http::detail
