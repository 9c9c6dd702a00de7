#include <gbrt/events/padded_buffer.hpp>

#include <cstring>
#include <string>

#include <gtest/gtest.h>

namespace {

using namespace std::string_view_literals;
namespace ev = gbrt::events;
using ev::kJsonPadding;
using ev::PaddedBuffer;

TEST(PaddedBuffer, PaddingMatchesSimdjson) {
  EXPECT_EQ(kJsonPadding, 64u);
}

TEST(PaddedBuffer, StartsEmptyWithoutMemory) {
  PaddedBuffer buffer;
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_EQ(buffer.capacity(), 0u);
  EXPECT_EQ(buffer.data(), nullptr);
  EXPECT_TRUE(buffer.str().empty());
  EXPECT_EQ(buffer.view().size, 0u);
  EXPECT_EQ(buffer.view().capacity, 0u);
}

TEST(PaddedBuffer, ConstructorCopiesTheBytesAndPads) {
  const std::string bytes = R"({"type":"task"})";
  PaddedBuffer buffer(bytes);
  EXPECT_EQ(buffer.str(), bytes);
  EXPECT_NE(static_cast<const void*>(buffer.data()), static_cast<const void*>(bytes.data()));
  EXPECT_GE(buffer.capacity(), buffer.size() + kJsonPadding);
}

TEST(PaddedBuffer, CapacityAlwaysLeavesPaddingAfterTheData) {
  PaddedBuffer buffer;
  std::string expected;
  // Sizes around the first capacity (1024) and its doublings.
  for (std::size_t size : {1u, 63u, 64u, 959u, 960u, 961u, 1024u, 2000u, 4033u, 10000u}) {
    buffer.append(std::string(size, 'x'));
    expected.append(size, 'x');
    ASSERT_EQ(buffer.size(), expected.size());
    EXPECT_GE(buffer.capacity(), buffer.size() + kJsonPadding) << "after " << buffer.size();
    EXPECT_EQ(buffer.view().capacity, buffer.capacity());
    EXPECT_GE(buffer.view().capacity, buffer.view().size + kJsonPadding);
  }
  EXPECT_EQ(buffer.str(), expected);
}

TEST(PaddedBuffer, ExactlyFullFirstCapacityStillHasPadding) {
  PaddedBuffer buffer(std::string(1024 - kJsonPadding, 'a'));
  EXPECT_EQ(buffer.capacity(), 1024u);
  buffer.append("b");  // one byte more would eat into the padding: grows
  EXPECT_GE(buffer.capacity(), buffer.size() + kJsonPadding);
  EXPECT_EQ(buffer.str(), std::string(1024 - kJsonPadding, 'a') + "b");
}

TEST(PaddedBuffer, AppendKeepsEarlierBytesAcrossGrowth) {
  PaddedBuffer buffer("head:");
  const std::string big(5000, 'z');
  buffer.append(big);
  buffer.append(":tail");
  EXPECT_EQ(buffer.str(), "head:" + big + ":tail");
}

TEST(PaddedBuffer, PrepareGivesRoomAtTheEndAndCommitMakesItData) {
  PaddedBuffer buffer("abc");
  char* room = buffer.prepare(4);
  EXPECT_EQ(room, buffer.data() + 3);
  EXPECT_EQ(buffer.size(), 3u);  // nothing is data before commit
  EXPECT_GE(buffer.capacity(), 3 + 4 + kJsonPadding);
  std::memcpy(room, "defg", 4);
  buffer.commit(2);  // a read may fill less than was prepared
  EXPECT_EQ(buffer.str(), "abcde"sv);
  EXPECT_GE(buffer.capacity(), buffer.size() + kJsonPadding);
}

TEST(PaddedBuffer, PrepareBeyondCapacityKeepsTheData) {
  PaddedBuffer buffer("0123456789");
  char* room = buffer.prepare(3000);
  std::memset(room, 'q', 3000);
  buffer.commit(3000);
  EXPECT_EQ(buffer.str(), "0123456789" + std::string(3000, 'q'));
  EXPECT_GE(buffer.capacity(), buffer.size() + kJsonPadding);
}

TEST(PaddedBuffer, ClearKeepsTheCapacityAndTheMemory) {
  PaddedBuffer buffer(std::string(3000, 'x'));
  const std::size_t capacity = buffer.capacity();
  const char* memory = buffer.data();
  buffer.clear();
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_TRUE(buffer.str().empty());
  EXPECT_EQ(buffer.capacity(), capacity);
  EXPECT_EQ(buffer.data(), memory);

  buffer.append("small");  // reuses the memory: no reallocation
  EXPECT_EQ(buffer.data(), memory);
  EXPECT_EQ(buffer.capacity(), capacity);
  EXPECT_EQ(buffer.str(), "small"sv);
}

TEST(PaddedBuffer, AssignReplacesTheContentInPlace) {
  PaddedBuffer buffer("first content");
  const char* memory = buffer.data();
  buffer.assign("second");
  EXPECT_EQ(buffer.str(), "second"sv);
  EXPECT_EQ(buffer.data(), memory);
}

TEST(PaddedBuffer, ReserveGrowsOnlyWhenNeeded) {
  PaddedBuffer buffer;
  buffer.reserve(10);
  EXPECT_GE(buffer.capacity(), 10 + kJsonPadding);
  const char* memory = buffer.data();
  const std::size_t capacity = buffer.capacity();
  buffer.reserve(capacity - kJsonPadding);  // fits exactly
  EXPECT_EQ(buffer.data(), memory);
  EXPECT_EQ(buffer.capacity(), capacity);
  buffer.reserve(capacity);
  EXPECT_GE(buffer.capacity(), capacity + kJsonPadding);
}

TEST(PaddedBuffer, GrowsByDoublingButNoFurtherThanTheMostExpected) {
  PaddedBuffer buffer;
  EXPECT_EQ(buffer.capacity_for(1), PaddedBuffer::kMinCapacity);
  EXPECT_EQ(buffer.capacity_for(1, 1u << 20), PaddedBuffer::kMinCapacity);  // not the announced
  EXPECT_EQ(buffer.capacity_for(3000), 4096u);
  EXPECT_EQ(buffer.capacity_for(600'000, 1u << 20), 1u << 20);
  EXPECT_EQ(buffer.capacity_for(600'000, 700'000), 700'000 + kJsonPadding);  // not 1 MiB
  EXPECT_EQ(buffer.capacity_for(10, 20), PaddedBuffer::kMinCapacity);
  buffer.reserve(3000);
  EXPECT_EQ(buffer.capacity(), 4096u);
  EXPECT_EQ(buffer.capacity_for(100), 4096u);  // it fits: the capacity stays
  buffer.reserve(5000, 5000);
  EXPECT_EQ(buffer.capacity(), 5000 + kJsonPadding);
}

TEST(PaddedBuffer, ViewDescribesTheBuffer) {
  PaddedBuffer buffer(R"({"a":1})");
  ev::PaddedView view = buffer.view();
  EXPECT_EQ(view.data, buffer.data());
  EXPECT_EQ(view.size, buffer.size());
  EXPECT_EQ(view.capacity, buffer.capacity());
  EXPECT_EQ(view.str(), R"({"a":1})"sv);
}

TEST(PaddedView, SubIsStillPadded) {
  PaddedBuffer buffer("--boundary\r\n{\"a\":1}\r\n--boundary--");
  ev::PaddedView whole = buffer.view();
  ev::PaddedView part = whole.sub(12, 7);
  EXPECT_EQ(part.str(), R"({"a":1})"sv);
  EXPECT_EQ(part.data, whole.data + 12);
  EXPECT_EQ(part.capacity, whole.capacity - 12);
  EXPECT_GE(part.capacity, part.size + kJsonPadding);
}

}  // namespace
