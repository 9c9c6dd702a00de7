// One connection: read a request into the connection's padded buffer, route it, answer,
// repeat while keep-alive. Requests on a connection are handled one at a time, so one
// body buffer and one string arena per connection serve every event it carries.
#include <chrono>
#include <string>
#include <string_view>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <gbrt/net/multipart.hpp>

#include "padded_body.hpp"
#include "server_state.hpp"

namespace gbrt::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using runtime::Answer;

namespace {

using Request = http::request<PaddedBody>;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kMaxEcho = 200;  // bytes of client input an error message may repeat

// What a connection keeps from one request to the next.
struct Exchange {
  events::PaddedBuffer body;
  events::StringArena arena;
};

std::string_view clip(std::string_view text) {
  return text.substr(0, kMaxEcho);
}

Answer parse_error_answer(const events::ParseError& error, std::string_view what) {
  std::string body = "{\"error\":\"";
  if (!what.empty()) {
    body += what;
    body += ": ";
  }
  append_json_escaped(body, error.message());
  body += '"';
  if (!error.field.empty()) {
    body += ",\"field\":\"";
    append_json_escaped(body, error.path());
    body += "\",\"expected\":\"";
    body += error.expected;
    body += '"';
  }
  body += ",\"offset\":" + std::to_string(error.offset) + "}";
  return Answer::json(400, std::move(body));
}

enum class Route { event, health, metrics, not_found, bad_version };

// `/` and `/v1` take events; `/v<digits>…` is another protocol version.
Route route_of(std::string_view path, std::string_view& version) {
  if (path == "/healthz") return Route::health;
  if (path == "/metrics") return Route::metrics;
  if (path == "/" || path == "/v1" || path == "/v1/") return Route::event;
  std::string_view first = path.substr(1, path.find('/', 1) - 1);
  if (first.size() >= 2 && first[0] == 'v' && first[1] >= '0' && first[1] <= '9') {
    version = first;
    return Route::bad_version;
  }
  return Route::not_found;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Verifies, decodes and parses one event request, then dispatches it.
asio::awaitable<Answer> handle_event(Server::State& state, runtime::Shard& shard,
                                     const Request& request, Exchange& exchange) {
  const events::PaddedView body = exchange.body.view();
  std::string_view content_type = request[http::field::content_type];
  const bool is_json = media_type_is(content_type, "application/json");
  const auto boundary = is_json ? std::nullopt : multipart_boundary(content_type);
  if (!is_json && !boundary) {
    if (media_type_is(content_type, "multipart/form-data")) {
      co_return Answer::error(400, "multipart/form-data without a valid boundary");
    }
    co_return Answer::error(
        415, "Unsupported Content-Type \"" + std::string(clip(content_type)) +
                 "\": send application/json (Webhook) or multipart/form-data (dispatcher)");
  }
  if (state.verifier.enabled()) {
    auto status = state.verifier.verify(request["X-GitBook-Signature"], body.str(), unix_now());
    if (status != SignatureStatus::valid) co_return Answer::error(401, to_string(status));
  }
  events::Parser& parser = shard.parser();
  exchange.arena.reset();
  if (is_json) {
    auto event = parser.parse_event(body, exchange.arena);
    if (!event) co_return parse_error_answer(event.error(), "");
    co_return co_await state.runtime.dispatch(event.value(), nullptr, shard);
  }
  DispatcherForm form;
  if (auto problem = decode_dispatcher_form(body.str(), *boundary, form); !problem.empty()) {
    co_return Answer::error(400, problem);
  }
  if (!form.event) co_return Answer::error(400, "multipart field \"event\" is missing");
  if (!form.environment) co_return Answer::error(400, "multipart field \"environment\" is missing");
  auto event = parser.parse_event(body.sub(form.event->offset, form.event->size), exchange.arena);
  if (!event) co_return parse_error_answer(event.error(), "event");
  auto environment = parser.parse_environment(
      body.sub(form.environment->offset, form.environment->size), exchange.arena);
  if (!environment) co_return parse_error_answer(environment.error(), "environment");
  co_return co_await state.runtime.dispatch(event.value(), &environment.value(), shard);
}

asio::awaitable<Answer> handle(Server::State& state, runtime::Shard& shard, const Request& request,
                               Exchange& exchange, std::string_view& allow) {
  std::string_view target = request.target();
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view version;
  const http::verb method = request.method();
  switch (route_of(path, version)) {
    case Route::health:
      allow = "GET, HEAD";
      if (method != http::verb::get && method != http::verb::head) break;
      co_return Answer::json(200, "{\"status\":\"ok\"}");
    case Route::metrics:
      allow = "GET, HEAD";
      if (method != http::verb::get && method != http::verb::head) break;
      co_return Answer{200, "text/plain; version=0.0.4", state.runtime.metrics().render(), {}};
    case Route::event:
      allow = "POST";
      if (method != http::verb::post) break;
      co_return co_await handle_event(state, shard, request, exchange);
    case Route::bad_version:
      co_return Answer::error(400, "Unsupported version " + std::string(clip(version)));
    case Route::not_found:
      co_return Answer::error(404, "No route for " + std::string(clip(path)));
  }
  co_return Answer::error(405, "Method " + std::string(clip(request.method_string())) +
                                   " not allowed on " + std::string(clip(path)));
}

// After an error that leaves request bytes unread, closing at once would make the kernel
// reset the connection, and the client could lose the answer: read and drop for a while.
asio::awaitable<void> linger_close(beast::tcp_stream& stream) {
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::chrono::seconds(2));
  char sink[4096];
  for (std::size_t total = 0; total < (8u << 20);) {
    auto [read_ec, n] = co_await stream.async_read_some(asio::buffer(sink), kAwait);
    if (read_ec) break;
    total += n;
  }
  stream.socket().close(ec);
}

}  // namespace

asio::awaitable<void> run_session(std::shared_ptr<Server::State> state, tcp::socket socket,
                                  runtime::Shard& shard) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  Exchange exchange;
  const ServerOptions& options = state->options;
  for (;;) {
    exchange.body.clear();  // a request without a body never reaches the body reader
    http::request_parser<PaddedBody> parser;
    parser.get().body().buffer = &exchange.body;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.max_body);
    stream.expires_after(options.idle_timeout);
    auto [read_ec, read_bytes] = co_await http::async_read_header(stream, buffer, parser, kAwait);
    if (!read_ec && !parser.is_done()) {
      // curl and others wait for "100 Continue" before sending a large body.
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> proceed(http::status::continue_, parser.get().version());
        auto [continue_ec, sent] = co_await http::async_write(stream, proceed, kAwait);
        if (continue_ec) break;
      }
      std::tie(read_ec, read_bytes) = co_await http::async_read(stream, buffer, parser, kAwait);
    }

    http::response<http::string_body> response;
    std::string_view allow;
    bool close = false;
    Answer answer;
    if (read_ec == http::error::end_of_stream || read_ec == beast::error::timeout ||
        read_ec == asio::error::connection_reset || read_ec == asio::error::eof ||
        read_ec == asio::error::operation_aborted) {
      break;  // the client left, or was idle too long
    } else if (read_ec == http::error::body_limit) {
      answer = Answer::error(413, "Request body larger than the limit of " +
                                      std::to_string(options.max_body) + " bytes");
      close = true;
    } else if (read_ec == http::error::header_limit) {
      answer = Answer::error(431, "Request header fields larger than 16384 bytes");
      close = true;
    } else if (read_ec) {
      answer = Answer::error(400, "Malformed HTTP request: " + read_ec.message());
      close = true;
    } else {
      stream.expires_never();  // handlers have their own time; the sender's is 10 s
      answer = co_await handle(*state, shard, parser.get(), exchange, allow);
      close = !parser.get().keep_alive();
      response.version(parser.get().version());
    }

    response.result(answer.status);
    response.set(http::field::server, "gbrt");
    response.set(http::field::content_type, answer.content_type);
    if (!allow.empty() && answer.status == 405) response.set(http::field::allow, allow);
    if (answer.cache_max_age) {
      response.set(http::field::cache_control,
                   "max-age=" + std::to_string(answer.cache_max_age->count()));
    }
    response.body() = std::move(answer.body);
    response.keep_alive(!close);
    response.prepare_payload();
    if (!read_ec && parser.get().method() == http::verb::head) response.body().clear();
    stream.expires_after(options.write_timeout);
    auto [write_ec, written] = co_await http::async_write(stream, response, kAwait);
    state->runtime.metrics().http_request(shard.index(), answer.status);
    if (write_ec) break;
    if (close) {
      if (read_ec) co_await linger_close(stream);
      break;
    }
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace gbrt::net
