#include <gbrt/events/json_view.hpp>

#include <charconv>

#include "json_text.hpp"

namespace gbrt::events {

namespace jt = json_text;

std::string_view to_string(JsonType type) noexcept {
  switch (type) {
    case JsonType::missing:
      return "missing";
    case JsonType::object:
      return "object";
    case JsonType::array:
      return "array";
    case JsonType::string:
      return "string";
    case JsonType::number:
      return "number";
    case JsonType::boolean:
      return "boolean";
    case JsonType::null:
      return "null";
  }
  return "missing";
}

JsonType JsonView::type() const noexcept {
  return raw_.empty() ? JsonType::missing : jt::type_at(raw_.front());
}

JsonView JsonView::operator[](std::string_view key) const noexcept {
  for (const JsonMember& member : members()) {
    if (member.key == key) return member.value;
  }
  return {};
}

JsonView JsonView::operator[](std::size_t index) const noexcept {
  for (const JsonView& element : elements()) {
    if (index-- == 0) return element;
  }
  return {};
}

std::size_t JsonView::size() const noexcept {
  std::size_t count = 0;
  if (is_object()) {
    for ([[maybe_unused]] const auto& member : members()) ++count;
  } else if (is_array()) {
    for ([[maybe_unused]] const auto& element : elements()) ++count;
  }
  return count;
}

std::optional<std::string_view> JsonView::get_string() const {
  if (type() != JsonType::string) return std::nullopt;
  return jt::unescape(jt::string_body(raw_), arena_);
}

std::optional<std::int64_t> JsonView::get_int64() const noexcept {
  if (type() != JsonType::number) return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(raw_.data(), raw_.data() + raw_.size(), value);
  if (ec != std::errc() || end != raw_.data() + raw_.size()) return std::nullopt;
  return value;
}

std::optional<double> JsonView::get_double() const noexcept {
  if (type() != JsonType::number) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(raw_.data(), raw_.data() + raw_.size(), value);
  if (ec != std::errc() || end != raw_.data() + raw_.size()) return std::nullopt;
  return value;
}

std::optional<bool> JsonView::get_bool() const noexcept {
  if (type() != JsonType::boolean) return std::nullopt;
  return raw_.front() == 't';
}

// Both ranges start after the opening bracket; an empty container starts at its end.
JsonView::Range<JsonView::MemberIterator> JsonView::members() const noexcept {
  if (!is_object()) return {};
  const char* end = raw_.data() + raw_.size();
  return {MemberIterator(raw_.data() + 1, end, arena_), MemberIterator()};
}

JsonView::Range<JsonView::ElementIterator> JsonView::elements() const noexcept {
  if (!is_array()) return {};
  const char* end = raw_.data() + raw_.size();
  return {ElementIterator(raw_.data() + 1, end, arena_), ElementIterator()};
}

// `pos` after '{' or after a ','; the iterator moves to the next key or to the end.
JsonView::MemberIterator::MemberIterator(const char* pos, const char* end,
                                         StringArena* arena) noexcept
    : pos_(jt::skip_space(pos, end)), end_(end), arena_(arena) {
  load();
}

void JsonView::MemberIterator::load() noexcept {
  if (pos_ >= end_ || *pos_ != '"') {
    pos_ = nullptr;
    return;
  }
  const char* key_end = jt::skip_string(pos_, end_);
  // A key with escapes is unescaped into the arena (allocation cannot fail short of OOM).
  current_.key = jt::unescape(jt::string_body({pos_, std::size_t(key_end - pos_)}), arena_);
  const char* value = jt::skip_space(jt::skip_space(key_end, end_) + 1, end_);  // past ':'
  const char* value_end = jt::skip_value(value, end_);
  current_.value = JsonView({value, std::size_t(value_end - value)}, arena_);
}

JsonView::MemberIterator& JsonView::MemberIterator::operator++() noexcept {
  pos_ = jt::next_item(current_.value.raw().data() + current_.value.raw().size(), end_);
  if (pos_ != nullptr) load();
  return *this;
}

JsonView::ElementIterator::ElementIterator(const char* pos, const char* end,
                                           StringArena* arena) noexcept
    : pos_(jt::skip_space(pos, end)), end_(end), arena_(arena) {
  load();
}

void JsonView::ElementIterator::load() noexcept {
  if (pos_ >= end_ || *pos_ == ']') {
    pos_ = nullptr;
    return;
  }
  const char* value_end = jt::skip_value(pos_, end_);
  current_ = JsonView({pos_, std::size_t(value_end - pos_)}, arena_);
}

JsonView::ElementIterator& JsonView::ElementIterator::operator++() noexcept {
  pos_ = jt::next_item(current_.raw().data() + current_.raw().size(), end_);
  if (pos_ != nullptr) load();
  return *this;
}

}  // namespace gbrt::events
