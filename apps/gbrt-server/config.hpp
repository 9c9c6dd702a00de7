// gbrt-server's configuration sources over one Boost.Program_options table: flags, then
// GBRT_* environment variables, then the --config file, then the table's defaults.
#pragma once

#include <ostream>

#include <boost/program_options.hpp>

namespace gbrt::config {

// Fills `vm` from the command line (`options` and `command_line_only`), the environment
// (GBRT_MAX_BODY sets max-body; GBRT_CONFIG sets config) and the --config file, in that
// precedence; repeatable options collect values from every source. Throws
// std::runtime_error naming the flag, the variable, or the file's line and key.
void load(int argc, char** argv, const boost::program_options::options_description& options,
          const boost::program_options::options_description& command_line_only,
          boost::program_options::variables_map& vm);

// The effective values of `options` in the config-file format: one `key = value` a line,
// options without a value commented out, secrets redacted.
void print(std::ostream& out, const boost::program_options::options_description& options,
           const boost::program_options::variables_map& vm);

// "max-body" -> "GBRT_MAX_BODY".
std::string environment_name(const std::string& option);

}  // namespace gbrt::config
