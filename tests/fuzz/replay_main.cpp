// Runs a fuzz target over files (or every file under directories) without libFuzzer: the
// seeds and past crashes become ordinary regression tests.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gbrt/runtime/read_file.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void run_file(const std::filesystem::path& path, std::size_t& count) {
  const std::string bytes = gbrt::runtime::read_file(path);
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  ++count;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path path(argv[i]);
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
        if (entry.is_regular_file()) run_file(entry.path(), count);
      }
    } else if (std::filesystem::exists(path)) {
      run_file(path, count);
    }
  }
  std::printf("replayed %zu inputs\n", count);
  return 0;
}
