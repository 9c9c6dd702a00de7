#include <gbrt/net/recorder.hpp>

#include <filesystem>

#include <gtest/gtest.h>

#include "support/fixtures.hpp"

namespace {

namespace fs = std::filesystem;
using gbrt::net::Recorder;

class RecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gbrt-recorder-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::size_t lines(const fs::path& file) {
    std::string text = gbrt::test::read_file(file);
    return std::size_t(std::count(text.begin(), text.end(), '\n'));
  }
  fs::path dir_;
};

TEST_F(RecorderTest, OneLinePerEventWithLineBreaksFlattened) {
  auto path = dir_ / "events.ndjson";
  {
    Recorder recorder({.path = path.string()}, 2);
    recorder.record(0, "{\"type\":\"a\"}");
    recorder.record(1, "{\n  \"type\": \"b\"\r\n}");
    recorder.flush_all();
    EXPECT_EQ(recorder.events(), 2u);
  }
  EXPECT_EQ(gbrt::test::read_file(path), "{\"type\":\"a\"}\n{   \"type\": \"b\"  }\n");
}

TEST_F(RecorderTest, RotatesBySizeAndKeepsTheNewestFiles) {
  auto path = dir_ / "events.ndjson";
  std::string event = "{\"type\":\"x\",\"pad\":\"" + std::string(80, 'p') + "\"}";  // ~100 bytes
  {
    Recorder recorder({.path = path.string(), .max_bytes = 1000, .keep = 3}, 1);
    for (int i = 0; i < 70; ++i) {
      recorder.record(0, event);
      recorder.flush_all();  // write now, so sizes are checked event by event
    }
  }
  EXPECT_TRUE(fs::exists(path));
  EXPECT_TRUE(fs::exists(dir_ / "events.ndjson.1"));
  EXPECT_TRUE(fs::exists(dir_ / "events.ndjson.3"));
  EXPECT_FALSE(fs::exists(dir_ / "events.ndjson.4"));
  for (const char* name :
       {"events.ndjson", "events.ndjson.1", "events.ndjson.2", "events.ndjson.3"}) {
    EXPECT_LE(fs::file_size(dir_ / name), 1000u) << name;
  }
  EXPECT_EQ(lines(dir_ / "events.ndjson.1"), 9u);  // full files hold 9 events of 101 bytes
}

TEST_F(RecorderTest, AFileThatCannotBeOpenedIsAnError) {
  EXPECT_THROW(Recorder({.path = (dir_ / "no/such/dir/file").string()}, 1), std::runtime_error);
}

}  // namespace
