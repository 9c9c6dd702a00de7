// Test fixtures: GitBook-shaped events copied from shared/fixtures into tests/fixtures.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace gbrt::test {

inline std::filesystem::path fixtures_dir() {
  return GBRT_FIXTURES_DIR;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

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
