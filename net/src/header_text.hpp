// Small helpers for HTTP header values, shared by the multipart and signature parsers.
#pragma once

#include <string_view>

namespace gbrt::net {

// Without the spaces and tabs around it (HTTP's optional white space).
inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace gbrt::net
