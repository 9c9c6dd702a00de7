#include <gbrt/runtime/response.hpp>

#include <algorithm>

namespace gbrt::runtime {

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

// The URL as JavaScript's Response.redirect writes it (WHATWG URL serialisation): bytes a
// URL may not hold raw are percent-encoded, in the query also `'` (http and https).
std::string serialise_url(std::string_view url) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(url.size());
  bool in_query = false;
  bool in_fragment = false;
  for (char ch : url) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '#' && !in_fragment) in_fragment = true;
    if (c == '?' && !in_query && !in_fragment) in_query = true;
    const bool encode = c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' ||
                        (in_query && !in_fragment && c == '\'') ||
                        (!in_query && !in_fragment && (c == '`' || c == '{' || c == '}'));
    if (encode) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace

Response Response::text(std::string body, std::string_view content_type, unsigned status) {
  Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", content_type);
  r.body = std::move(body);
  return r;
}

Response Response::json(std::string body_json, unsigned status) {
  return text(std::move(body_json), "application/json", status);
}

Response Response::redirect(std::string location, unsigned status) {
  Response r;
  r.status = status;
  r.headers.emplace_back("Location", serialise_url(location));
  return r;
}

std::optional<std::string_view> Response::header(std::string_view name) const noexcept {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

}  // namespace gbrt::runtime
