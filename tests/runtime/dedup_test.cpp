#include <gbrt/runtime/dedup.hpp>

#include <atomic>

#include <gtest/gtest.h>
#include <boost/asio/use_awaitable.hpp>

#include <gbrt/runtime/testing.hpp>

#include "support/fixtures.hpp"
#include "support/memory.hpp"

namespace {

using gbrt::runtime::DedupTable;
using std::chrono::seconds;

TEST(DedupTable, RemembersIdsForTheWindowOnly) {
  DedupTable table(seconds(60), 1000);
  auto t0 = DedupTable::Clock::now();
  EXPECT_FALSE(table.seen("evt_1", t0));
  table.mark("evt_1", t0);
  EXPECT_TRUE(table.seen("evt_1", t0 + seconds(59)));
  EXPECT_FALSE(table.seen("evt_1", t0 + seconds(61)));
  EXPECT_FALSE(table.seen("evt_2", t0));
}

TEST(DedupTable, MemoryIsBoundedByTheCapacity) {
  DedupTable table(seconds(3600), 6400);  // 100 per stripe
  auto now = DedupTable::Clock::now();
  for (int i = 0; i < 100000; ++i) table.mark("evt_" + std::to_string(i), now);
  EXPECT_LE(table.size(), 6400u + DedupTable::kStripes);
  EXPECT_TRUE(table.seen("evt_99999", now));  // the newest stay
  EXPECT_FALSE(table.seen("evt_0", now));     // the oldest went first
}

// An id of any length takes the same room: 1,500 unique 500 KB ids (750 MB if kept whole)
// that differ only in their last bytes.
TEST(DedupTable, EntriesHaveOneSizeWhateverTheIdsLength) {
  DedupTable table(seconds(600), 1000000);
  auto now = DedupTable::Clock::now();
  std::string id(500 * 1024, 'x');
  auto with_tail = [&](int i) -> const std::string& {
    const std::string tail = std::to_string(100000 + i);
    id.replace(id.size() - tail.size(), tail.size(), tail);
    return id;
  };
  const std::size_t before = gbrt::test::resident_bytes();
  for (int i = 0; i < 1500; ++i) table.mark(with_tail(i), now);
  EXPECT_LT(gbrt::test::resident_growth(before), std::size_t(32) << 20);
  EXPECT_EQ(table.size(), 1500u);
  for (int i = 0; i < 1500; ++i) ASSERT_TRUE(table.seen(with_tail(i), now)) << i;
  EXPECT_FALSE(table.seen(with_tail(1500), now));
  EXPECT_FALSE(table.seen(id.substr(1), now));
}

TEST(DedupTable, RetriesAreAnswered200WithoutRunningHandlersAgain) {
  gbrt::runtime::HandlerHarness harness({.threads = 2, .dedup_window = seconds(60)});
  std::atomic<int> runs{0};
  harness.runtime().on<gbrt::events::SpaceView>(
      [&](const gbrt::events::SpaceView&, gbrt::Context&) -> boost::asio::awaitable<void> {
        ++runs;
        co_return;
      });
  std::string body = gbrt::test::fixture("space_view-3.json");
  const std::string id = "evt_8mZEUe01qAmaVIXyG4FezN4GYL";
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 1000; ++i) {
      std::string event = body;
      event.replace(event.find(id), id.size(), "evt_dedup_" + std::to_string(i));
      ASSERT_EQ(harness.run(event).answer.status, 200u);
    }
  }
  EXPECT_EQ(runs.load(), 1000);
  auto type = std::size_t(gbrt::events::EventType::space_view);
  EXPECT_EQ(harness.runtime().metrics().handled(type, gbrt::runtime::Outcome::duplicate), 1000u);
  EXPECT_EQ(harness.runtime().metrics().handled(type, gbrt::runtime::Outcome::ok), 1000u);
  std::string text = harness.runtime().metrics().render();
  EXPECT_NE(text.find(R"(gbrt_events_handled_total{type="space_view",outcome="duplicate"} 1000)"),
            std::string::npos);
  EXPECT_NE(harness.runtime().stats_json().find(R"("duplicate":1000)"), std::string::npos);
}

}  // namespace
