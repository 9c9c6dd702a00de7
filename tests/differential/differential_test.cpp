// gbrt-server's example app against GitBook's own runtime running the same integration in
// TypeScript (integration.ts): same inputs, same answers. See run and compare.mjs.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "support/server_process.hpp"

namespace {

TEST(Differential, ExampleAppAnswersAsGitBooksRuntimeRunningTheSameIntegration) {
  gbrt::test::ServerProcess server;
  // The npm install is kept between runs (in the build tree), keyed by the lock file.
  const std::string work = std::string(GBRT_DIFFERENTIAL_WORK_DIR);
  const std::string command = std::string(GBRT_DIFFERENTIAL_DIR) +
                              "/run http://127.0.0.1:" + std::to_string(server.port()) + " " + work;
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << command;
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "npm's registry is unreachable";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "gbrt and @gitbook/runtime disagree (see the output above)";
}

}  // namespace
