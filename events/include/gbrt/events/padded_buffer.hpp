// A byte buffer with simdjson's 64 bytes of readable slack after the data, so the
// parser reads a request body in place. Capacity is kept across clear() for reuse.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace gbrt::events {

inline constexpr std::size_t kJsonPadding = 64;  // == SIMDJSON_PADDING

// Bytes with at least kJsonPadding readable bytes after data + size.
struct PaddedView {
  const char* data = nullptr;
  std::size_t size = 0;
  std::size_t capacity = 0;  // readable bytes from data; >= size + kJsonPadding
  std::string_view str() const noexcept { return {data, size}; }
  // A part of this view: still padded, because the rest of the buffer follows it.
  PaddedView sub(std::size_t offset, std::size_t length) const noexcept {
    return {data + offset, length, capacity - offset};
  }
};

class PaddedBuffer {
 public:
  static constexpr std::size_t kMinCapacity = 1024;  // small bodies share one size

  PaddedBuffer() = default;
  explicit PaddedBuffer(std::string_view bytes) { assign(bytes); }

  // Make room for `size` more bytes; returns where to write them.
  char* prepare(std::size_t size, std::size_t expected = 0) {
    reserve(size_ + size, expected);
    return data_.get() + size_;
  }
  void commit(std::size_t size) noexcept { size_ += size; }
  void append(std::string_view bytes) {
    if (bytes.empty()) return;  // memcpy from an empty view's null data() is undefined
    std::memcpy(prepare(bytes.size()), bytes.data(), bytes.size());
    commit(bytes.size());
  }
  void assign(std::string_view bytes) {
    clear();
    append(bytes);
  }
  // The capacity reserve(size, expected) leaves: the current one if it holds `size` bytes,
  // else doubled (from 1 KiB) until it does, so memory follows the bytes actually stored;
  // but no more than `expected` bytes need when they are the most that can come.
  std::size_t capacity_for(std::size_t size, std::size_t expected = 0) const noexcept {
    if (size + kJsonPadding <= capacity_) return capacity_;
    std::size_t capacity = capacity_ == 0 ? kMinCapacity : capacity_;
    while (capacity < size + kJsonPadding) capacity *= 2;
    if (expected >= size && capacity - kJsonPadding > expected) {
      capacity = std::max(expected + kJsonPadding, kMinCapacity);
    }
    return capacity;
  }
  void reserve(std::size_t size, std::size_t expected = 0) {
    const std::size_t capacity = capacity_for(size, expected);
    if (capacity == capacity_) return;
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_ != 0) std::memcpy(bigger.get(), data_.get(), size_);
    std::memset(bigger.get() + size_, 0, capacity - size_);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }
  void clear() noexcept { size_ = 0; }

  const char* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }
  std::string_view str() const noexcept { return {data_.get(), size_}; }
  PaddedView view() const noexcept { return {data_.get(), size_, capacity_ == 0 ? 0 : capacity_}; }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace gbrt::events
