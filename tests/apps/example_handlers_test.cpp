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

// view-counter counts the event's space, else the props' spaceId, else the render context's;
// an empty spaceId is no space.
TEST(ExampleHandlers, ViewCounterFallsBackToTheContextsSpaceWhenThePropIsEmpty) {
  gbrt::runtime::HandlerHarness harness;
  gbrt::examples::register_example_handlers(harness.runtime());
  const std::string view = R"({"type":"space_view","eventId":"v","installationId":"i",)"
                           R"("spaceId":"space_ctx","visitor":{"anonymousId":"a","cookies":{},)"
                           R"("userAgent":"ua","ip":"192.0.2.1"},"url":"u",)"
                           R"("referrer":""})";
  ASSERT_EQ(harness.run(view).answer.status, 200u);
  auto render = [&](std::string_view props, std::string_view context) {
    return harness
        .run(R"({"type":"ui_render","eventId":"r","installationId":"i",)"
             R"("componentId":"view-counter","props":)" +
             std::string(props) + R"(,"context":)" + std::string(context) + "}")
        .answer;
  };
  const char* space_context = R"({"type":"configuration_space","spaceId":"space_ctx"})";
  auto empty_prop = render(R"({"spaceId":""})", space_context);
  EXPECT_EQ(empty_prop.status, 200u) << empty_prop.body;
  EXPECT_NE(empty_prop.body.find(R"("children":"1 page view")"), std::string::npos)
      << empty_prop.body;
  auto no_prop = render("{}", space_context);
  EXPECT_NE(no_prop.body.find(R"("children":"1 page view")"), std::string::npos) << no_prop.body;
  auto prop = render(R"({"spaceId":"space_other"})", space_context);
  EXPECT_NE(prop.body.find(R"("children":"0 page views")"), std::string::npos) << prop.body;
  auto nowhere = render(R"({"spaceId":""})", R"({"type":"configuration_account"})");
  EXPECT_EQ(nowhere.status, 400u);
  EXPECT_EQ(nowhere.body, R"({"error":"view-counter needs a spaceId"})");
}

}  // namespace
