// examples/forward_to_webhook over real loopback HTTP: a receiving gbrt server that checks
// X-GitBook-Signature and refuses the first tries, a forwarder whose drain waits for the
// deliveries.
#include <atomic>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include <gbrt/net/server.hpp>

#include "forwarder.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"

namespace {

namespace ev = gbrt::events;

// The receiving end: a gbrt server with the shared secret that answers 503 to the first
// `refuse` deliveries (GitBook-style senders retry those).
struct Receiver {
  explicit Receiver(std::string secret, int refuse) : refuse(refuse) {
    runtime.on<ev::SiteView>(
        [this](const ev::SiteView&, gbrt::Context&) -> boost::asio::awaitable<void> {
          if (this->refuse.fetch_sub(1) > 0) throw gbrt::ExposableError("busy, try again", 503);
          received.fetch_add(1);
          co_return;
        });
    server.emplace(runtime, gbrt::net::ServerOptions{
                                .host = "127.0.0.1", .port = 0, .secrets = {std::move(secret)}});
    runtime.start();
    server->start();
  }
  ~Receiver() {
    server->stop();
    runtime.shutdown(std::chrono::seconds(1));
  }
  std::atomic<int> refuse;
  std::atomic<int> received{0};
  gbrt::Runtime runtime{gbrt::runtime::RuntimeOptions{.threads = 1}};
  std::optional<gbrt::net::Server> server;
};

TEST(ExampleForwardToWebhook, DeliversSignedWithRetriesAndTheDrainWaitsForThem) {
  Receiver receiver("shared-secret", 3);
  gbrt::Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 2});
  auto counts = forward_to_webhook::register_forwarding(
      runtime, {.port = receiver.server->port(),
                .secret = "shared-secret",
                .first_backoff = std::chrono::milliseconds(20)});
  gbrt::net::Server server(runtime, {.host = "127.0.0.1", .port = 0});
  runtime.start();
  server.start();
  {
    gbrt::test::HttpClient client(server.port());
    for (int i = 0; i < 20; ++i) {
      // Answered at once: the forwarding is background work.
      ASSERT_EQ(client.post_json("/", gbrt::test::fixture("site_view-1.json")).status, 200u);
    }
  }
  server.stop();
  EXPECT_TRUE(runtime.drain(std::chrono::seconds(10)));  // waits for every delivery
  runtime.stop();
  EXPECT_EQ(receiver.received.load(), 20);
  EXPECT_EQ(counts->delivered.load(), 20u);
  EXPECT_EQ(counts->retried.load(), 3u);
  EXPECT_EQ(counts->given_up.load(), 0u);
}

TEST(ExampleForwardToWebhook, AWrongSecretIsRefusedAndNotRetried) {
  Receiver receiver("the-receivers-secret", 0);
  gbrt::Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  auto counts = forward_to_webhook::register_forwarding(
      runtime, {.port = receiver.server->port(), .secret = "another-secret"});
  runtime.start();
  auto answer = boost::asio::co_spawn(runtime.shard(0).executor(),
                                      runtime.handle(gbrt::test::fixture("site_view-1.json")),
                                      boost::asio::use_future)
                    .get();
  EXPECT_EQ(answer.status, 200u);
  EXPECT_TRUE(runtime.drain(std::chrono::seconds(5)));
  runtime.stop();
  EXPECT_EQ(receiver.received.load(), 0);
  EXPECT_EQ(counts->given_up.load(), 1u);  // 401 is final
  EXPECT_EQ(counts->retried.load(), 0u);
}

}  // namespace
