#include <gbrt/runtime/js_json.hpp>

#include <gbrt/runtime/answer.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include <boost/json/parse.hpp>

namespace gbrt::runtime {

namespace json = boost::json;

namespace {

constexpr std::int64_t kMaxSafeInteger = std::int64_t(1) << 53;  // beyond: JavaScript rounds

// "0", "17", … up to 2^32 - 2: the keys JavaScript orders before all others.
bool is_array_index(std::string_view key) noexcept {
  if (key.empty() || key.size() > 10 || (key.size() > 1 && key[0] == '0')) return false;
  std::uint64_t n = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + std::uint64_t(c - '0');
  }
  return n < 4294967295u;
}

std::uint64_t index_of(std::string_view key) noexcept {
  std::uint64_t n = 0;
  for (char c : key) n = n * 10 + std::uint64_t(c - '0');
  return n;
}

void append_object(std::string& out, const json::object& object) {
  out += '{';
  bool first = true;
  auto member = [&](const json::key_value_pair& kv) {
    if (!first) out += ',';
    first = false;
    append_js_string(out, kv.key());
    out += ':';
    append_js_json(out, kv.value());
  };
  std::vector<const json::key_value_pair*> indices;
  for (const auto& kv : object) {
    if (is_array_index(kv.key())) indices.push_back(&kv);
  }
  std::sort(indices.begin(), indices.end(),
            [](const auto* a, const auto* b) { return index_of(a->key()) < index_of(b->key()); });
  for (const auto* kv : indices) member(*kv);
  for (const auto& kv : object) {
    if (!is_array_index(kv.key())) member(kv);
  }
  out += '}';
}

}  // namespace

void append_js_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  if (value == 0) {  // -0 too
    out += '0';
    return;
  }
  // The shortest round-trip digits, as d.ddde±x; then laid out as Number.prototype.toString.
  char buffer[64];
  auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string_view text(buffer, std::size_t(end - buffer));
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const auto e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  std::from_chars(text.data() + e + 1 + (text[e + 1] == '+'), text.data() + text.size(), exponent);
  const int k = int(digits.size());
  const int n = exponent + 1;  // value = 0.digits × 10^n
  if (k <= n && n <= 21) {
    out += digits;
    out.append(std::size_t(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, std::size_t(n));
    out += '.';
    out.append(digits, std::size_t(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(std::size_t(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += 'e';
    out += n - 1 >= 0 ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
}

std::string js_number(double value) {
  std::string out;
  append_js_number(out, value);
  return out;
}

void append_js_string(std::string& out, std::string_view text) {
  out += '"';
  append_json_escaped(out, text, JsonEscapes::javascript);
  out += '"';
}

void append_js_json(std::string& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      break;
    case json::kind::int64: {
      const std::int64_t n = value.get_int64();
      if (n > kMaxSafeInteger || n < -kMaxSafeInteger) {
        append_js_number(out, double(n));
      } else {
        out += std::to_string(n);
      }
      break;
    }
    case json::kind::uint64: {
      const std::uint64_t n = value.get_uint64();
      if (n > std::uint64_t(kMaxSafeInteger)) {
        append_js_number(out, double(n));
      } else {
        out += std::to_string(n);
      }
      break;
    }
    case json::kind::double_:
      append_js_number(out, value.get_double());
      break;
    case json::kind::string:
      append_js_string(out, value.get_string());
      break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& element : value.get_array()) {
        if (!first) out += ',';
        first = false;
        append_js_json(out, element);
      }
      out += ']';
      break;
    }
    case json::kind::object:
      append_object(out, value.get_object());
      break;
  }
}

std::string to_js_json(const json::value& value) {
  std::string out;
  append_js_json(out, value);
  return out;
}

json::value parse_json(std::string_view text) {
  return json::parse(text);
}

}  // namespace gbrt::runtime
