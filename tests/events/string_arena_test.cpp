#include <gbrt/events/string_arena.hpp>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace {

namespace ev = gbrt::events;
using ev::StringArena;

// Writes `text` into a fresh allocation and returns where it is.
char* store(StringArena& arena, const std::string& text) {
  char* out = arena.allocate(text.size());
  std::memcpy(out, text.data(), text.size());
  return out;
}

TEST(StringArena, AllocationsDoNotOverlap) {
  StringArena arena;
  char* first = store(arena, "first");
  char* second = store(arena, "second");
  EXPECT_EQ(std::string(first, 5), "first");
  EXPECT_EQ(std::string(second, 6), "second");
  EXPECT_TRUE(second >= first + 5 || second + 6 <= first);
}

TEST(StringArena, AddressesStayValidAcrossManyAllocations) {
  StringArena arena;
  std::vector<std::pair<char*, std::string>> stored;
  // Far more than one chunk, with sizes that leave chunk tails unused.
  for (int i = 0; i < 2000; ++i) {
    std::string text = "string-" + std::to_string(i) + std::string(std::size_t(i % 97), '.');
    stored.emplace_back(store(arena, text), text);
  }
  ASSERT_GT(arena.used(), 10 * StringArena::kChunkSize);
  for (const auto& [where, text] : stored) {
    ASSERT_EQ(std::string(where, text.size()), text);
  }
}

TEST(StringArena, AllocationLargerThanAChunk) {
  StringArena arena;
  char* small = store(arena, "small");
  const std::string big(3 * StringArena::kChunkSize + 5, 'B');
  char* large = store(arena, big);
  char* after = store(arena, "after");
  EXPECT_EQ(std::string(small, 5), "small");
  EXPECT_EQ(std::string(large, big.size()), big);
  EXPECT_EQ(std::string(after, 5), "after");
}

TEST(StringArena, UsedCountsBytesSinceReset) {
  StringArena arena;
  EXPECT_EQ(arena.used(), 0u);
  arena.allocate(10);
  arena.allocate(StringArena::kChunkSize);
  EXPECT_EQ(arena.used(), 10 + StringArena::kChunkSize);
  arena.reset();
  EXPECT_EQ(arena.used(), 0u);
  arena.allocate(3);
  EXPECT_EQ(arena.used(), 3u);
}

TEST(StringArena, ResetReusesTheSameMemory) {
  StringArena arena;
  // Sizes that need several chunks, one of them larger than kChunkSize.
  const std::vector<std::size_t> sizes = {100, 3000, 2000, 10000, 50, 4096, 1, 700};
  std::vector<char*> warm_up;
  for (std::size_t size : sizes) warm_up.push_back(arena.allocate(size));
  for (int round = 0; round < 3; ++round) {
    arena.reset();
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      EXPECT_EQ(arena.allocate(sizes[i]), warm_up[i]) << "round " << round << ", allocation " << i;
    }
  }
}

TEST(StringArena, ResetThenSmallerAllocationsStayInTheFirstChunk) {
  StringArena arena;
  char* first = arena.allocate(StringArena::kChunkSize);
  arena.allocate(StringArena::kChunkSize);  // a second chunk
  arena.reset();
  char* again = arena.allocate(16);
  EXPECT_EQ(again, first);
  EXPECT_EQ(arena.allocate(16), first + 16);
}

TEST(StringArena, MovedArenaKeepsTheStrings) {
  StringArena arena;
  char* where = store(arena, "kept");
  StringArena moved = std::move(arena);
  EXPECT_EQ(std::string(where, 4), "kept");
  EXPECT_EQ(moved.used(), 4u);
}

}  // namespace
