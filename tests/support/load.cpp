#include "support/load.hpp"

#include <sys/resource.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace gbrt::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

asio::awaitable<void> one_connection(const LoadOptions& options, std::size_t index,
                                     LoadResult& result) {
  constexpr auto token = asio::as_tuple(asio::use_awaitable);
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  auto [connect_ec] = co_await stream.async_connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), options.port), token);
  if (connect_ec) {
    ++result.errors;
    co_return;
  }
  beast::flat_buffer buffer;
  for (std::size_t i = 0; i < options.requests_per_connection; ++i) {
    http::request<http::string_body> request(http::verb::post, options.target, 11);
    request.set(http::field::host, "127.0.0.1");
    request.set(http::field::content_type, options.content_type);
    request.body() = options.bodies[(index + i) % options.bodies.size()];
    request.prepare_payload();
    auto [write_ec, written] = co_await http::async_write(stream, request, token);
    http::response<http::string_body> response;
    if (!write_ec) {
      auto [read_ec, read] = co_await http::async_read(stream, buffer, response, token);
      write_ec = read_ec;
    }
    if (write_ec) {
      ++result.errors;
      co_return;
    }
    const unsigned status = response.result_int();
    ++result.statuses[status];
    if (status == 503 && response.count(http::field::retry_after) != 0) ++result.retry_after;
    if (options.on_answer) options.on_answer(status);
    if (!response.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace

LoadResult run_load(const LoadOptions& options) {
  LoadResult result;
  asio::io_context io(1);
  for (std::size_t c = 0; c < options.connections; ++c) {
    asio::co_spawn(io, one_connection(options, c, result), asio::detached);
  }
  io.run();
  return result;
}

void raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace gbrt::test
