#include "forwarder.hpp"

#include <ctime>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <gbrt/net/signature.hpp>
#include <gbrt/runtime/log.hpp>

namespace forward_to_webhook {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ev = gbrt::events;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

namespace {

// One POST; the HTTP status, or 0 when the endpoint could not be reached.
asio::awaitable<unsigned> post_once(const Target& target, const std::string& body) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(executor);
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(target.host, std::to_string(target.port), kAwait);
  if (resolve_ec) co_return 0;
  beast::tcp_stream stream(executor);
  stream.expires_after(target.timeout);
  auto [connect_ec, endpoint] = co_await stream.async_connect(endpoints, kAwait);
  if (connect_ec) co_return 0;

  http::request<http::string_body> request(http::verb::post, target.path, 11);
  request.set(http::field::host, target.host);
  request.set(http::field::user_agent, "gbrt-forward_to_webhook");
  request.set(http::field::content_type, "application/json");
  if (!target.secret.empty()) {
    // A fresh timestamp per attempt: the receiver's replay window counts from it.
    request.set("X-GitBook-Signature",
                gbrt::net::sign_webhook(target.secret, std::time(nullptr), body));
  }
  request.body() = body;
  request.prepare_payload();
  auto [write_ec, written] = co_await http::async_write(stream, request, kAwait);
  if (write_ec) co_return 0;
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  auto [read_ec, read] = co_await http::async_read(stream, buffer, response, kAwait);
  if (read_ec) co_return 0;
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  co_return response.result_int();
}

// Retries 5xx, 429 and network errors, as GitBook's sender does; a 4xx will never succeed.
asio::awaitable<void> deliver(Target target, std::string event_id, std::string body,
                              std::shared_ptr<Counts> counts) {
  auto backoff = target.first_backoff;
  for (int attempt = 1;; ++attempt) {
    const unsigned status = co_await post_once(target, body);
    if (status >= 200 && status < 300) {
      counts->delivered.fetch_add(1);
      co_return;
    }
    const bool retriable = status == 0 || status == 429 || status >= 500;
    if (!retriable || attempt == target.attempts) {
      counts->given_up.fetch_add(1);
      gbrt::log::warn("forward_to_webhook: giving up",
                      {{"event_id", event_id}, {"status", std::to_string(status), true}});
      co_return;
    }
    counts->retried.fetch_add(1);
    asio::steady_timer timer(co_await asio::this_coro::executor, backoff);
    // A drain that times out cancels this wait: the delivery is then abandoned.
    auto [wait_ec] = co_await timer.async_wait(kAwait);
    if (wait_ec) co_return;
    backoff *= 2;
  }
}

template <class View>
void forward(gbrt::Runtime& runtime, const Target& target, const std::shared_ptr<Counts>& counts) {
  runtime.on<View>(
      [target, counts](const View& event, gbrt::Context& context) -> asio::awaitable<void> {
        // The view borrows the request body, which ends with the answer: copy what the
        // background work needs before handing it over.
        context.wait_until(
            deliver(target, std::string(event.event_id), std::string(event.json.raw()), counts));
        co_return;
      });
}

}  // namespace

std::shared_ptr<Counts> register_forwarding(gbrt::Runtime& runtime, Target target) {
  auto counts = std::make_shared<Counts>();
  forward<ev::SiteView>(runtime, target, counts);
  forward<ev::PageFeedback>(runtime, target, counts);
  forward<ev::SpaceContentUpdated>(runtime, target, counts);
  return counts;
}

}  // namespace forward_to_webhook
