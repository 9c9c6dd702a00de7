#include <gbrt/runtime/replay.hpp>

#include <fstream>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

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
  ASSERT_EQ(report.types.size(), 3u);   // page_feedback ran no handler but is timed as rejected
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

  auto path = std::filesystem::temp_directory_path() / "gbrt-replay-corpus.ndjson";
  {
    std::ofstream out(path);
    out << fixture("site_view-1.json") << "\n\n" << fixture("space_view-1.json") << "\n";
  }
  EXPECT_EQ(gbrt::runtime::load_corpus(path).size(), 2u);
  std::filesystem::remove(path);
  EXPECT_THROW(gbrt::runtime::load_corpus(path), std::runtime_error);
}

}  // namespace
