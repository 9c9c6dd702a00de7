#include <gbrt/events/string_arena.hpp>

#include <algorithm>

namespace gbrt::events {

char* StringArena::allocate(std::size_t size) {
  used_ += size;
  while (current_ < chunks_.size()) {
    Chunk& chunk = chunks_[current_];
    if (chunk.size - offset_ >= size) {
      char* out = chunk.data.get() + offset_;
      offset_ += size;
      return out;
    }
    ++current_;
    offset_ = 0;
  }
  std::size_t chunk_size = std::max(kChunkSize, size);
  chunks_.push_back({std::make_unique_for_overwrite<char[]>(chunk_size), chunk_size});
  current_ = chunks_.size() - 1;
  offset_ = size;
  return chunks_.back().data.get();
}

void StringArena::reset() noexcept {
  current_ = 0;
  offset_ = 0;
  used_ = 0;
}

}  // namespace gbrt::events
