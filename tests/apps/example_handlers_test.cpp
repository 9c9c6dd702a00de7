// The default server's example handlers: page views per space in a table whose memory is
// bounded whatever spaceIds the events carry.
#include "example_handlers.hpp"

#include <gtest/gtest.h>

#include <gbrt/runtime/testing.hpp>

#include "support/fixtures.hpp"
#include "support/memory.hpp"

namespace {

using gbrt::examples::ViewCounts;

// Makes `id` unique by its last characters, in place (no allocation: memory is measured).
const std::string& number(std::string& id, int i) {
  const std::string tail = std::to_string(1000000 + i);
  id.replace(id.size() - tail.size(), tail.size(), tail);
  return id;
}

TEST(ExampleHandlers, EachShardCountsAtMostMaxSpacesWithShortIdsOnly) {
  ViewCounts views(2, 3);
  for (const char* space : {"a", "b", "c", "d", "a"}) views.add(0, space);
  views.add(1, "d");
  EXPECT_EQ(views.total("a"), 2u);
  EXPECT_EQ(views.total("d"), 1u);  // shard 0 was full; shard 1 counted it
  EXPECT_EQ(views.spaces(), 4u);
  const std::string longest(ViewCounts::kMaxSpaceIdBytes, 'x');
  views.add(1, longest);
  views.add(1, longest + "x");
  EXPECT_EQ(views.total(longest), 1u);
  EXPECT_EQ(views.total(longest + "x"), 0u);
}

// 1,500 unique 500 KB spaceIds (750 MB if kept), then 100,000 unique short ones.
TEST(ExampleHandlers, HugeOrCountlessSpaceIdsLeaveMemoryBounded) {
  ViewCounts views(1);
  std::string huge(500 * 1024, 's'), short_id = "space_0000000000000";
  const std::size_t before = gbrt::test::resident_bytes();
  for (int i = 0; i < 1500; ++i) views.add(0, number(huge, i));
  for (int i = 0; i < 100000; ++i) views.add(0, number(short_id, i));
  EXPECT_LT(gbrt::test::resident_growth(before), std::size_t(32) << 20);
  EXPECT_EQ(views.total(huge), 0u);
  EXPECT_EQ(views.total(number(short_id, 0)), 1u);
  EXPECT_EQ(views.spaces(), 10000u);
}

// Through the runtime: events with huge spaceIds are handled (200) and not kept.
TEST(ExampleHandlers, SiteViewsWithHugeSpaceIdsAreHandledButNotCounted) {
  gbrt::runtime::HandlerHarness harness;
  auto views = gbrt::examples::register_example_handlers(harness.runtime());
  const std::string event = gbrt::test::fixture("site_view-1.json");
  const std::string space = "LcLm8LCFys6wXWl1Mrl4";
  EXPECT_EQ(harness.run(event).answer.status, 200u);
  for (int i = 0; i < 200; ++i) {
    std::string hostile = event;
    std::string huge(500 * 1024, 's');
    hostile.replace(hostile.find(space), space.size(), number(huge, i));
    ASSERT_EQ(harness.run(hostile).answer.status, 200u) << i;
  }
  EXPECT_EQ(views->total(space), 1u);
  EXPECT_EQ(views->spaces(), 1u);
}

}  // namespace
