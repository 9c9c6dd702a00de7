// Test fixtures: GitBook-shaped events copied from shared/fixtures into tests/fixtures.
#pragma once

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <gbrt/runtime/read_file.hpp>

namespace gbrt::test {

inline std::filesystem::path fixtures_dir() {
  return GBRT_FIXTURES_DIR;
}

using runtime::read_file;

// tests/fixtures/<name>
inline std::string fixture(const std::string& name) {
  return read_file(fixtures_dir() / name);
}

// tests/fixtures/<name> as one NDJSON line: without its final line break.
inline std::string fixture_line(const std::string& name) {
  std::string text = fixture(name);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Every file in tests/fixtures (or a subfolder) with the given extension, sorted.
inline std::vector<std::filesystem::path> fixture_files(const std::string& extension,
                                                        const std::string& subdir = "") {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(fixtures_dir() / subdir)) {
    if (entry.is_regular_file() && entry.path().extension() == extension)
      out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace gbrt::test
