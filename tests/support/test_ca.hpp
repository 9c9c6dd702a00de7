// A certificate authority made for one test run with the openssl command, and a server
// certificate it signed for `localhost` only (so a call to 127.0.0.1 fails the name check).
#pragma once

#include <string>

namespace gbrt::test {

struct TestCa {
  std::string dir;          // a fresh folder under /tmp, removed by the destructor
  std::string ca_file;      // the CA's certificate (PEM): what a client trusts
  std::string server_cert;  // the server's certificate (PEM), subjectAltName DNS:localhost
  std::string server_key;
};

// Throws std::runtime_error if openssl fails.
TestCa make_test_ca();
void remove_test_ca(const TestCa& ca);

}  // namespace gbrt::test
