#include "json_text.hpp"

#include <cstdint>
#include <cstring>

namespace gbrt::events::json_text {

const char* skip_string(const char* p, const char* end) noexcept {
  ++p;  // opening quote
  while (p < end) {
    const char c = *p++;
    if (c == '\\') {
      ++p;
    } else if (c == '"') {
      return p;
    }
  }
  return end;
}

const char* skip_value(const char* p, const char* end) noexcept {
  if (p >= end) return end;
  if (*p == '"') return skip_string(p, end);
  if (*p != '{' && *p != '[') {
    while (p < end && *p != ',' && *p != '}' && *p != ']' && !is_space(*p)) ++p;
    return p;
  }
  int depth = 0;
  while (p < end) {
    const char c = *p;
    if (c == '"') {
      p = skip_string(p, end);
      continue;
    }
    ++p;
    if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return p;
    }
  }
  return end;
}

namespace {

unsigned hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return unsigned(c - '0');
  if (c >= 'a' && c <= 'f') return unsigned(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return unsigned(c - 'A' + 10);
  return 0;
}

unsigned read_hex4(const char* p) noexcept {
  return (hex_value(p[0]) << 12) | (hex_value(p[1]) << 8) | (hex_value(p[2]) << 4) |
         hex_value(p[3]);
}

char* put_utf8(char* out, std::uint32_t cp) noexcept {
  if (cp < 0x80) {
    *out++ = char(cp);
  } else if (cp < 0x800) {
    *out++ = char(0xC0 | (cp >> 6));
    *out++ = char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out++ = char(0xE0 | (cp >> 12));
    *out++ = char(0x80 | ((cp >> 6) & 0x3F));
    *out++ = char(0x80 | (cp & 0x3F));
  } else {
    *out++ = char(0xF0 | (cp >> 18));
    *out++ = char(0x80 | ((cp >> 12) & 0x3F));
    *out++ = char(0x80 | ((cp >> 6) & 0x3F));
    *out++ = char(0x80 | (cp & 0x3F));
  }
  return out;
}

}  // namespace

std::string_view unescape(std::string_view body, StringArena* arena) {
  const char* backslash = static_cast<const char*>(std::memchr(body.data(), '\\', body.size()));
  if (backslash == nullptr || arena == nullptr) return body;
  // Unescaping never makes text longer (\uXXXX is 6 bytes for at most 3; a pair 12 for 4).
  char* const out_begin = arena->allocate(body.size());
  std::size_t prefix = std::size_t(backslash - body.data());
  std::memcpy(out_begin, body.data(), prefix);
  char* out = out_begin + prefix;
  const char* p = backslash;
  const char* const end = body.data() + body.size();
  while (p < end) {
    if (*p != '\\') {
      *out++ = *p++;
      continue;
    }
    const char e = p[1];
    p += 2;
    switch (e) {
      case 'b':
        *out++ = '\b';
        break;
      case 'f':
        *out++ = '\f';
        break;
      case 'n':
        *out++ = '\n';
        break;
      case 'r':
        *out++ = '\r';
        break;
      case 't':
        *out++ = '\t';
        break;
      case 'u': {
        std::uint32_t cp = read_hex4(p);
        p += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
          std::uint32_t low = read_hex4(p + 2);
          if (low >= 0xDC00 && low < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            p += 6;
          }
        }
        if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;  // a lone surrogate
        out = put_utf8(out, cp);
        break;
      }
      default:
        *out++ = e;
        break;  // '"', '\\', '/'
    }
  }
  return {out_begin, std::size_t(out - out_begin)};
}

}  // namespace gbrt::events::json_text
