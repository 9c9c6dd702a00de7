// A read-only view of one JSON value inside an event's body, for the free-form parts
// (cookies, props, state, configuration, the environment): look up, iterate, read typed values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>

namespace gbrt::events {

class StringArena;

enum class JsonType : std::uint8_t { missing, object, array, string, number, boolean, null };
std::string_view to_string(JsonType type) noexcept;

class JsonView;
struct JsonMember;

// A JsonView borrows validated JSON text (the parser checked it) and never copies it:
// strings are returned as views into the body, except strings with escapes, which are
// unescaped once into the event's StringArena. A missing view (absent key, index out of
// range) answers every query with "nothing" rather than failing, so chains are safe:
// `props["nested"]["a"][2]["b"].is_null()`.
class JsonView {
 public:
  constexpr JsonView() noexcept = default;
  JsonView(std::string_view raw_json, StringArena* arena) noexcept
      : raw_(raw_json), arena_(arena) {}

  JsonType type() const noexcept;
  bool is_missing() const noexcept { return raw_.empty(); }
  explicit operator bool() const noexcept { return !raw_.empty(); }
  bool is_object() const noexcept { return type() == JsonType::object; }
  bool is_array() const noexcept { return type() == JsonType::array; }
  bool is_null() const noexcept { return type() == JsonType::null; }

  // The JSON text exactly as received (no surrounding white space).
  std::string_view raw() const noexcept { return raw_; }

  // Member of an object / element of an array; a missing view otherwise.
  JsonView operator[](std::string_view key) const noexcept;
  JsonView operator[](const char* key) const noexcept { return (*this)[std::string_view(key)]; }
  JsonView operator[](std::size_t index) const noexcept;
  // Members of an object or elements of an array; 0 for anything else.
  std::size_t size() const noexcept;

  // Typed reads: nullopt when the value is missing or of another type.
  std::optional<std::string_view> get_string() const;
  std::optional<std::int64_t> get_int64() const noexcept;
  std::optional<double> get_double() const noexcept;
  std::optional<bool> get_bool() const noexcept;

  class MemberIterator;
  class ElementIterator;
  template <class It>
  struct Range {
    It first, last;
    It begin() const { return first; }
    It end() const { return last; }
  };
  // Iterate an object's members in document order (empty for non-objects).
  Range<MemberIterator> members() const noexcept;
  // Iterate an array's elements (empty for non-arrays).
  Range<ElementIterator> elements() const noexcept;

 private:
  std::string_view raw_;
  StringArena* arena_ = nullptr;
};

struct JsonMember {
  std::string_view key;  // unescaped
  JsonView value;
};

class JsonView::MemberIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = JsonMember;
  using difference_type = std::ptrdiff_t;
  using pointer = const JsonMember*;
  using reference = const JsonMember&;

  MemberIterator() = default;
  MemberIterator(const char* pos, const char* end, StringArena* arena) noexcept;
  reference operator*() const noexcept { return current_; }
  pointer operator->() const noexcept { return &current_; }
  MemberIterator& operator++() noexcept;
  MemberIterator operator++(int) noexcept {
    auto copy = *this;
    ++*this;
    return copy;
  }
  friend bool operator==(const MemberIterator& a, const MemberIterator& b) noexcept {
    return a.pos_ == b.pos_;
  }

 private:
  void load() noexcept;
  const char* pos_ = nullptr;  // at the member's key, or nullptr at the end
  const char* end_ = nullptr;
  StringArena* arena_ = nullptr;
  JsonMember current_;
};

class JsonView::ElementIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = JsonView;
  using difference_type = std::ptrdiff_t;
  using pointer = const JsonView*;
  using reference = const JsonView&;

  ElementIterator() = default;
  ElementIterator(const char* pos, const char* end, StringArena* arena) noexcept;
  reference operator*() const noexcept { return current_; }
  pointer operator->() const noexcept { return &current_; }
  ElementIterator& operator++() noexcept;
  ElementIterator operator++(int) noexcept {
    auto copy = *this;
    ++*this;
    return copy;
  }
  friend bool operator==(const ElementIterator& a, const ElementIterator& b) noexcept {
    return a.pos_ == b.pos_;
  }

 private:
  void load() noexcept;
  const char* pos_ = nullptr;
  const char* end_ = nullptr;
  StringArena* arena_ = nullptr;
  JsonView current_;
};

}  // namespace gbrt::events
