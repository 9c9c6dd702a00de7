// What a transport gets from a shard (shard.hpp): its index, executor, parser, pooled slots.
#include <gbrt/runtime/shard.hpp>

#include <cstddef>
#include <type_traits>

#include <gtest/gtest.h>

#include <gbrt/runtime/runtime.hpp>

#include "support/fixtures.hpp"

namespace {

using gbrt::Runtime;
using gbrt::runtime::Shard;
using gbrt::test::fixture;

// The runtime keeps its queues beside each shard it makes; a shard made elsewhere would
// have none.
static_assert(
    !std::is_constructible_v<Shard, std::size_t, gbrt::runtime::ShardExecutor, std::size_t>);
static_assert(!std::is_copy_constructible_v<Shard>);

TEST(Shard, EachShardHasItsIndexAndExecutor) {
  Runtime runtime({.threads = 2});
  ASSERT_EQ(runtime.shard_count(), 2u);
  for (std::size_t i = 0; i < runtime.shard_count(); ++i) {
    EXPECT_EQ(runtime.shard(i).index(), i);
  }
  EXPECT_NE(runtime.shard(0).executor(), runtime.shard(1).executor());
}

TEST(Shard, ItsParserFillsASlotFromItsPool) {
  Runtime runtime({.threads = 1});
  Shard& shard = runtime.shard(0);
  gbrt::runtime::SlotPtr slot = shard.slots().acquire();
  EXPECT_FALSE(slot->load(shard.parser(), fixture("space_view-1.json")));
  ASSERT_TRUE(slot->event);
  EXPECT_EQ(gbrt::events::type_of(*slot->event), gbrt::events::EventType::space_view);
}

}  // namespace
