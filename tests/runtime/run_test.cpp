#include <gbrt/runtime/run.hpp>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "support/async.hpp"
#include "support/fixtures.hpp"

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;
using gbrt::Context;
using gbrt::Runtime;
using gbrt::runtime::Answer;
using gbrt::runtime::RunOptions;
using gbrt::test::fixture;
using gbrt::test::wait_for;

// A space_view handler that runs until `release` is set (or it is cancelled).
void hold_space_views(Runtime& runtime, std::atomic<bool>& release) {
  runtime.on<ev::SpaceView>([&](const ev::SpaceView&, Context& c) -> asio::awaitable<void> {
    asio::steady_timer tick(c.executor());
    while (!release) {
      tick.expires_after(std::chrono::milliseconds(1));
      auto [ec] = co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
    }
  });
}

std::future<Answer> send_space_view(Runtime& runtime) {
  return asio::co_spawn(runtime.shard(0).executor(), runtime.handle(fixture("space_view-1.json")),
                        asio::use_future);
}

TEST(RunUntilSignal, SigtermClosesTheIntakeAndDrainsWhatRuns) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  std::atomic<bool> release{false}, started{false}, intake_closed{false};
  std::atomic<int> signal_seen{0};
  hold_space_views(runtime, release);
  bool drained = false;
  std::thread runner([&] {
    drained = gbrt::runtime::run_until_signal(
        runtime, {.drain_timeout = std::chrono::seconds(60),
                  .on_started = [&] { started = true; },
                  .on_signal = [&](int signal) { signal_seen = signal; },
                  .stop_intake = [&] { intake_closed = true; }});
  });
  ASSERT_TRUE(wait_for([&] { return started.load(); }));
  auto answer = send_space_view(runtime);
  ASSERT_TRUE(wait_for([&] { return runtime.in_flight() == 1; }));
  kill(getpid(), SIGTERM);
  ASSERT_TRUE(wait_for([&] { return intake_closed.load(); }));
  EXPECT_EQ(signal_seen, SIGTERM);
  EXPECT_TRUE(runtime.draining());
  EXPECT_EQ(answer.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  release = true;  // the drain waits for the handler
  runner.join();
  EXPECT_TRUE(drained);
  EXPECT_EQ(answer.get().status, 200u);
}

TEST(RunUntilSignal, IntakeStaysOpenForTheDrainDelayAndASecondSignalCutsItAndTheDrain) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  std::atomic<bool> release{false}, started{false}, intake_closed{false};
  hold_space_views(runtime, release);
  bool drained = true;
  std::thread runner([&] {
    drained =
        gbrt::runtime::run_until_signal(runtime, {.drain_delay = std::chrono::minutes(10),
                                                  .drain_timeout = std::chrono::minutes(10),
                                                  .on_started = [&] { started = true; },
                                                  .stop_intake = [&] { intake_closed = true; }});
  });
  ASSERT_TRUE(wait_for([&] { return started.load(); }));
  auto answer = send_space_view(runtime);
  ASSERT_TRUE(wait_for([&] { return runtime.in_flight() == 1; }));
  kill(getpid(), SIGINT);
  ASSERT_TRUE(wait_for([&] { return runtime.draining(); }));
  EXPECT_FALSE(intake_closed);  // still accepting during the delay
  kill(getpid(), SIGINT);
  runner.join();  // neither the delay nor the handler is waited for
  EXPECT_TRUE(intake_closed);
  EXPECT_FALSE(drained);
  EXPECT_NE(answer.get().status, 200u);  // cancelled by stop()
}

TEST(RunUntilSignal, SighupCallsReloadAndServesOn) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  std::atomic<bool> started{false};
  std::atomic<int> reloads{0};
  std::thread runner([&] {
    gbrt::runtime::run_until_signal(
        runtime, {.on_started = [&] { started = true; }, .on_reload = [&] { ++reloads; }});
  });
  ASSERT_TRUE(wait_for([&] { return started.load(); }));
  kill(getpid(), SIGHUP);
  ASSERT_TRUE(wait_for([&] { return reloads == 1; }));
  kill(getpid(), SIGHUP);
  ASSERT_TRUE(wait_for([&] { return reloads == 2; }));
  EXPECT_FALSE(runtime.draining());
  kill(getpid(), SIGTERM);
  runner.join();
}

TEST(RunUntilSignal, AnIntakeThatCannotStartStopsTheRuntimeAndThrows) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 2});
  bool started = false;
  EXPECT_THROW(gbrt::runtime::run_until_signal(
                   runtime, {.start_intake = [] { throw std::runtime_error("port in use"); },
                             .on_started = [&] { started = true; }}),
               std::runtime_error);
  EXPECT_FALSE(started);
}

// A database pool closes its connections on their shards: the shards still run then.
TEST(RunUntilSignal, BeforeStopRunsAfterTheDrainWhileTheShardsStillRun) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  std::atomic<bool> started{false};
  bool drained_first = false, shard_ran = false;
  std::thread runner([&] {
    gbrt::runtime::run_until_signal(
        runtime, {.on_started = [&] { started = true; },
                  .before_stop =
                      [&] {
                        drained_first = runtime.draining();
                        std::promise<void> done;
                        asio::post(runtime.shard(0).executor(), [&] { done.set_value(); });
                        shard_ran = done.get_future().wait_for(std::chrono::seconds(10)) ==
                                    std::future_status::ready;
                      }});
  });
  ASSERT_TRUE(wait_for([&] { return started.load(); }));
  kill(getpid(), SIGTERM);
  runner.join();
  EXPECT_TRUE(drained_first);
  EXPECT_TRUE(shard_ran);
}

TEST(RunUntilSignal, BeforeStopRunsWhenTheIntakeCannotStart) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  bool closed = false;
  EXPECT_THROW(gbrt::runtime::run_until_signal(
                   runtime, {.start_intake = [] { throw std::runtime_error("no database"); },
                             .before_stop = [&] { closed = true; }}),
               std::runtime_error);
  EXPECT_TRUE(closed);
}

}  // namespace
