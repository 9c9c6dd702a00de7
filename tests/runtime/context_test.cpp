#include <gbrt/runtime/context.hpp>

#include <atomic>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <gbrt/runtime/testing.hpp>

#include "support/fixtures.hpp"

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;
using gbrt::Context;
using gbrt::runtime::HandlerHarness;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST(Context, QueueTaskRunsTheTaskHandlerWithThePayloadWhenDue) {
  HandlerHarness harness;
  std::promise<std::pair<steady_clock::time_point, std::int64_t>> fired;
  steady_clock::time_point queued_at;
  harness.runtime().on<ev::InstallationSetup>(
      [&](const ev::InstallationSetup&, Context& c) -> asio::awaitable<void> {
        queued_at = steady_clock::now();
        co_await c.queue_task(R"({"kind":"sync","n":42})", milliseconds(300));
      });
  harness.runtime().on<ev::Task>([&](const ev::Task& e, Context&) -> asio::awaitable<void> {
    EXPECT_EQ(e.installation_id, "inst_aSCrUZoL8g5ubbbPIa84");  // the queuing event's
    fired.set_value({steady_clock::now(), e.task["n"].get_int64().value_or(-1)});
    co_return;
  });
  EXPECT_EQ(
      harness.run_file(gbrt::test::fixtures_dir() / "installation_setup-1.json").answer.status,
      200u);
  auto future = fired.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto [when, n] = future.get();
  EXPECT_EQ(n, 42);
  auto late = when - (queued_at + milliseconds(300));
  EXPECT_GE(late, milliseconds(0));
  EXPECT_LT(late, std::chrono::seconds(2));  // on time, give or take a busy machine
}

TEST(Context, PendingTasksAreCancelledAndReportedAtShutdown) {
  gbrt::Runtime runtime({.threads = 1});
  runtime.on<ev::InstallationSetup>(
      [](const ev::InstallationSetup&, Context& c) -> asio::awaitable<void> {
        co_await c.queue_task("{}", std::chrono::hours(1));
        co_await c.queue_task(R"({"n":[1,2]})", std::chrono::hours(2));
      });
  runtime.on<ev::Task>([](const ev::Task&, Context&) -> asio::awaitable<void> { co_return; });
  runtime.start();
  auto answer = asio::co_spawn(runtime.shard(0).executor(),
                               runtime.handle(gbrt::test::fixture("installation_setup-2.json")),
                               asio::use_future);
  EXPECT_EQ(answer.get().status, 200u);
  EXPECT_EQ(runtime.pending_tasks(), 2u);
  runtime.shutdown(milliseconds(100));
  std::string stats = runtime.stats_json();
  EXPECT_NE(stats.find(R"("tasks_cancelled":2)"), std::string::npos) << stats;
}

TEST(Context, QueueTaskRejectsBadDelaysAndPayloads) {
  HandlerHarness harness;
  harness.runtime().on<ev::InstallationSetup>(
      [](const ev::InstallationSetup&, Context& c) -> asio::awaitable<void> {
        EXPECT_THROW((void)c.queue_task("{}", std::chrono::hours(25)), std::out_of_range);
        EXPECT_THROW((void)c.queue_task("{}", milliseconds(-1)), std::out_of_range);
        EXPECT_THROW((void)c.queue_task("{not json", milliseconds(1)), std::invalid_argument);
        co_return;
      });
  EXPECT_EQ(
      harness.run_file(gbrt::test::fixtures_dir() / "installation_setup-3.json").answer.status,
      200u);
}

TEST(Context, OffloadRunsOnTheComputePoolAndResumesOnTheShard) {
  HandlerHarness harness;
  std::thread::id shard_thread, pool_thread, after;
  harness.runtime().on<ev::SpaceView>(
      [&](const ev::SpaceView& e, Context& c) -> asio::awaitable<void> {
        shard_thread = std::this_thread::get_id();
        std::size_t length = co_await c.offload([&] {
          pool_thread = std::this_thread::get_id();
          return e.url.size();
        });
        after = std::this_thread::get_id();
        EXPECT_EQ(length, e.url.size());
      });
  EXPECT_EQ(harness.run_file(gbrt::test::fixtures_dir() / "space_view-1.json").answer.status, 200u);
  EXPECT_NE(pool_thread, shard_thread);
  EXPECT_EQ(after, shard_thread);
}

}  // namespace
