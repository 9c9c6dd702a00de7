// Scanning JSON text that simdjson has already validated: skip a value, find a string's
// end, unescape. Never run on unvalidated bytes (it trusts the syntax).
#pragma once

#include <string_view>

#include <gbrt/events/json_view.hpp>
#include <gbrt/events/string_arena.hpp>

namespace gbrt::events::json_text {

inline bool is_space(char c) noexcept {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

inline const char* skip_space(const char* p, const char* end) noexcept {
  while (p < end && is_space(*p)) ++p;
  return p;
}

inline JsonType type_at(char c) noexcept {
  switch (c) {
    case '{':
      return JsonType::object;
    case '[':
      return JsonType::array;
    case '"':
      return JsonType::string;
    case 't':
    case 'f':
      return JsonType::boolean;
    case 'n':
      return JsonType::null;
    default:
      return (c == '-' || (c >= '0' && c <= '9')) ? JsonType::number : JsonType::missing;
  }
}

// Whether `token` is a JSON number (RFC 8259 §6), whatever its magnitude: 1e999 and
// 2^70 are valid JSON though they fit no double or 64-bit integer.
inline bool is_number(std::string_view token) noexcept {
  std::size_t i = 0;
  const std::size_t n = token.size();
  auto digits = [&] {
    const std::size_t first = i;
    while (i < n && token[i] >= '0' && token[i] <= '9') ++i;
    return i > first;
  };
  if (i < n && token[i] == '-') ++i;
  if (i < n && token[i] == '0') {
    ++i;
  } else if (i >= n || token[i] < '1' || !digits()) {
    return false;
  }
  if (i < n && token[i] == '.' && (++i, !digits())) return false;
  if (i < n && (token[i] == 'e' || token[i] == 'E')) {
    ++i;
    if (i < n && (token[i] == '+' || token[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == n;
}

// `p` at the opening quote; returns the position after the closing quote.
const char* skip_string(const char* p, const char* end) noexcept;
// `p` at a value's first byte; returns the position after its last byte.
const char* skip_value(const char* p, const char* end) noexcept;

// After an object member or array element ending at `after`: the next one's first byte,
// or nullptr at the container's end.
inline const char* next_item(const char* after, const char* end) noexcept {
  const char* p = skip_space(after, end);
  return (p < end && *p == ',') ? skip_space(p + 1, end) : nullptr;
}

// The text between a string token's quotes (still escaped).
inline std::string_view string_body(std::string_view token) noexcept {
  return token.substr(1, token.size() - 2);
}

// Unescaped text of an escaped string body: the body itself when it has no escapes
// (zero-copy), else a copy in `arena` with the escapes resolved.
std::string_view unescape(std::string_view body, StringArena* arena);

}  // namespace gbrt::events::json_text
