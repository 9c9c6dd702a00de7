// Small helpers for HTTP text: header values (for the multipart and signature parsers,
// Transfer-Encoding, Expect, Content-Type) and request targets.
#pragma once

#include <cstddef>
#include <string_view>

namespace gbrt::net {

// Without the spaces and tabs around it (HTTP's optional white space).
inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// ASCII case-insensitive equality. (Boost 1.81's beast::iequals reads one byte past its
// inputs after a mismatch in case; our fuzzer found it.)
inline bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Whether a Content-Type value names `media_type` (lower case), parameters aside:
// media_type_is("Application/JSON; charset=utf-8", "application/json") is true.
inline bool media_type_is(std::string_view content_type, std::string_view media_type) noexcept {
  return ascii_iequals(trim(content_type.substr(0, content_type.find(';'))), media_type);
}

// The path of a request target without its query: "/v1" from "/v1?x" (origin form) and
// from "http://host:80/v1?x" (absolute form, which a server accepts: RFC 9112 §3.2.2).
inline std::string_view target_path(std::string_view target) noexcept {
  std::string_view path = target.substr(0, target.find('?'));
  if (path.starts_with('/')) return path;
  const std::size_t scheme_end = path.find("://");
  if (scheme_end == std::string_view::npos) return path;
  for (char c : path.substr(0, scheme_end)) {  // RFC 3986's scheme characters
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!letter && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return path;
  }
  const std::size_t slash = path.find('/', scheme_end + 3);
  return slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
}

}  // namespace gbrt::net
