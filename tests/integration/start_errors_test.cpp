// gbrt-server's start-up errors as an operator meets them: each names the problem and the
// way out, on stderr even with --log-level off, without a Boost source path.
#include <signal.h>

#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace {

using gbrt::test::HttpClient;
using gbrt::test::run_server_command;
using gbrt::test::ServerProcess;

TEST(StartErrors, ListenTakesAHostName) {
  ServerProcess server({"--listen", "localhost:0"});
  EXPECT_EQ(HttpClient(server.port()).get("/healthz").status, 200u);
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

TEST(StartErrors, APortInUseNamesTheAddressEvenWithTheLogOff) {
  ServerProcess first;
  const std::string address = "127.0.0.1:" + std::to_string(first.port());
  auto [status, out] = run_server_command({"--listen", address, "--log-level", "off"});
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("gbrt-server: cannot listen on " + address + ": Address already in use"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("pick another port"), std::string::npos) << out;
  EXPECT_EQ(out.find("boost/"), std::string::npos) << out;
  EXPECT_EQ(out.find("{\"ts\""), std::string::npos) << out;  // the log is off: only the reason
}

}  // namespace
