// gbrt-server's configuration sources over one Boost.Program_options table: flags, then
// GBRT_* environment variables, then the --config file, then the table's defaults.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace gbrt::config {

// A configuration problem: where ("--ack", "GBRT_ACK", "FILE:LINE", "argument \"foo\"")
// and what is wrong.
struct Problem {
  std::string where;
  std::string what;
};

// Where a configuration's values came from, and what reading it found wrong.
struct Loaded {
  struct Origin {
    std::string where;                // "--max-body", "GBRT_MAX_BODY" or "FILE:LINE"
    std::vector<std::string> values;  // as written there
  };
  std::map<std::string, std::vector<Origin>> origins;  // per option, highest precedence first
  // Stray arguments, unknown GBRT_* variables and unknown keys of the file.
  std::vector<Problem> problems;

  // Where `option` got `value` (any of its values when empty); "default" if nowhere.
  std::string where(const std::string& option, const std::string& value = {}) const;
};

// Fills `vm` from the command line (`options` and `command_line_only`), the environment
// (GBRT_MAX_BODY sets max-body; GBRT_CONFIG sets config) and the --config file, in that
// precedence; repeatable options collect values from every source. Throws
// std::runtime_error naming the flag, the variable, or the file's line and key when a
// source cannot be read at all; what can be read past is in the returned problems.
Loaded load(int argc, char** argv, const boost::program_options::options_description& options,
            const boost::program_options::options_description& command_line_only,
            boost::program_options::variables_map& vm);

// The effective values of `options` in the config-file format: one `key = value` a line,
// options without a value commented out, secrets redacted.
void print(std::ostream& out, const boost::program_options::options_description& options,
           const boost::program_options::variables_map& vm);

// `name`'s value as --print-config writes it (a list joined by ", "); empty when unset.
std::string value_text(const boost::program_options::variables_map& vm, const std::string& name);

// "max-body" -> "GBRT_MAX_BODY".
std::string environment_name(const std::string& option);

}  // namespace gbrt::config
