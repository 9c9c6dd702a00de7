#include "service.hpp"

#include <ctime>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace embed {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ev = gbrt::events;
using asio::ip::tcp;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

Service::Service(std::uint16_t port, std::string secret)
    : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)),
      runtime_({io_.get_executor()}, {}),
      verifier_(secret.empty() ? std::vector<std::string>{} : std::vector<std::string>{secret}) {
  port_ = acceptor_.local_endpoint().port();
  // gbrt's handlers: the service's own state, on the service's own thread.
  runtime_.on<ev::SiteView>([this](const ev::SiteView&, gbrt::Context&) -> asio::awaitable<void> {
    if (!io_.get_executor().running_in_this_thread()) handler_elsewhere_ = true;
    page_views_.fetch_add(1);
    co_return;
  });
}

Service::~Service() {
  stop();
}

void Service::start() {
  runtime_.start();  // on executors it does not own: registration closes, no thread starts
  asio::co_spawn(io_, accept_loop(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

void Service::stop_accepting() {
  asio::post(io_, [this] { acceptor_.close(); });
}

void Service::stop() {
  if (!thread_.joinable()) return;
  stop_accepting();
  runtime_.drain(std::chrono::seconds(5));
  runtime_.stop();
  io_.stop();
  thread_.join();
}

asio::awaitable<void> Service::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(kAwait);
    if (ec) co_return;
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

// The service's router: its own routes, and POST /gitbook/events handed to gbrt.
asio::awaitable<void> Service::serve(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    auto [read_ec, read] = co_await http::async_read(stream, buffer, request, kAwait);
    if (read_ec) break;
    http::response<http::string_body> response(http::status::ok, request.version());
    response.set(http::field::content_type, "application/json");
    const std::string_view target = request.target();
    if (target == "/orders" && request.method() == http::verb::post) {
      orders_seen_.fetch_add(1);  // the service's existing business
      response.body() = R"({"order":"accepted"})";
    } else if (target == "/gitbook/events" && request.method() == http::verb::post) {
      auto check = verifier_.enabled() ? verifier_.verify(request["X-GitBook-Signature"],
                                                          request.body(), std::time(nullptr))
                                       : gbrt::net::SignatureStatus::valid;
      if (check != gbrt::net::SignatureStatus::valid) {
        response.result(http::status::unauthorized);
        response.body() = R"({"error":"bad signature"})";
      } else {
        gbrt::runtime::Answer answer = co_await runtime_.handle(std::move(request.body()));
        response.result(answer.status);
        response.set(http::field::content_type, answer.content_type);
        response.body() = std::move(answer.body);
      }
    } else if (target == "/metrics") {
      response.set(http::field::content_type, "text/plain; version=0.0.4");
      response.body() = runtime_.metrics().render();  // gbrt's series beside the service's
    } else {
      response.result(http::status::not_found);
      response.body() = R"({"error":"no such route"})";
    }
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    auto [write_ec, written] = co_await http::async_write(stream, response, kAwait);
    if (write_ec || !response.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace embed
