// A whole file as bytes: one reader for the fixtures, corpora, configuration and tools that
// load files (gbrt-server, gbrt-send, gbrt-loadgen, the benchmarks and the tests).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace gbrt::runtime {

// The bytes of `path`. Throws std::runtime_error("cannot read <what><path>: <reason>"), `what`
// saying what the file is for ("--config ").
std::string read_file(const std::filesystem::path& path, std::string_view what = {});

}  // namespace gbrt::runtime
