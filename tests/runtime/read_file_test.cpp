#include <gbrt/runtime/read_file.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace {

TEST(ReadFile, GivesEveryByteAndNamesWhatCannotBeRead) {
  const auto path =
      std::filesystem::temp_directory_path() / ("gbrt-read-file-" + std::to_string(::getpid()));
  const std::string bytes("a\0b\r\n\xff", 6);
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_EQ(gbrt::runtime::read_file(path), bytes);
  std::filesystem::remove(path);
  try {
    gbrt::runtime::read_file(path, "--config ");
    FAIL() << "read a file that is gone";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot read --config " + path.string() + ": No such file or directory");
  }
}

}  // namespace
