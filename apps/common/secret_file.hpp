// Signing secrets as the programs in apps/ read them (gbrt-server checks with them, the
// clients sign with the first): comma-separated lists and --secret-file, one reader for all.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "trim.hpp"

namespace gbrt::app_common {

// "a, b,,c" -> {"a", "b", "c"}: the items of a comma-separated list, trimmed, none empty.
inline std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (auto item = trim(text.substr(start, comma - start)); !item.empty()) items.push_back(item);
    start = comma + 1;
  }
  return items;
}

// The secrets of a --secret-file: one a line, trimmed, blank lines skipped. Throws
// std::runtime_error naming the file when it cannot be read or holds none.
inline std::vector<std::string> read_secret_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    throw std::runtime_error("cannot read --secret-file " + path + ": " + std::strerror(errno));
  }
  std::vector<std::string> secrets;
  for (std::string line; std::getline(file, line);) {
    if (auto s = trim(line); !s.empty()) secrets.push_back(s);
  }
  if (secrets.empty()) throw std::runtime_error("--secret-file holds no secret (" + path + ")");
  return secrets;
}

}  // namespace gbrt::app_common
