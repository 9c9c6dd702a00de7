// Storage owned by one event for the strings that cannot be borrowed from the body
// (those with JSON escapes). Addresses are stable until reset(); memory is kept for reuse.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace gbrt::events {

class StringArena {
 public:
  static constexpr std::size_t kChunkSize = 4096;

  StringArena() = default;
  StringArena(const StringArena&) = delete;
  StringArena& operator=(const StringArena&) = delete;
  StringArena(StringArena&&) noexcept = default;
  StringArena& operator=(StringArena&&) noexcept = default;

  // Room for `size` bytes that stays valid until reset().
  char* allocate(std::size_t size);
  // Forget every string but keep the chunks, so a warm arena allocates nothing.
  void reset() noexcept;
  // Bytes handed out since the last reset.
  std::size_t used() const noexcept { return used_; }

 private:
  struct Chunk {
    std::unique_ptr<char[]> data;
    std::size_t size = 0;
  };
  std::vector<Chunk> chunks_;
  std::size_t current_ = 0;  // chunk being filled
  std::size_t offset_ = 0;   // next free byte in chunks_[current_]
  std::size_t used_ = 0;
};

}  // namespace gbrt::events
