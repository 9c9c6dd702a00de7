// The runtime's side of --ack TYPE=forwarded (forwarder.hpp), with a Forwarder that keeps
// events in memory; gbrt::forward's JetStream publisher is tested against nats-server in
// tests/nats.
#include <gbrt/runtime/forwarder.hpp>

#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include <gbrt/runtime/runtime.hpp>
#include <gbrt/runtime/testing.hpp>

#include "support/fixtures.hpp"

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;
using gbrt::Context;
using gbrt::Runtime;
using gbrt::runtime::AckMode;
using gbrt::runtime::Answer;
using gbrt::runtime::EventSlot;
using gbrt::runtime::Outcome;
using gbrt::runtime::Shard;
using gbrt::test::fixture;

// Stores what it is given, or refuses everything as a store that is down would.
class MemoryForwarder final : public gbrt::runtime::Forwarder {
 public:
  gbrt::runtime::ShardAwaitable<Answer> forward(const EventSlot& slot, Shard&) override {
    if (down) co_return Answer::unavailable("store down", std::chrono::seconds(1));
    if (refuse != 0) co_return Answer::error(refuse, "refused");
    std::lock_guard lock(mutex);
    events.emplace_back(slot.event_json);
    environments.emplace_back(slot.environment_json);
    co_return Answer::json(202, R"({"status":"forwarded"})");
  }
  bool down = false;
  unsigned refuse = 0;  // answer every event with this status (400, 413), if not 0
  std::mutex mutex;
  std::vector<std::string> events, environments;
};

gbrt::runtime::RuntimeOptions forwarding_site_views() {
  return {.threads = 1, .ack_per_type = {{"site_view", AckMode::forwarded}}};
}

TEST(RuntimeForward, ForwardedTypesGoToTheForwarderUnchangedAndRunNoHandler) {
  gbrt::runtime::HandlerHarness harness(forwarding_site_views());
  MemoryForwarder store;
  harness.runtime().forward_to(store);
  int handled = 0;
  harness.runtime().on<ev::SiteView>([&](const ev::SiteView&, Context&) -> asio::awaitable<void> {
    ++handled;
    co_return;
  });
  const std::string event = fixture("site_view-1.json");
  const std::string environment = fixture("environment.json");
  auto result = harness.run(event, environment);
  EXPECT_EQ(result.answer.status, 202u);
  EXPECT_EQ(result.answer.body, R"({"status":"forwarded"})");
  ASSERT_EQ(store.events.size(), 1u);
  EXPECT_EQ(store.events[0], event);  // the bytes received, not a re-serialisation
  EXPECT_EQ(store.environments[0], environment);
  EXPECT_EQ(handled, 0);
  // Other types are handled here as before.
  EXPECT_EQ(harness.run(fixture("space_view-1.json")).answer.status, 406u);
  auto& metrics = harness.runtime().metrics();
  const std::size_t site_view = std::size_t(ev::EventType::site_view);
  EXPECT_EQ(metrics.handled(site_view, Outcome::forwarded), 1u);
}

TEST(RuntimeForward, AStoreThatRefusesGives503AndCountsAsShed) {
  gbrt::runtime::HandlerHarness harness(forwarding_site_views());
  MemoryForwarder store;
  store.down = true;
  harness.runtime().forward_to(store);
  auto result = harness.run(fixture("site_view-1.json"));
  EXPECT_EQ(result.answer.status, 503u);
  EXPECT_EQ(result.answer.retry_after, std::chrono::seconds(1));
  const std::size_t site_view = std::size_t(ev::EventType::site_view);
  EXPECT_EQ(harness.runtime().metrics().handled(site_view, Outcome::shed), 1u);
}

TEST(RuntimeForward, StartRefusesTheForwardedModeWithoutAForwarder) {
  Runtime runtime(forwarding_site_views());
  EXPECT_THROW(runtime.start(), std::logic_error);
}

gbrt::runtime::RuntimeOptions storing_site_views() {
  return {.threads = 1, .ack_per_type = {{"site_view", AckMode::stored}}};
}

// --ack TYPE=stored: the store first, then the handlers, whose answer is the answer.
TEST(RuntimeForward, StoredTypesAreStoredThenHandled) {
  gbrt::runtime::HandlerHarness harness(storing_site_views());
  MemoryForwarder store;
  harness.runtime().store_to(store);
  std::size_t stored_before_handler = 0;
  harness.runtime().on<ev::SiteView>([&](const ev::SiteView&, Context&) -> asio::awaitable<void> {
    stored_before_handler = store.events.size();
    throw gbrt::ExposableError("handler failed", 500);
    co_return;
  });
  auto result = harness.run(fixture("site_view-1.json"));
  EXPECT_EQ(result.answer.status, 500u);
  EXPECT_EQ(stored_before_handler, 1u);
  const std::size_t site_view = std::size_t(ev::EventType::site_view);
  EXPECT_EQ(harness.runtime().metrics().handled(site_view, Outcome::error), 1u);
}

TEST(RuntimeForward, AStoredTypeWithoutHandlersIsAnsweredByTheStore) {
  gbrt::runtime::HandlerHarness harness(storing_site_views());
  MemoryForwarder store;
  harness.runtime().store_to(store);
  EXPECT_TRUE(harness.runtime().forwarding_ready());
  auto result = harness.run(fixture("site_view-1.json"));
  EXPECT_EQ(result.answer.status, 202u);
  const std::size_t site_view = std::size_t(ev::EventType::site_view);
  EXPECT_EQ(harness.runtime().metrics().handled(site_view, Outcome::stored), 1u);
}

TEST(RuntimeForward, AStoreThatRefusesRunsNoHandler) {
  gbrt::runtime::HandlerHarness harness(storing_site_views());
  MemoryForwarder store;
  store.down = true;
  harness.runtime().store_to(store);
  int handled = 0;
  harness.runtime().on<ev::SiteView>([&](const ev::SiteView&, Context&) -> asio::awaitable<void> {
    ++handled;
    co_return;
  });
  auto result = harness.run(fixture("site_view-1.json"));
  EXPECT_EQ(result.answer.status, 503u);
  EXPECT_EQ(handled, 0);
}

// As for forwarded events: the store down is shed (503), an event it refuses rejected (4xx).
TEST(RuntimeForward, AStoreRefusalIsRejectedAndAStoreDownShed) {
  const std::size_t site_view = std::size_t(ev::EventType::site_view);
  {
    gbrt::runtime::HandlerHarness harness(storing_site_views());
    MemoryForwarder store;
    store.refuse = 413;
    harness.runtime().store_to(store);
    EXPECT_EQ(harness.run(fixture("site_view-1.json")).answer.status, 413u);
    EXPECT_EQ(harness.runtime().metrics().handled(site_view, Outcome::rejected), 1u);
    EXPECT_EQ(harness.runtime().metrics().handled(site_view, Outcome::shed), 0u);
  }
  gbrt::runtime::HandlerHarness harness(storing_site_views());
  MemoryForwarder store;
  store.down = true;
  harness.runtime().store_to(store);
  EXPECT_EQ(harness.run(fixture("site_view-1.json")).answer.status, 503u);
  EXPECT_EQ(harness.runtime().metrics().handled(site_view, Outcome::shed), 1u);
  EXPECT_EQ(harness.runtime().metrics().handled(site_view, Outcome::rejected), 0u);
}

// What a worker does with an event it pulled: the handlers run here, whatever the ack mode.
gbrt::runtime::ShardAwaitable<Answer> deliver(Runtime& runtime, Shard& shard, std::string json) {
  gbrt::runtime::SlotPtr slot = shard.slots().acquire();
  if (auto refused = slot->load(shard.parser(), json)) co_return std::move(*refused);
  co_return co_await runtime.run_delivered(std::move(slot), shard);
}

TEST(RuntimeForward, RunDeliveredRunsTheHandlersWhateverTheAckMode) {
  Runtime runtime(forwarding_site_views());
  MemoryForwarder store;
  runtime.forward_to(store);
  std::string seen;
  runtime.on<ev::SiteView>([&](const ev::SiteView& view, Context&) -> asio::awaitable<void> {
    seen = view.event_id;
    co_return;
  });
  runtime.start();
  auto future = asio::co_spawn(runtime.shard(0).executor(),
                               deliver(runtime, runtime.shard(0), fixture("site_view-1.json")),
                               asio::use_future);
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(future.get().status, 200u);
  EXPECT_EQ(seen, "evt_9tL1YnsRjRa0vhByTPGVlN4CC0");
  EXPECT_TRUE(store.events.empty());
  const std::size_t site_view = std::size_t(ev::EventType::site_view);
  EXPECT_EQ(runtime.metrics().handled(site_view, Outcome::ok), 1u);
  runtime.shutdown();
}

}  // namespace
