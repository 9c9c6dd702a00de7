#include "secrets.hpp"

#include <cstdlib>
#include <stdexcept>

#include "secret_file.hpp"

namespace gbrt::app {

std::vector<std::string> load_secrets(const boost::program_options::variables_map& vm) {
  std::vector<std::string> secrets;
  if (vm.count("secret-file")) {
    secrets = app_common::read_secret_file(vm["secret-file"].as<std::string>());
  } else if (const char* env = std::getenv("GBRT_SECRET"); env != nullptr) {
    // Given but blank is refused: running unauthenticated is chosen by giving none.
    secrets = app_common::split_list(env);
    if (secrets.empty()) {
      throw std::runtime_error(
          "GBRT_SECRET holds no secret (unset it to run without signature checks)");
    }
  }
  return secrets;
}

}  // namespace gbrt::app
