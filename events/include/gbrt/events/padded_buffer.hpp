// A byte buffer with simdjson's 64 bytes of readable slack after the data, so the
// parser reads a request body in place. Capacity is kept across clear() for reuse.
#pragma once

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
  PaddedBuffer() = default;
  explicit PaddedBuffer(std::string_view bytes) { assign(bytes); }

  // Make room for `size` more bytes; returns where to write them.
  char* prepare(std::size_t size) {
    reserve(size_ + size);
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
  void reserve(std::size_t size) {
    if (size + kJsonPadding <= capacity_) return;
    std::size_t capacity = capacity_ == 0 ? 1024 : capacity_;
    while (capacity < size + kJsonPadding) capacity *= 2;
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
