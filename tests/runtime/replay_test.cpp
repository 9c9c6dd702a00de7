#include <gbrt/runtime/replay.hpp>

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "support/fixtures.hpp"

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;
using gbrt::test::fixture;

TEST(Replay, ReportsHandlerLatencyPerTypeFromTheRuntimesHistograms) {
  gbrt::Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 2});
  runtime.on<ev::SiteView>([](const ev::SiteView&, gbrt::Context& c) -> asio::awaitable<void> {
    asio::steady_timer wait(c.executor(), std::chrono::milliseconds(3));
    co_await wait.async_wait(asio::use_awaitable);
  });
  runtime.on<ev::SpaceView>(
      [](const ev::SpaceView&, gbrt::Context&) -> asio::awaitable<void> { co_return; });
  runtime.start();
  std::vector<std::string> corpus = {fixture("site_view-1.json"), fixture("space_view-1.json"),
                                     fixture("page_feedback-1.json"), "{not json"};
  auto report = gbrt::runtime::replay(runtime, corpus, {.concurrency = 8, .passes = 25});
  runtime.shutdown(std::chrono::seconds(1));

  EXPECT_EQ(report.events, 100u);
  EXPECT_EQ(report.not_accepted, 50u);  // page_feedback has no handler (406); bad JSON (400)
  ASSERT_EQ(report.types.size(), 2u);   // page_feedback ran no handler: not timed, not "handled"
  EXPECT_EQ(report.table().find("page_feedback"), std::string::npos) << report.table();
  const auto& site = *std::find_if(report.types.begin(), report.types.end(),
                                   [](const auto& t) { return t.name == "site_view"; });
  EXPECT_EQ(site.handled, 25u);
  EXPECT_GE(site.p50_us, 2048);  // 3 ms sits in the (2048, 4096] µs bucket or above
  EXPECT_GE(site.mean_us, 3000);
  EXPECT_NE(report.json().find(R"("type":"site_view","handled":25,)"), std::string::npos);
  EXPECT_NE(report.table().find("site_view"), std::string::npos);
}

TEST(Replay, LoadsAFolderOfFixturesOrAnNdjsonFile) {
  auto folder = gbrt::runtime::load_corpus(gbrt::test::fixtures_dir());
  EXPECT_GE(folder.size(), 30u);
  for (const auto& e : folder) EXPECT_EQ(e.front(), '{');

  auto path = std::filesystem::temp_directory_path() /
              ("gbrt-replay-corpus-" + std::to_string(::getpid()) + ".ndjson");
  {
    std::ofstream out(path);
    out << fixture("site_view-1.json") << "\n\n" << fixture("space_view-1.json") << "\n";
  }
  EXPECT_EQ(gbrt::runtime::load_corpus(path).size(), 2u);
  std::filesystem::remove(path);
  EXPECT_THROW(gbrt::runtime::load_corpus(path), std::runtime_error);
}

}  // namespace

namespace {

// Many events at once whose handlers hop to the compute pool and back: awaiting across
// executors under load (Asio's recycling cache is shared by neither thread).
TEST(Replay, HandlersOffloadingConcurrentlyOnEveryShard) {
  gbrt::Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 2, .compute_threads = 2});
  std::atomic<int> sum{0};
  runtime.on<ev::SiteView>([&](const ev::SiteView&, gbrt::Context& c) -> asio::awaitable<void> {
    int v = co_await c.offload([] { return 1; });
    sum += v;
  });
  runtime.start();
  auto report = gbrt::runtime::replay(runtime, {fixture("site_view-1.json")},
                                      {.concurrency = 64, .passes = 20000});
  runtime.shutdown(std::chrono::seconds(5));
  EXPECT_EQ(report.not_accepted, 0u);
  EXPECT_EQ(sum.load(), 20000);
}

}  // namespace

namespace {

// Runtime::handle() awaited by many coroutines of a foreign io_context at once, as an
// embedding service does. This crashed (a use after free, seen once Asio's recycling cache
// was enlarged) until event slots went back to their pool only after co_spawn's thread for
// the handlers had wound down.
TEST(Replay, HandleAwaitedConcurrentlyFromAForeignIoContext) {
  gbrt::Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 2});
  runtime.on<ev::SiteView>([](const ev::SiteView&, gbrt::Context& c) -> asio::awaitable<void> {
    asio::steady_timer wait(c.executor(), std::chrono::microseconds(200));
    co_await wait.async_wait(asio::use_awaitable);
  });
  runtime.start();
  // page_feedback has no handler: its run() ends without suspending, the case that reused
  // an event slot while co_spawn still held a cancellation handler in it.
  const std::vector<std::string> events = {fixture("site_view-1.json"),
                                           fixture("page_feedback-1.json"), "{not json"};
  asio::io_context service(1);
  int answered = 0, ok = 0;
  for (int worker = 0; worker < 8; ++worker) {
    asio::co_spawn(
        service,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < 200; ++i) {
            auto answer = co_await runtime.handle(events[i % events.size()]);
            ++answered;
            ok += answer.status == 200;
          }
        },
        asio::detached);
  }
  service.run();
  runtime.shutdown(std::chrono::seconds(5));
  EXPECT_EQ(answered, 1600);
  EXPECT_EQ(ok, 8 * 67);  // i % 3 == 0: site_view; the others answer 406 and 400
}

}  // namespace
