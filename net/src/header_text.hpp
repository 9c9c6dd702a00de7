// Small helpers for HTTP text: header values (for the multipart and signature parsers,
// and Transfer-Encoding) and request targets.
#pragma once

#include <string_view>

namespace gbrt::net {

// Without the spaces and tabs around it (HTTP's optional white space).
inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
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
