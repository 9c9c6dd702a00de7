// A real gbrt-server started as a child process on an ephemeral loopback port.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gbrt::test {

class ServerProcess {
 public:
  // Starts `gbrt-server --listen 127.0.0.1:0 <args>` (unless `args` has its own --listen)
  // with extra environment variables and waits for its "listening on" line;
  // GBRT_DRAIN_DELAY is 0 unless `env` or `args` say. Throws if it does not start.
  // `program`: another build of gbrt::app::server_main (a test worker with its own handlers).
  explicit ServerProcess(std::vector<std::string> args = {},
                         std::map<std::string, std::string> env = {},
                         std::string program = GBRT_SERVER_PATH);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t port() const { return port_; }
  // The line the server announced itself with ("listening on HOST:PORT …").
  const std::string& banner() const { return banner_; }
  pid_t pid() const { return pid_; }
  // Sends `signal` and waits for the exit; returns the exit status (or 128 + signal).
  int stop(int signal = 15);
  bool running();
  // What the server wrote to stderr so far.
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string banner_;
  std::string stderr_path_;
  int exit_status_ = -1;
};

// Runs gbrt-server with `args` (and the variables `env` besides the test's own) to
// completion; returns {exit status, stdout + stderr}. One still running after 60 s is
// killed (status 137): it was expected to exit.
std::pair<int, std::string> run_server_command(const std::vector<std::string>& args,
                                               const std::map<std::string, std::string>& env = {});
// Runs `shell_command` through /bin/sh; returns {exit status, stdout + stderr}.
std::pair<int, std::string> run_command(const std::string& shell_command);

}  // namespace gbrt::test
