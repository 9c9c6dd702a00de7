// Event slots (event_slot.hpp): loaded in place, recycled by their shard's pool.
#include <gbrt/runtime/event_slot.hpp>

#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include <gbrt/events/parse.hpp>

#include "support/fixtures.hpp"

namespace {

using gbrt::runtime::EventSlot;
using gbrt::runtime::SlotPool;
using gbrt::runtime::SlotPtr;
using gbrt::test::fixture;

// The pool makes every slot, with the runtime's bookkeeping beside it.
static_assert(!std::is_default_constructible_v<EventSlot>);

TEST(EventSlot, LoadSetsTheViewsAndTheirJson) {
  SlotPool pool;
  gbrt::events::Parser parser(1 << 20);
  SlotPtr slot = pool.acquire();
  const std::string event = fixture("space_view-1.json");
  const std::string environment = fixture("environment.json");
  EXPECT_FALSE(slot->load(parser, event, environment));
  ASSERT_TRUE(slot->event);
  EXPECT_TRUE(slot->environment);
  EXPECT_EQ(slot->event_json, event);
  EXPECT_EQ(slot->environment_json, environment);
}

TEST(EventSlot, BadJsonIsA400NamingTheProblem) {
  SlotPool pool;
  gbrt::events::Parser parser(1 << 20);
  SlotPtr slot = pool.acquire();
  auto refused = slot->load(parser, "{\"type\":");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400u);
}

TEST(SlotPool, AReleasedSlotIsReusedWithoutItsLastEvent) {
  SlotPool pool;
  gbrt::events::Parser parser(1 << 20);
  SlotPtr slot = pool.acquire();
  ASSERT_FALSE(slot->load(parser, fixture("space_view-1.json")));
  EventSlot* first = slot.get();
  slot.reset();
  EXPECT_EQ(pool.free_count(), 1u);
  SlotPtr again = pool.acquire();
  EXPECT_EQ(again.get(), first);
  EXPECT_FALSE(again->event);
  EXPECT_TRUE(again->event_json.empty());
  EXPECT_EQ(pool.free_count(), 0u);
}

TEST(SlotPool, LargeBodiesAreKeptUpToABudget) {
  SlotPool pool;
  const std::string large(100 * 1024, ' ');
  std::vector<SlotPtr> slots;
  const std::size_t fit = SlotPool::kKeepLargeBytes / (128 * 1024);
  for (std::size_t i = 0; i < fit + 10; ++i) {
    slots.push_back(pool.acquire());
    slots.back()->body.append(large);
  }
  const std::size_t capacity = slots.front()->body.capacity();
  ASSERT_GT(capacity, SlotPool::kKeepBytes);
  slots.clear();
  EXPECT_LE(pool.kept_large_bytes(), SlotPool::kKeepLargeBytes);
  EXPECT_EQ(pool.kept_large_bytes() / capacity, SlotPool::kKeepLargeBytes / capacity);
  // The last slot released is the first reused: it kept its buffer; past the budget, the
  // others came back with none.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < fit + 10; ++i) {
    slots.push_back(pool.acquire());
    if (slots.back()->body.capacity() == capacity) ++kept;
    EXPECT_EQ(slots.back()->body.size(), 0u);
  }
  EXPECT_EQ(kept, SlotPool::kKeepLargeBytes / capacity);
  EXPECT_EQ(pool.kept_large_bytes(), 0u);
}

}  // namespace
