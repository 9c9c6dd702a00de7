// HTTPS: gbrt-server with a self-signed certificate made by the test, spoken to by curl.
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "support/fixtures.hpp"
#include "support/server_process.hpp"

namespace {

namespace fs = std::filesystem;

// Runs a shell command; returns {exit status, stdout}.
std::pair<int, std::string> shell(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  char chunk[512];
  while (std::size_t n = fread(chunk, 1, sizeof chunk, pipe)) output.append(chunk, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gbrt-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    auto [status, out] = shell(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
        "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
        (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() + " 2>&1");
    ASSERT_EQ(status, 0) << out;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string curl(std::uint16_t port, const std::string& extra) {
    return "curl -s -o - -w ' %{http_code}' --max-time 5 --cacert " + (dir_ / "cert.pem").string() +
           " -H 'Content-Type: application/json' --data-binary @" +
           (gbrt::test::fixtures_dir() / "space_view-1.json").string() + " " + extra +
           " https://127.0.0.1:" + std::to_string(port) + "/v1";
  }
  fs::path dir_;
};

TEST_F(Tls, ServesHttpsWithTls12OrNewerOnly) {
  gbrt::test::ServerProcess server(
      {"--tls-cert", (dir_ / "cert.pem").string(), "--tls-key", (dir_ / "key.pem").string()});
  auto [ok_status, ok] = shell(curl(server.port(), ""));
  EXPECT_EQ(ok_status, 0);
  EXPECT_EQ(ok, "OK 200");
  auto [tls12_status, tls12] = shell(curl(server.port(), "--tlsv1.2 --tls-max 1.2"));
  EXPECT_EQ(tls12, "OK 200");
  auto [old_status, old] = shell(curl(server.port(), "--tlsv1.1 --tls-max 1.1"));
  EXPECT_NE(old_status, 0) << "TLS 1.1 must be refused: " << old;
  // Plain HTTP on the HTTPS port gets no answer; the server goes on serving.
  auto [plain_status, plain] =
      shell("curl -s --max-time 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:" +
            std::to_string(server.port()) + "/healthz");
  EXPECT_NE(plain, "200");
  EXPECT_EQ(std::get<1>(shell(curl(server.port(), ""))), "OK 200");
}

TEST_F(Tls, ABadCertificateIsAClearErrorAtStart) {
  auto [status, output] = gbrt::test::run_server_command(
      {"--listen", "127.0.0.1:0", "--tls-cert", (dir_ / "none.pem").string()});
  EXPECT_EQ(status, 2);
  // Caught by the configuration check, with the option and the system's reason.
  EXPECT_NE(output.find("--tls-cert: cannot read " + (dir_ / "none.pem").string() +
                        ": No such file or directory"),
            std::string::npos)
      << output;
}

}  // namespace
