#include <gbrt/runtime/runtime.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gbrt/runtime/testing.hpp>

#include "support/async.hpp"
#include "support/dispatch.hpp"
#include "support/fixtures.hpp"

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;
using gbrt::Context;
using gbrt::ExposableError;
using gbrt::Runtime;
using gbrt::runtime::Answer;
using gbrt::runtime::ComponentResponse;
using gbrt::runtime::Outcome;
using gbrt::test::dispatch_json;
using gbrt::test::fixture;

const std::string kTask =
    R"({"type":"task","eventId":"evt_t","installationId":"i","task":{"n":7}})";

TEST(Runtime, TypedHandlerGetsTheViewAndAnswersOk) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  std::string seen_space, seen_url;
  runtime.on<ev::SpaceView>([&](const ev::SpaceView& e, Context& c) -> asio::awaitable<void> {
    seen_space = e.space_id;
    seen_url = e.url;
    EXPECT_EQ(c.event().event_id, "evt_x5sKI7hD5rgYc0saNQafAh04Yc");
    EXPECT_EQ(c.environment(), nullptr);
    co_return;
  });
  runtime.start();
  Answer answer = dispatch_json(runtime, fixture("space_view-1.json"));
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.body, "OK");
  EXPECT_EQ(seen_space, "I60sJqTEugnPucbaY7sU");
  EXPECT_EQ(seen_url, "https://docs.example.com/reference/api?tab=curl#auth");
}

TEST(Runtime, TypeWithoutHandlerIs406WithGitBooksMessage) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  runtime.start();
  Answer answer = dispatch_json(runtime, fixture("space_view-1.json"));
  EXPECT_EQ(answer.status, 406u);
  EXPECT_EQ(answer.body, R"({"error":"Integration does not handle \"space_view\" events"})");
  EXPECT_EQ(runtime.metrics().handled(std::size_t(ev::EventType::space_view), Outcome::rejected),
            1u);
}

TEST(Runtime, AllHandlersOfATypeRunConcurrentlyAndTheAnswerWaitsForAll) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  // The first handler waits on a gate only the second opens: run one after the other,
  // they would never finish (dispatch_json would time out).
  std::shared_ptr<asio::steady_timer> gate;
  std::atomic<int> finished{0};
  runtime.on<ev::SpaceView>([&](const ev::SpaceView&, Context& c) -> asio::awaitable<void> {
    gate =
        std::make_shared<asio::steady_timer>(c.executor(), asio::steady_timer::time_point::max());
    auto keep = gate;
    co_await keep->async_wait(asio::as_tuple(asio::use_awaitable));
    ++finished;
  });
  runtime.on<ev::SpaceView>([&](const ev::SpaceView&, Context& c) -> asio::awaitable<void> {
    asio::steady_timer pause(c.executor(), std::chrono::milliseconds(20));
    co_await pause.async_wait(asio::use_awaitable);
    gate->cancel();
    ++finished;
  });
  runtime.start();
  Answer answer = dispatch_json(runtime, fixture("space_view-1.json"));
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(finished.load(), 2);
}

TEST(Runtime, ExposableErrorGivesItsCodeAndMessage) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  runtime.on<ev::SiteView>([](const ev::SiteView&, Context&) -> asio::awaitable<void> {
    throw ExposableError("quota \"exceeded\"", 429);
    co_return;
  });
  runtime.start();
  Answer answer = dispatch_json(runtime, fixture("site_view-1.json"));
  EXPECT_EQ(answer.status, 429u);
  EXPECT_EQ(answer.body, R"({"error":"quota \"exceeded\""})");
  EXPECT_EQ(answer.content_type, "application/json");
}

TEST(Runtime, OtherExceptionsAre500WithoutDetails) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  runtime.on<ev::SiteView>(
      [](const ev::SiteView&, Context&) -> asio::awaitable<void> { co_return; });
  runtime.on<ev::SiteView>([](const ev::SiteView&, Context&) -> asio::awaitable<void> {
    throw std::runtime_error("database password is hunter2");
    co_return;
  });
  runtime.start();
  Answer answer = dispatch_json(runtime, fixture("site_view-1.json"));
  EXPECT_EQ(answer.status, 500u);
  EXPECT_EQ(answer.body, R"({"error":"Internal server error"})");
  EXPECT_EQ(runtime.metrics().handled(std::size_t(ev::EventType::site_view), Outcome::error), 1u);
}

// The answer says what became of the event in the runtime's terms, as /metrics counts it.
TEST(Runtime, AnswerCarriesTheOutcomeItWasCountedAs) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  runtime.on<ev::SiteView>([](const ev::SiteView&, Context&) -> asio::awaitable<void> {
    throw gbrt::ExposableError("no", 409);
    co_return;
  });
  runtime.on<ev::PageFeedback>(
      [](const ev::PageFeedback&, Context&) -> asio::awaitable<void> { co_return; });
  runtime.start();
  EXPECT_EQ(dispatch_json(runtime, fixture("space_view-1.json")).outcome, Outcome::rejected);
  Answer refused = dispatch_json(runtime, fixture("site_view-1.json"));
  EXPECT_EQ(refused.outcome, Outcome::error);
  EXPECT_EQ(refused.escaped_message(), "no");
  EXPECT_EQ(dispatch_json(runtime, fixture("page_feedback-1.json")).outcome, Outcome::ok);
}

TEST(Runtime, UiRenderGoesToTheComponentNamedByComponentId) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  runtime.component(
      "embed-block", [](const ev::UiRender& e, Context&) -> asio::awaitable<ComponentResponse> {
        auto response = ComponentResponse::element(R"({"type":"text","text":"hi"})",
                                                   e.state ? e.state->raw() : "{}", e.props.raw());
        response.cache_max_age = std::chrono::seconds(60);
        co_return response;
      });
  runtime.start();
  Answer answer = dispatch_json(runtime, fixture("ui_render-2.json"));
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.content_type, "application/json");
  EXPECT_EQ(answer.body.rfind(R"({"type":"element","state":{"page": 6)", 0), 0u) << answer.body;
  EXPECT_NE(answer.body.find(R"("element":{"type":"text","text":"hi"})"), std::string::npos);
  ASSERT_TRUE(answer.cache_max_age);
  EXPECT_EQ(answer.cache_max_age->count(), 60);

  Answer unknown = dispatch_json(runtime, fixture("ui_render-3.json"));  // view-counter
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.body, R"({"error":"Component view-counter not found"})");
}

TEST(Runtime, TaskHandlersAndGitBooksAnswersWithoutAHandler) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  std::int64_t n = 0;
  runtime.on<ev::Task>([&](const ev::Task& e, Context&) -> asio::awaitable<void> {
    n = e.task["n"].get_int64().value_or(-1);
    co_return;
  });
  runtime.start();
  EXPECT_EQ(dispatch_json(runtime, kTask).status, 200u);
  EXPECT_EQ(n, 7);
  const std::string fetch =
      R"({"type":"fetch","eventId":"e","request":{"method":"get","url":"/","headers":{}}})";
  auto unhandled = dispatch_json(runtime, fetch);
  EXPECT_EQ(unhandled.status, 400u);
  EXPECT_EQ(unhandled.body, R"({"error":"Integration does not handle HTTP requests"})");
  const std::string later = R"({"type":"integration_event","eventId":"e"})";
  EXPECT_EQ(dispatch_json(runtime, later).status, 406u);
  std::string metrics = runtime.metrics().render();
  EXPECT_NE(metrics.find(R"(gbrt_events_handled_total{type="task",outcome="ok"} 1)"),
            std::string::npos);
  EXPECT_NE(metrics.find(R"(gbrt_events_handled_total{type="fetch",outcome="rejected"} 1)"),
            std::string::npos);
  EXPECT_NE(metrics.find(R"(gbrt_events_handled_total{type="other",outcome="rejected"} 1)"),
            std::string::npos);
}

TEST(Runtime, HandlersRunOnTheirShardThreadAcrossAwaits) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 2});
  std::thread::id before, after;
  std::size_t shard_index = 99;
  runtime.on<ev::SpaceView>([&](const ev::SpaceView&, Context& c) -> asio::awaitable<void> {
    before = std::this_thread::get_id();
    shard_index = c.shard_index();
    asio::steady_timer pause(c.executor(), std::chrono::milliseconds(5));
    co_await pause.async_wait(asio::use_awaitable);
    after = std::this_thread::get_id();
  });
  runtime.start();
  EXPECT_EQ(dispatch_json(runtime, fixture("space_view-1.json"), 1).status, 200u);
  EXPECT_EQ(shard_index, 1u);
  EXPECT_EQ(before, after);
  EXPECT_NE(before, std::this_thread::get_id());
}

TEST(Runtime, WaitUntilWorkOutlivesTheAnswerAndShutdownWaitsForIt) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  std::atomic<bool> background_done{false};
  runtime.on<ev::SpaceView>([&](const ev::SpaceView& e, Context& c) -> asio::awaitable<void> {
    std::string space(e.space_id);  // copied: the view ends with the answer
    c.wait_until([](asio::any_io_executor ex, std::string space,
                    std::atomic<bool>* done) -> asio::awaitable<void> {
      asio::steady_timer pause(ex, std::chrono::milliseconds(200));
      co_await pause.async_wait(asio::use_awaitable);
      if (space == "I60sJqTEugnPucbaY7sU") *done = true;
    }(c.executor(), std::move(space), &background_done));
    co_return;
  });
  runtime.start();
  EXPECT_EQ(dispatch_json(runtime, fixture("space_view-1.json")).status, 200u);
  EXPECT_FALSE(background_done.load());  // the answer did not wait
  EXPECT_EQ(runtime.pending_background(), 1u);
  runtime.shutdown(std::chrono::seconds(5));
  EXPECT_TRUE(background_done.load());
  EXPECT_EQ(runtime.pending_background(), 0u);
}

TEST(Runtime, RunsOnExecutorsTheEmbedderOwns) {
  asio::io_context io(1);
  Runtime runtime({io.get_executor()}, {});
  bool handled = false;
  runtime.on<ev::SpaceGitSyncStarted>(
      [&](const ev::SpaceGitSyncStarted& e, Context&) -> asio::awaitable<void> {
        handled = e.commit_id == "7af9100ce3c043a950eb4a4837b2c03e04983bde";
        co_return;
      });
  auto future =
      asio::co_spawn(io,
                     gbrt::test::parse_and_dispatch(runtime, runtime.shard(0),
                                                    fixture("space_gitsync_started-1.json")),
                     asio::use_future);
  io.run();  // on this thread: the embedder's loop
  EXPECT_EQ(future.get().status, 200u);
  EXPECT_TRUE(handled);
}

TEST(Runtime, CountsReceivedAndHandledPerType) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 2});
  runtime.on<ev::SpaceView>(
      [](const ev::SpaceView&, Context&) -> asio::awaitable<void> { co_return; });
  runtime.start();
  for (int i = 0; i < 10; ++i) dispatch_json(runtime, fixture("space_view-2.json"), i % 2);
  auto type = std::size_t(ev::EventType::space_view);
  EXPECT_EQ(runtime.metrics().received(type), 10u);
  EXPECT_EQ(runtime.metrics().handled(type, Outcome::ok), 10u);
}

TEST(Runtime, RegisteringAfterStartIsAnError) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  runtime.start();
  EXPECT_THROW(runtime.on<ev::SpaceView>(
                   [](const ev::SpaceView&, Context&) -> asio::awaitable<void> { co_return; }),
               std::logic_error);
}

}  // namespace

// --- Under pressure: deadlines, admission, queues, shutdown ---------------------------

namespace {

using gbrt::runtime::HandlerHarness;
using gbrt::runtime::RuntimeOptions;
using std::chrono::milliseconds;

using gbrt::test::sleep_for;

TEST(RuntimeDeadline, AHandlerPastItsDeadlineIsCancelledAndAnswered504) {
  HandlerHarness harness({.threads = 1, .deadline_per_type = {{"space_view", milliseconds(50)}}});
  std::atomic<bool> saw_cancellation{false};
  harness.runtime().on<ev::SpaceView>(
      [&](const ev::SpaceView&, Context& c) -> asio::awaitable<void> {
        try {
          co_await sleep_for(c.executor(), std::chrono::seconds(60));
        } catch (const boost::system::system_error& e) {
          saw_cancellation = e.code() == asio::error::operation_aborted;
          throw;
        }
      });
  auto result = harness.run(fixture("space_view-1.json"));
  EXPECT_EQ(result.answer.status, 504u);
  EXPECT_EQ(result.answer.body, R"({"error":"Handler deadline of 50 ms exceeded"})");
  EXPECT_LT(result.latency, std::chrono::seconds(1));
  EXPECT_TRUE(saw_cancellation.load());
  EXPECT_EQ(
      harness.runtime().metrics().handled(std::size_t(ev::EventType::space_view), Outcome::timeout),
      1u);
}

// The deadline counts from the event's start, also when the handlers first work without
// suspending: here they are past it when they first wait, and the next sweep (every 5 ms, due
// long before their 30 ms wait ends) cancels them. Counted from that wait, they would finish.
TEST(RuntimeDeadline, CountsFromTheStartNotFromTheFirstWait) {
  HandlerHarness harness({.threads = 1, .deadline_per_type = {{"space_view", milliseconds(50)}}});
  harness.runtime().on<ev::SpaceView>(
      [&](const ev::SpaceView&, Context& c) -> asio::awaitable<void> {
        std::this_thread::sleep_for(milliseconds(80));  // work that does not suspend
        co_await sleep_for(c.executor(), milliseconds(30));
      });
  auto result = harness.run(fixture("space_view-1.json"));
  EXPECT_EQ(result.answer.status, 504u);
  EXPECT_EQ(result.answer.body, R"({"error":"Handler deadline of 50 ms exceeded"})");
}

TEST(RuntimeDeadline, CancellationReachesEveryHandlerOfTheEvent) {
  HandlerHarness harness({.threads = 1, .deadline = milliseconds(50)});
  std::atomic<int> cancelled{0};
  for (int i = 0; i < 3; ++i) {
    harness.runtime().on<ev::SiteView>(
        [&](const ev::SiteView&, Context& c) -> asio::awaitable<void> {
          try {
            co_await sleep_for(c.executor(), std::chrono::seconds(60));
          } catch (const boost::system::system_error&) {
            ++cancelled;
            throw;
          }
        });
  }
  auto result = harness.run(fixture("site_view-2.json"));
  EXPECT_EQ(result.answer.status, 504u);
  EXPECT_EQ(cancelled.load(), 3);
  EXPECT_LT(result.latency, std::chrono::seconds(1));
}

TEST(RuntimeDeadline, AHandlerIgnoringCancellationDoesNotHoldTheAnswerPastTheGrace) {
  std::atomic<bool> answered{false};  // outlives the harness, which waits for the handler
  HandlerHarness harness(
      {.threads = 1, .deadline = milliseconds(50), .cancel_grace = milliseconds(100)});
  harness.runtime().on<ev::SiteView>([&](const ev::SiteView&, Context& c) -> asio::awaitable<void> {
    // Swallows cancellation and keeps going until the test has its answer (30 s at most).
    for (int i = 0; i < 3000 && !answered.load(); ++i) {
      try {
        co_await asio::this_coro::reset_cancellation_state();
        co_await sleep_for(c.executor(), milliseconds(10));
      } catch (const boost::system::system_error&) {
      }
    }
  });
  auto result = harness.run(fixture("site_view-2.json"));
  answered = true;
  EXPECT_EQ(result.answer.status, 504u);
  EXPECT_GE(result.latency, milliseconds(150));
  EXPECT_LT(result.latency, std::chrono::seconds(10));
}

TEST(RuntimeAdmission, PerTypeCapSheds503WithRetryAfter) {
  std::atomic<bool> started{false}, release{false};
  HandlerHarness harness({.threads = 1, .max_inflight_per_type = {{"site_view", 1}}});
  harness.runtime().on<ev::SiteView>([&](const ev::SiteView&, Context& c) -> asio::awaitable<void> {
    started = true;
    while (!release.load()) co_await sleep_for(c.executor(), milliseconds(2));
  });
  gbrt::Runtime& runtime = harness.runtime();
  runtime.start();
  std::string body = fixture("site_view-3.json");
  auto first = asio::co_spawn(runtime.shard(0).executor(), runtime.handle(body), asio::use_future);
  ASSERT_TRUE(gbrt::test::wait_for([&] { return started.load(); }));
  auto second = asio::co_spawn(runtime.shard(0).executor(), runtime.handle(body), asio::use_future);
  Answer shed = second.get();
  release = true;
  EXPECT_EQ(shed.status, 503u);
  ASSERT_TRUE(shed.retry_after);
  EXPECT_EQ(shed.retry_after->count(), 1);
  EXPECT_EQ(first.get().status, 200u);
  EXPECT_EQ(runtime.metrics().handled(std::size_t(ev::EventType::site_view), Outcome::shed), 1u);
}

TEST(RuntimeQueue, QueuedTypesAre202AndHandledFromTheQueue) {
  HandlerHarness harness(
      {.threads = 2, .ack_per_type = {{"site_view", gbrt::runtime::AckMode::queued}}});
  std::atomic<int> handled{0};
  harness.runtime().on<ev::SiteView>([&](const ev::SiteView&, Context& c) -> asio::awaitable<void> {
    co_await sleep_for(c.executor(), milliseconds(1));
    ++handled;
  });
  std::string body = fixture("site_view-1.json");
  for (int i = 0; i < 100; ++i) {
    auto result = harness.run(body);
    ASSERT_EQ(result.answer.status, 202u);
    ASSERT_EQ(result.answer.body, R"({"status":"queued"})");
  }
  EXPECT_TRUE(harness.runtime().drain(std::chrono::seconds(5)));
  EXPECT_EQ(handled.load(), 100);
}

TEST(RuntimeQueue, AFullQueueAnswers503) {
  HandlerHarness harness({.threads = 1,
                          .ack_per_type = {{"site_view", gbrt::runtime::AckMode::queued}},
                          .queue_capacity = 2,
                          .queue_concurrency = 1});
  harness.runtime().on<ev::SiteView>([](const ev::SiteView&, Context& c) -> asio::awaitable<void> {
    co_await sleep_for(c.executor(), milliseconds(300));
  });
  std::string body = fixture("site_view-1.json");
  EXPECT_EQ(harness.run(body).answer.status, 202u);  // runs
  EXPECT_EQ(harness.run(body).answer.status, 202u);  // waits
  EXPECT_EQ(harness.run(body).answer.status, 202u);  // waits
  auto full = harness.run(body).answer;
  EXPECT_EQ(full.status, 503u);
  EXPECT_TRUE(full.retry_after);
}

TEST(RuntimeShutdown, DrainWaitsForRunningHandlersAndStatsAccountForEveryEvent) {
  gbrt::Runtime runtime({.threads = 2});
  std::atomic<int> started{0}, finished{0};
  runtime.on<ev::SpaceView>([&](const ev::SpaceView&, Context& c) -> asio::awaitable<void> {
    ++started;
    co_await sleep_for(c.executor(), milliseconds(100));
    ++finished;
  });
  runtime.start();
  std::vector<std::future<Answer>> answers;
  for (int i = 0; i < 50; ++i) {
    answers.push_back(asio::co_spawn(runtime.shard(i % 2).executor(),
                                     runtime.handle(fixture("space_view-3.json")),
                                     asio::use_future));
  }
  ASSERT_TRUE(gbrt::test::wait_for([&] { return started.load() == 50; }));
  EXPECT_TRUE(runtime.drain(std::chrono::seconds(5)));
  EXPECT_TRUE(runtime.draining());
  EXPECT_EQ(finished.load(), 50);
  for (auto& a : answers) EXPECT_EQ(a.get().status, 200u);
  runtime.stop();
  std::string stats = runtime.stats_json();
  EXPECT_NE(stats.find(R"("space_view":{"received":50,"ok":50)"), std::string::npos) << stats;
  EXPECT_NE(stats.find(R"("pending":0)"), std::string::npos) << stats;
}

TEST(RuntimeShutdown, StopCancelsWhatTheDrainDidNotFinish) {
  gbrt::Runtime runtime({.threads = 1, .cancel_grace = milliseconds(500)});
  std::atomic<bool> started{false}, cancelled{false};
  runtime.on<ev::SpaceView>([&](const ev::SpaceView&, Context& c) -> asio::awaitable<void> {
    started = true;
    try {
      co_await sleep_for(c.executor(), std::chrono::seconds(60));
    } catch (const boost::system::system_error&) {
      cancelled = true;
      throw;
    }
  });
  runtime.start();
  auto answer = asio::co_spawn(runtime.shard(0).executor(),
                               runtime.handle(fixture("space_view-1.json")), asio::use_future);
  ASSERT_TRUE(gbrt::test::wait_for([&] { return started.load(); }));
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(runtime.drain(milliseconds(50)));
  runtime.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_TRUE(cancelled.load());
  Answer a = answer.get();
  EXPECT_EQ(a.status, 503u);
  EXPECT_EQ(a.body, R"({"error":"Shutting down"})");
}

TEST(RuntimeMetrics, HandlerLatencyHistogramPerType) {
  HandlerHarness harness;
  harness.runtime().on<ev::SpaceView>(
      [](const ev::SpaceView&, Context& c) -> asio::awaitable<void> {
        co_await sleep_for(c.executor(), milliseconds(3));
      });
  for (int i = 0; i < 5; ++i) harness.run(fixture("space_view-2.json"));
  auto histogram =
      harness.runtime().metrics().handler_durations(std::size_t(ev::EventType::space_view));
  EXPECT_EQ(histogram.count, 5u);
  EXPECT_GE(histogram.quantile_upper_bound(0.5), 0.003);
  EXPECT_LT(histogram.quantile_upper_bound(0.5), 1.0);  // a clock measuring too long fails too
  std::string text = harness.runtime().metrics().render();
  EXPECT_NE(text.find(R"(gbrt_handler_duration_seconds_count{type="space_view"} 5)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(gbrt_handler_duration_seconds_bucket{type="space_view",le="1e-06"} 0)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(gbrt_handler_duration_seconds_bucket{type="space_view",le="+Inf"} 5)"),
            std::string::npos);
}

}  // namespace

namespace {

// Captures what this process writes to stderr while alive.
class StderrCapture {
 public:
  StderrCapture()
      : path_(std::filesystem::temp_directory_path() /
              ("gbrt-stderr-capture-" + std::to_string(::getpid()) + ".txt")) {
    std::fflush(stderr);
    saved_ = dup(2);
    int fd = open(path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    dup2(fd, 2);
    close(fd);
  }
  ~StderrCapture() { restore(); }
  std::string text() {
    restore();
    return gbrt::test::read_file(path_);
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    saved_ = -1;
  }
  std::filesystem::path path_;
  int saved_ = -1;
};

TEST(RuntimeSlowHandler, IsLoggedOnceWhileItStillRuns) {
  StderrCapture capture;
  {
    HandlerHarness harness({.threads = 1, .slow_handler = milliseconds(30)});
    harness.runtime().on<ev::SpaceView>(
        [](const ev::SpaceView&, Context& c) -> asio::awaitable<void> {
          co_await sleep_for(c.executor(), milliseconds(150));
        });
    EXPECT_EQ(harness.run(fixture("space_view-1.json")).answer.status, 200u);
  }
  std::string log = capture.text();
  const std::string line =
      R"("msg":"slow handler: still running","event_id":"evt_x5sKI7hD5rgYc0saNQafAh04Yc",)"
      R"("event_type":"space_view","after_ms":30)";
  auto first = log.find(line);
  EXPECT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find(line, first + 1), std::string::npos) << "logged more than once";
}

TEST(RuntimeShutdown, SkipDrainEndsTheDrainAtOnce) {
  gbrt::Runtime runtime({.threads = 1, .cancel_grace = milliseconds(200)});
  std::atomic<bool> started{false};
  runtime.on<ev::SpaceView>([&](const ev::SpaceView&, Context& c) -> asio::awaitable<void> {
    started = true;
    co_await sleep_for(c.executor(), std::chrono::seconds(30));
  });
  runtime.start();
  auto answer = asio::co_spawn(runtime.shard(0).executor(),
                               runtime.handle(fixture("space_view-1.json")), asio::use_future);
  ASSERT_TRUE(gbrt::test::wait_for([&] { return started.load(); }));
  auto start = std::chrono::steady_clock::now();
  std::thread second_signal([&] {
    gbrt::test::wait_for([&] { return runtime.draining(); });
    runtime.skip_drain();
  });
  EXPECT_FALSE(runtime.drain(std::chrono::seconds(60)));
  second_signal.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  runtime.stop();
  EXPECT_EQ(answer.get().status, 503u);
}

}  // namespace
