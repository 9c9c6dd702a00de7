#include <gbrt/runtime/corpus.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "support/fixtures.hpp"

namespace {

namespace fs = std::filesystem;
using gbrt::runtime::read_corpus;

fs::path temporary(const std::string& name, const std::string& text) {
  const fs::path path =
      fs::temp_directory_path() / ("gbrt-corpus-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << text;
  return path;
}

TEST(Corpus, AFolderGivesItsEventFilesInOrderWithoutTheBadOnes) {
  auto entries = read_corpus(gbrt::test::fixtures_dir());
  ASSERT_GE(entries.size(), 30u);
  EXPECT_TRUE(std::is_sorted(entries.begin(), entries.end(),
                             [](const auto& a, const auto& b) { return a.source < b.source; }));
  for (const auto& e : entries) {
    EXPECT_TRUE(e.source.ends_with(".json")) << e.source;
    EXPECT_EQ(fs::path(e.source).filename().string().rfind("bad", 0), std::string::npos);
  }
}

TEST(Corpus, AnNdjsonFileGivesItsNonBlankLinesWithTheirNumbers) {
  const fs::path path = temporary("lines.ndjson", "{\"type\":\"a\"}\n\n  \n{\"type\":\"b\"}\n");
  auto entries = read_corpus(path);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].text, R"({"type":"a"})");
  EXPECT_EQ(entries[1].source, path.string() + ":4");
  fs::remove(path);
}

// A pretty-printed event is one entry, not one per line.
TEST(Corpus, AFileHoldingOneJsonDocumentIsOneEntry) {
  const fs::path path = temporary("one.json", "{\n  \"type\": \"site_view\",\n  \"n\": 1\n}\n");
  auto entries = read_corpus(path);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].source, path.string());
  fs::remove(path);
  EXPECT_THROW(read_corpus(path), std::runtime_error);
}

}  // namespace
