// gbrt-server's signing secrets: read from --secret-file (one a line) or GBRT_SECRET
// (comma-separated), at start and again at SIGHUP (rotation).
#pragma once

#include <string>
#include <vector>

#include <boost/program_options/variables_map.hpp>

#include "secret_file.hpp"

namespace gbrt::app {

using app_common::split_list;

// Throws std::runtime_error naming the file and why it cannot be used.
std::vector<std::string> load_secrets(const boost::program_options::variables_map& vm);

}  // namespace gbrt::app
