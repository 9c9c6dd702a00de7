// A deliberately plain JSON validator (RFC 8259 byte by byte, recursive descent), written
// independently of the parser as the reference its validation is compared against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gbrt::test {

// Whether `text` is one JSON value, optionally surrounded by white space, in valid UTF-8,
// nested at most `max_depth` arrays and objects deep. Like simdjson (and the parser), a
// \u escape of a lone UTF-16 surrogate is refused; numbers of any magnitude are accepted.
class StrictJson {
 public:
  static bool valid(std::string_view text, std::size_t max_depth) {
    StrictJson json(text, max_depth);
    json.space();
    if (!json.value(1)) return false;
    json.space();
    return json.at_ == text.size();
  }

 private:
  StrictJson(std::string_view text, std::size_t max_depth) : text_(text), max_depth_(max_depth) {}

  bool more() const { return at_ < text_.size(); }
  unsigned char peek() const { return more() ? static_cast<unsigned char>(text_[at_]) : 0; }
  bool eat(char c) {
    if (!more() || text_[at_] != c) return false;
    ++at_;
    return true;
  }
  void space() {
    while (more() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++at_;
  }
  bool literal(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }

  bool value(std::size_t depth) {
    switch (peek()) {
      case '{':
        return depth <= max_depth_ && object(depth);
      case '[':
        return depth <= max_depth_ && array(depth);
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }

  bool object(std::size_t depth) {
    ++at_;
    space();
    if (eat('}')) return true;
    do {
      space();
      if (!string()) return false;
      space();
      if (!eat(':')) return false;
      space();
      if (!value(depth + 1)) return false;
      space();
    } while (eat(','));
    return eat('}');
  }

  bool array(std::size_t depth) {
    ++at_;
    space();
    if (eat(']')) return true;
    do {
      space();
      if (!value(depth + 1)) return false;
      space();
    } while (eat(','));
    return eat(']');
  }

  bool digits() {
    const std::size_t first = at_;
    while (peek() >= '0' && peek() <= '9') ++at_;
    return at_ > first;
  }

  bool number() {
    eat('-');
    if (!eat('0')) {
      if (peek() < '1' || peek() > '9') return false;
      digits();
    }
    if (eat('.') && !digits()) return false;
    if (eat('e') || eat('E')) {
      if (!eat('+')) eat('-');
      if (!digits()) return false;
    }
    return true;
  }

  bool hex4(std::uint32_t& out) {
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const unsigned char c = peek();
      std::uint32_t digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        return false;
      }
      out = out * 16 + digit;
      ++at_;
    }
    return true;
  }

  bool escape() {
    switch (peek()) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        ++at_;
        return true;
      case 'u': {
        ++at_;
        std::uint32_t unit;
        if (!hex4(unit)) return false;
        if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // a low surrogate first
        if (unit < 0xD800 || unit > 0xDBFF) return true;
        std::uint32_t low;
        return eat('\\') && eat('u') && hex4(low) && low >= 0xDC00 && low <= 0xDFFF;
      }
      default:
        return false;
    }
  }

  // One UTF-8 sequence (the first byte >= 0x80): shortest form, no surrogates, <= U+10FFFF.
  bool utf8() {
    const unsigned char lead = peek();
    std::size_t length;
    std::uint32_t cp;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      cp = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      cp = lead & 0x07;
    } else {
      return false;
    }
    if (at_ + length > text_.size()) return false;
    for (std::size_t i = 1; i < length; ++i) {
      const unsigned char c = static_cast<unsigned char>(text_[at_ + i]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if ((length == 3 && cp < 0x800) || (length == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;
    at_ += length;
    return true;
  }

  bool string() {
    if (!eat('"')) return false;
    while (more()) {
      const unsigned char c = peek();
      if (c == '"') {
        ++at_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        ++at_;
        if (!escape()) return false;
      } else if (c >= 0x80) {
        if (!utf8()) return false;
      } else {
        ++at_;
      }
    }
    return false;
  }

  std::string_view text_;
  std::size_t max_depth_;
  std::size_t at_ = 0;
};

}  // namespace gbrt::test
