// gbrt-server's configuration checked as a whole before anything starts, and by
// --check-config: every value the server would reject, each with where it came from.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include <boost/program_options/variables_map.hpp>

#include "config.hpp"

namespace gbrt::app {

// `known_type`: a typed GitBook event, or a type a handler is registered for. The problems
// of `loaded` (stray arguments, unknown variables and keys) come first.
std::vector<config::Problem> check_config(const boost::program_options::variables_map& vm,
                                          const config::Loaded& loaded,
                                          const std::function<bool(std::string_view)>& known_type);

}  // namespace gbrt::app
