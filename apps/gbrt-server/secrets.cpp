#include "secrets.hpp"
#include "trim.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace gbrt::app {

namespace {

using app_common::trim;

}  // namespace

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (auto item = trim(text.substr(start, comma - start)); !item.empty()) items.push_back(item);
    start = comma + 1;
  }
  return items;
}

std::vector<std::string> load_secrets(const boost::program_options::variables_map& vm) {
  std::vector<std::string> secrets;
  if (vm.count("secret-file")) {
    const auto& path = vm["secret-file"].as<std::string>();
    std::ifstream file(path);
    if (!file) {
      throw std::runtime_error("cannot read --secret-file " + path + ": " + std::strerror(errno));
    }
    for (std::string line; std::getline(file, line);) {
      if (auto s = trim(line); !s.empty()) secrets.push_back(s);
    }
    if (secrets.empty()) throw std::runtime_error("--secret-file holds no secret (" + path + ")");
  } else if (const char* env = std::getenv("GBRT_SECRET"); env != nullptr) {
    // Given but blank is refused: running unauthenticated is chosen by giving none.
    secrets = split_list(env);
    if (secrets.empty()) {
      throw std::runtime_error(
          "GBRT_SECRET holds no secret (unset it to run without signature checks)");
    }
  }
  return secrets;
}

}  // namespace gbrt::app
