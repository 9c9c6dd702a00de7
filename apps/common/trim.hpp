// Text helpers the programs in apps/ share (gbrt-server's config and secrets, the clients'
// corpus and secret): one trim for all of them.
#pragma once

#include <string>
#include <string_view>

namespace gbrt::app_common {

// `text` without leading and trailing spaces, tabs and line breaks.
inline std::string trim(std::string_view text) {
  constexpr std::string_view space = " \t\r\n";
  const std::size_t first = text.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(space) + 1 - first));
}

}  // namespace gbrt::app_common
