#include "support/test_ca.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace gbrt::test {

namespace {

void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) {
    throw std::runtime_error("failed: " + command);
  }
}

}  // namespace

TestCa make_test_ca() {
  TestCa ca;
  char path[] = "/tmp/gbrt-test-ca-XXXXXX";
  if (mkdtemp(path) == nullptr) throw std::runtime_error("mkdtemp failed");
  ca.dir = path;
  ca.ca_file = ca.dir + "/ca.pem";
  ca.server_cert = ca.dir + "/server.pem";
  ca.server_key = ca.dir + "/server.key";
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  run("openssl req -x509" + ec + " -keyout " + ca.dir + "/ca.key -out " + ca.ca_file +
      " -days 2 -subj /CN=gbrt-test-ca");
  run("openssl req" + ec + " -keyout " + ca.server_key + " -out " + ca.dir +
      "/server.csr -subj /CN=localhost");
  std::ofstream(ca.dir + "/ext.cnf") << "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n";
  run("openssl x509 -req -in " + ca.dir + "/server.csr -CA " + ca.ca_file + " -CAkey " + ca.dir +
      "/ca.key -CAcreateserial -days 2 -extfile " + ca.dir + "/ext.cnf -out " + ca.server_cert);
  return ca;
}

void remove_test_ca(const TestCa& ca) {
  if (!ca.dir.empty()) std::system(("rm -rf '" + ca.dir + "'").c_str());
}

}  // namespace gbrt::test
