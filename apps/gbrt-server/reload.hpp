// gbrt-server's SIGHUP: the configuration read again as a start reads it; what can change
// while serving (signing secrets, log level, --max-inflight) is applied, the rest logged.
#pragma once

#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include <gbrt/net/server.hpp>

namespace gbrt::app {

class Reloader {
 public:
  // `argv` and the tables as the start used them; `running` and `secrets`: what serves now.
  Reloader(int argc, char** argv, const boost::program_options::options_description& options,
           const boost::program_options::options_description& command_line,
           boost::program_options::variables_map running, std::vector<std::string> secrets,
           Runtime& runtime, net::Server& server);

  // Applies and logs each change; a configuration that does not load (or holds a bad
  // value) is logged and the running one kept. Never throws.
  void reload() noexcept;

 private:
  void apply(const boost::program_options::variables_map& next);

  int argc_;
  char** argv_;
  const boost::program_options::options_description& options_;
  const boost::program_options::options_description& command_line_;
  boost::program_options::variables_map running_;
  std::vector<std::string> secrets_;
  Runtime& runtime_;
  net::Server& server_;
};

}  // namespace gbrt::app
