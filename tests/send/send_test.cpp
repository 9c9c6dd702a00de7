// gbrt-send against a real gbrt-server child over loopback: fixtures by name, folders and
// stdin, both wire formats, signed and not, and its exit status.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace {

using gbrt::test::HttpClient;
using gbrt::test::ServerProcess;

struct Sent {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `gbrt-send <args>` through the shell (GBRT_SECRET unset unless `env` sets it).
Sent send(const std::string& args, const std::string& env = "") {
  const std::string command =
      "env -u GBRT_SECRET " + env + " " + GBRT_SEND_PATH + " " + args + " 2>&1";
  Sent sent;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return sent;
  char chunk[4096];
  for (std::size_t n; (n = fread(chunk, 1, sizeof chunk, pipe)) > 0;) sent.output.append(chunk, n);
  const int status = pclose(pipe);
  sent.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return sent;
}

std::string url(const ServerProcess& server) {
  return "--url http://127.0.0.1:" + std::to_string(server.port()) + "/v1";
}

// The README's first steps: a fixture by name, signed, then seen in /metrics.
TEST(GbrtSend, SendsAFixtureByNameSignedAndItShowsInMetrics) {
  ServerProcess server({}, {{"GBRT_SECRET", "send-secret"}});
  Sent sent = send(url(server) + " site_view-1", "GBRT_SECRET=send-secret");
  EXPECT_EQ(sent.exit_code, 0) << sent.output;
  EXPECT_NE(sent.output.find("site_view-1.json: 200 OK"), std::string::npos) << sent.output;
  HttpClient client(server.port());
  const std::string metrics = client.get("/metrics").body;
  EXPECT_NE(metrics.find("gbrt_example_events_seen_total{type=\"site_view\"} 1"), std::string::npos)
      << metrics;
}

TEST(GbrtSend, AWrongSecretIs401AndANonZeroExit) {
  ServerProcess server({}, {{"GBRT_SECRET", "the-real-secret"}});
  Sent unsigned_send = send(url(server) + " space_view-1");
  EXPECT_EQ(unsigned_send.exit_code, 1);
  EXPECT_NE(unsigned_send.output.find(": 401 {\"error\":"), std::string::npos)
      << unsigned_send.output;
  Sent wrong = send(url(server) + " --secret a-wrong-secret space_view-1");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.output.find(": 401 "), std::string::npos) << wrong.output;
  Sent right = send(url(server) + " --secret the-real-secret space_view-1");
  EXPECT_EQ(right.exit_code, 0) << right.output;
}

// Every fixture, in both wire formats, is handled by the default server: the demo has no errors.
TEST(GbrtSend, EveryFixtureInBothFormatsIsHandledByTheDefaultServer) {
  ServerProcess server;
  const std::string folder = gbrt::test::fixtures_dir().string();
  for (const char* format : {"json", "multipart"}) {
    Sent sent = send(url(server) + " --format " + format + " " + folder);
    EXPECT_EQ(sent.exit_code, 0) << format << ":\n" << sent.output;
    EXPECT_NE(sent.output.find("ui_render-1.json: 200 "), std::string::npos) << sent.output;
    EXPECT_EQ(sent.output.find("bad"), std::string::npos) << "bad inputs are not events";
  }
}

TEST(GbrtSend, ReadsStdinAndPrintsTheErrorBody) {
  ServerProcess server;
  Sent good =
      send(url(server) + " - < " + (gbrt::test::fixtures_dir() / "page_feedback-1.json").string());
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find("stdin: 200 OK"), std::string::npos) << good.output;
  const std::string broken =
      (std::filesystem::temp_directory_path() / ("gbrt-send-" + std::to_string(::getpid())))
          .string();
  std::ofstream(broken) << R"({"type": )";
  Sent bad = send(url(server) + " - < " + broken);
  std::filesystem::remove(broken);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("stdin: 400 {\"error\":"), std::string::npos) << bad.output;
}

TEST(GbrtSend, SaysWhatIsWrongWithoutAServerOrAnEvent) {
  // A port nothing listens on: the server's, once it is gone.
  std::uint16_t port = 0;
  {
    ServerProcess server;
    port = server.port();
  }
  Sent nobody = send("--url http://127.0.0.1:" + std::to_string(port) + "/v1 site_view-1");
  EXPECT_EQ(nobody.exit_code, 1);
  EXPECT_NE(nobody.output.find("no answer from 127.0.0.1:"), std::string::npos) << nobody.output;

  Sent missing = send("no_such_event-1");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("cannot read no_such_event-1"), std::string::npos)
      << missing.output;
  Sent none = send("");
  EXPECT_EQ(none.exit_code, 2);
  Sent format = send("--format xml site_view-1");
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_NE(format.output.find("--format wants json or multipart"), std::string::npos);
}

}  // namespace
