#include "forwarder.hpp"

#include <ctime>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gbrt/http/client.hpp>
#include <gbrt/net/signature.hpp>
#include <gbrt/runtime/log.hpp>

namespace forward_to_webhook {

namespace asio = boost::asio;
namespace ev = gbrt::events;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

namespace {

// One POST through the shard's HTTP client (a pooled keep-alive connection); the HTTP
// status, or 0 when the endpoint could not be reached in time.
asio::awaitable<unsigned> post_once(gbrt::http::Client& client, const Target& target,
                                    const std::string& body) {
  gbrt::http::Request request{
      .method = gbrt::http::Method::post,
      .url = "http://" + target.host + ":" + std::to_string(target.port) + target.path,
      .headers = {{"User-Agent", "gbrt-forward_to_webhook"}, {"Content-Type", "application/json"}},
      .body = body,
      .timeout = target.timeout,
      .max_attempts = 1};  // deliver() below has its own policy and counts
  if (!target.secret.empty()) {
    // A fresh timestamp per attempt: the receiver's replay window counts from it.
    request.headers.emplace_back("X-GitBook-Signature",
                                 gbrt::net::sign_webhook(target.secret, std::time(nullptr), body));
  }
  auto reply = co_await client.send(std::move(request));
  co_return reply.error ? 0u : reply.status;
}

// Retries 5xx, 429 and network errors, as GitBook's sender does; a 4xx will never succeed.
asio::awaitable<void> deliver(gbrt::http::Client& client, Target target, std::string event_id,
                              std::string body, std::shared_ptr<Counts> counts) {
  auto backoff = target.first_backoff;
  for (int attempt = 1;; ++attempt) {
    const unsigned status = co_await post_once(client, target, body);
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
        context.wait_until(deliver(context.http(), target, std::string(event.event_id),
                                   std::string(event.json.raw()), counts));
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
