// A Node 20 script from tests/support run as a server child process: its main port and the
// control port it reports on (`listening on HOST:PORT control CPORT`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "support/server_process.hpp"

namespace gbrt::test {

class NodeServer {
 public:
  // `script`: a file name in tests/support (http_test_server.mjs, gitbook_api_server.mjs).
  explicit NodeServer(const std::string& script, std::vector<std::string> args = {});
  std::uint16_t port() const { return process_.port(); }
  std::uint16_t control_port() const { return control_port_; }
  // GET `target` on the control port, parsed.
  boost::json::value control(const std::string& target) const;
  // POST `body` (JSON) to `target` on the control port.
  void control_post(const std::string& target, const std::string& body) const;
  // A number of the control port's GET /stats.
  std::int64_t stat(const std::string& name) const;

 private:
  static std::vector<std::string> arguments(const std::string& script,
                                            std::vector<std::string> args);
  ServerProcess process_;
  std::uint16_t control_port_ = 0;
};

}  // namespace gbrt::test
