// gbrt-server's signals as an operator sends them: SIGTERM keeps accepting while /readyz
// answers 503 for --drain-delay, a second signal cuts the delay, SIGHUP reloads.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include <gbrt/net/signature.hpp>

#include "support/async.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace {

using gbrt::test::fixture;
using gbrt::test::HttpClient;
using gbrt::test::ServerProcess;
using gbrt::test::wait_for;

std::int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("gbrt-lifecycle-" + std::to_string(getpid()) + "-" + name);
}

bool logged(ServerProcess& server, const std::string& text) {
  return server.stderr_text().find(text) != std::string::npos;
}

TEST(DrainDelay, ReadyzFailsWhileNewConnectionsAreStillServed) {
  ServerProcess server({"--threads", "2", "--drain-delay", "3000"});
  EXPECT_EQ(HttpClient(server.port()).get("/readyz").status, 200u);
  kill(server.pid(), SIGTERM);
  ASSERT_TRUE(wait_for([&] { return logged(server, R"("msg":"draining")"); }));
  // A connection opened during the delay is accepted: readiness 503, events still handled.
  HttpClient late(server.port());
  auto ready = late.get("/readyz");
  EXPECT_EQ(ready.status, 503u);
  EXPECT_EQ(ready.body, R"({"status":"draining"})");
  EXPECT_EQ(late.post_json("/", fixture("site_view-1.json")).status, 200u);
  EXPECT_TRUE(server.running());
  EXPECT_NE(server.stderr_text().find(R"("drain_delay_ms":3000)"), std::string::npos);
  // Then the listener closes and the process exits cleanly on its own.
  ASSERT_TRUE(wait_for([&] { return !server.running(); }, std::chrono::seconds(60)));
  EXPECT_EQ(server.stop(SIGKILL), 0);
  EXPECT_TRUE(logged(server, R"("msg":"stopped")"));
}

TEST(DrainDelay, SecondSignalCutsTheDelayShort) {
  ServerProcess server({"--threads", "1", "--drain-delay", "600000"});
  kill(server.pid(), SIGTERM);
  ASSERT_TRUE(wait_for([&] { return logged(server, R"("msg":"draining")"); }));
  EXPECT_EQ(HttpClient(server.port()).get("/readyz").status, 503u);
  EXPECT_EQ(server.stop(SIGTERM), 0);  // would wait ten minutes without the second signal
  EXPECT_TRUE(logged(server, "signal again"));
}

TEST(DrainDelay, ZeroClosesTheListenerAtOnce) {
  ServerProcess server({"--drain-delay", "0"});
  EXPECT_EQ(server.stop(SIGTERM), 0);
  EXPECT_TRUE(logged(server, R"("drain_delay_ms":0)"));
}

TEST(Reload, SighupRotatesSecretsWithoutDroppingAConnection) {
  const auto secrets = temp_path("secrets");
  std::ofstream(secrets) << "old-secret\n";
  ServerProcess server({"--threads", "2", "--secret-file", secrets.string()});
  HttpClient client(server.port());
  const std::string body = fixture("space_view-1.json");
  auto signed_with = [&](const std::string& secret) {
    return std::map<std::string, std::string>{
        {"X-GitBook-Signature", gbrt::net::sign_webhook(secret, now(), body)}};
  };
  EXPECT_EQ(client.post_json("/", body, signed_with("old-secret")).status, 200u);
  EXPECT_EQ(client.post_json("/", body, signed_with("new-secret")).status, 401u);

  std::ofstream(secrets) << "new-secret\n";
  kill(server.pid(), SIGHUP);
  ASSERT_TRUE(wait_for([&] { return logged(server, "reloaded the signing secrets"); }));
  // The shards switch between requests: wait until the new secret is in use everywhere.
  HttpClient probe(server.port());
  ASSERT_TRUE(wait_for(
      [&] { return probe.post_json("/", body, signed_with("new-secret")).status == 200u; }));
  // The connection opened before the reload still serves (a dropped one would throw here:
  // the client reconnects only after an answer without keep-alive).
  EXPECT_EQ(client.post_json("/", body, signed_with("new-secret")).status, 200u);
  EXPECT_EQ(client.post_json("/", body, signed_with("old-secret")).status, 401u);
  EXPECT_TRUE(server.running());
  EXPECT_EQ(server.stop(SIGTERM), 0);
  std::filesystem::remove(secrets);
}

TEST(Reload, SighupAppliesLogLevelAndLimitsAndNamesWhatNeedsARestart) {
  const auto config = temp_path("reload.conf");
  std::ofstream(config) << "log-level = info\nmax-inflight = 100\nmax-body = 4096\n";
  ServerProcess server({"--config", config.string()});
  std::ofstream(config) << "log-level = debug\nmax-inflight = 0\nmax-body = 8192\n";
  kill(server.pid(), SIGHUP);
  // The reload logs one line per changed option, in the option table's order: wait for each.
  EXPECT_TRUE(wait_for([&] {
    return logged(server, R"("msg":"reloaded","option":"log-level","from":"info","to":"debug")");
  })) << server.stderr_text();
  EXPECT_TRUE(wait_for([&] {
    return logged(server, R"("msg":"changed, takes effect at the next start","option":"max-body")");
  }));
  // max-inflight 0 admits nothing: the new limit is in force (set after the lines above).
  HttpClient client(server.port());
  EXPECT_TRUE(
      wait_for([&] { return client.post_json("/", fixture("site_view-1.json")).status == 503u; }));

  // A configuration that does not load is logged; the running one stays.
  std::ofstream(config) << "log-level = loud\n";
  kill(server.pid(), SIGHUP);
  ASSERT_TRUE(wait_for([&] { return logged(server, "reload failed"); }));
  EXPECT_EQ(client.get("/healthz").status, 200u);
  EXPECT_EQ(server.stop(SIGTERM), 0);
  std::filesystem::remove(config);
}

}  // namespace
