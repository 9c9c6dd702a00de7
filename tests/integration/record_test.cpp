// --record over real HTTP: exactly the accepted events are recorded, they reach the file
// without further traffic, a failing record is loud (/readyz, /metrics, the log, the exit
// status) or refuses events (--record-required), and a SIGKILL loses nothing written.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include <gbrt/net/server.hpp>

#include "example_handlers.hpp"
#include "support/async.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/load.hpp"
#include "support/server_process.hpp"

namespace {

namespace fs = std::filesystem;
using gbrt::test::fixture;
using gbrt::test::fixture_line;
using gbrt::test::HttpClient;
using gbrt::test::wait_for;
using std::chrono::milliseconds;

fs::path temp_record(const std::string& name) {
  auto path = fs::temp_directory_path() /
              ("gbrt-record-" + name + "-" + std::to_string(::getpid()) + ".ndjson");
  fs::remove(path);
  return path;
}

// The complete lines of a record (a line cut by a SIGKILL has no '\n' yet).
std::vector<std::string> record_lines(const fs::path& path) {
  std::vector<std::string> lines;
  if (!fs::exists(path)) return lines;
  std::string text = gbrt::test::read_file(path);
  for (std::size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1) {
    lines.push_back(text.substr(start, end - start));
  }
  return lines;
}

std::string event_id(const std::string& json) {
  static const std::regex id(R"re("eventId"\s*:\s*"([^"]*)")re");
  std::smatch match;
  return std::regex_search(json, match, id) ? match[1].str() : std::string();
}

class Recorded : public ::testing::Test {
 protected:
  void start(gbrt::net::RecorderOptions record) {
    runtime_.emplace(gbrt::runtime::RuntimeOptions{
        .threads = 2,
        .ack_per_type = {{"page_feedback", gbrt::runtime::AckMode::queued}},
        .dedup_window = std::chrono::seconds(60)});
    views_ = gbrt::examples::register_example_handlers(*runtime_);
    server_.emplace(*runtime_, gbrt::net::ServerOptions{.port = 0, .record = std::move(record)});
    runtime_->start();
    server_->start();
    client_.emplace(server_->port());
  }
  ~Recorded() override {
    if (!server_) return;
    server_->stop();
    runtime_->shutdown(std::chrono::seconds(2));
  }
  bool readyz_says(const std::string& body) { return client_->get("/readyz").body == body; }
  double metric(const std::string& series) {
    return gbrt::test::metric_value(client_->get("/metrics").body, series);
  }

  std::optional<gbrt::Runtime> runtime_;
  std::shared_ptr<gbrt::examples::ViewCounts> views_;
  std::optional<gbrt::net::Server> server_;
  std::optional<HttpClient> client_;
};

TEST_F(Recorded, ExactlyTheAcceptedEventsWithoutFurtherTraffic) {
  const auto path = temp_record("accepted");
  start({.path = path.string(), .flush_interval = milliseconds(20)});
  const std::string task = R"({"type":"later","eventId":"evt_task","installationId":"i"})";  // 406
  EXPECT_EQ(client_->post_json("/v1", fixture("space_view-1.json")).status, 200u);
  EXPECT_EQ(client_->post_json("/v1", fixture("space_view-1.json")).status, 200u);  // duplicate
  EXPECT_EQ(client_->post_json("/v1", task).status, 406u);
  std::string unknown_component = fixture("ui_render-1.json");
  unknown_component.replace(unknown_component.find("\"componentId\""), 28,
                            "\"componentId\": \"no-such-one\"");
  EXPECT_EQ(client_->post_json("/v1", unknown_component).status, 404u);
  EXPECT_EQ(client_->post_json("/v1", "{\"type\":").status, 400u);
  EXPECT_EQ(client_->post_json("/v1", fixture("page_feedback-1.json")).status, 202u);  // queued
  auto [form_type, form] =
      gbrt::test::dispatcher_form(fixture("site_view-1.json"), fixture("environment.json"));
  EXPECT_EQ(client_->request("POST", "/v1", form, form_type).status, 200u);
  auto batch = client_->request("POST", "/v1/batch",
                                fixture_line("space_view-2.json") + "\n" + task + "\n" +
                                    fixture_line("space_view-1.json") + "\n" +
                                    fixture_line("site_view-2.json") + "\n",
                                "application/x-ndjson");
  EXPECT_EQ(batch.status, 200u);
  EXPECT_EQ(batch.body.rfind(R"({"accepted":3,"rejected":[{"line":2,"status":406,)", 0), 0u)
      << batch.body;

  const std::vector<std::string> expected = {
      event_id(fixture("space_view-1.json")), event_id(fixture("page_feedback-1.json")),
      event_id(fixture("site_view-1.json")), event_id(fixture("space_view-2.json")),
      event_id(fixture("site_view-2.json"))};
  // No request after the last event: the writing thread alone brings it to the file.
  ASSERT_TRUE(wait_for([&] { return record_lines(path).size() >= expected.size(); }));
  EXPECT_TRUE(server_->close_recording());
  std::vector<std::string> ids;
  for (const std::string& line : record_lines(path)) {
    EXPECT_TRUE(gbrt::test::is_valid_json(line)) << line;
    ids.push_back(event_id(line));
  }
  EXPECT_EQ(ids, expected);  // one connection, one shard: in the order they were accepted
  EXPECT_EQ(metric("gbrt_record_events_total"), 5);
  EXPECT_EQ(client_->get("/readyz").status, 200u);
  fs::remove(path);
}

// /dev/full fails every write with ENOSPC, as a full disk does.
TEST_F(Recorded, AFullDiskFailsReadinessAndShowsInMetrics) {
  start({.path = "/dev/full", .flush_interval = milliseconds(20)});
  EXPECT_EQ(client_->post_json("/v1", fixture("space_view-1.json")).status, 200u);
  ASSERT_TRUE(wait_for([&] { return readyz_says(R"({"status":"record failing"})"); }));
  EXPECT_EQ(client_->get("/readyz").status, 503u);
  EXPECT_EQ(metric("gbrt_record_failing"), 1);
  EXPECT_GE(metric("gbrt_record_write_errors_total"), 1);
  // Not required: events are still answered (and kept in memory for a retry).
  EXPECT_EQ(client_->post_json("/v1", fixture("space_view-2.json")).status, 200u);
  EXPECT_FALSE(server_->close_recording());
}

TEST_F(Recorded, RequiredRefusesEventsWith503WhileTheRecordFails) {
  start({.path = "/dev/full", .flush_interval = milliseconds(20), .required = true});
  EXPECT_EQ(client_->post_json("/v1", fixture("space_view-1.json")).status, 200u);
  ASSERT_TRUE(wait_for([&] { return readyz_says(R"({"status":"record failing"})"); }));
  auto refused = client_->post_json("/v1", fixture("space_view-2.json"));
  EXPECT_EQ(refused.status, 503u);
  EXPECT_EQ(refused.header("retry-after"), "5");
  EXPECT_NE(refused.body.find("--record-required"), std::string::npos) << refused.body;
  auto batch = client_->request("POST", "/v1/batch", fixture_line("space_view-3.json") + "\n",
                                "application/x-ndjson");
  EXPECT_EQ(batch.status, 503u) << batch.body;
  EXPECT_EQ(batch.header("retry-after"), "5");
  // Still a clear 400 for a bad event: the refusal is only for events it would accept.
  EXPECT_EQ(client_->post_json("/v1", "{").status, 400u);
}

TEST(RecordedServer, AnIncompleteRecordIsLoggedAndExits1) {
  gbrt::test::ServerProcess server({"--record", "/dev/full", "--record-flush-interval", "20"});
  HttpClient client(server.port());
  EXPECT_EQ(client.post_json("/v1", fixture("space_view-1.json")).status, 200u);
  ASSERT_TRUE(wait_for([&] { return client.get("/readyz").status == 503; }));
  EXPECT_EQ(server.stop(SIGTERM), 1);
  const std::string log = server.stderr_text();
  EXPECT_NE(log.find("record: cannot write"), std::string::npos) << log;
  EXPECT_NE(log.find("No space left on device"), std::string::npos) << log;
}

// What was answered reaches the file while the server runs; a SIGKILL then loses none of
// it, and at most the line being written is cut.
TEST(RecordedServer, ASigkillMidLoadLosesNothingAlreadyWritten) {
  const auto path = temp_record("sigkill");
  gbrt::test::ServerProcess server(
      {"--threads", "2", "--record", path.string(), "--record-flush-interval", "100"});
  std::atomic<std::size_t> answered_ok{0};
  std::atomic<bool> stop_load{false};
  std::thread load([&] {
    while (!stop_load) {
      gbrt::test::run_load({.port = server.port(),
                            .connections = 8,
                            .requests_per_connection = 100,
                            .bodies = {fixture("space_view-1.json"), fixture("site_view-3.json")},
                            .on_answer = [&](unsigned status) {
                              if (status == 200) ++answered_ok;
                            }});
    }
  });
  ASSERT_TRUE(wait_for([&] { return answered_ok >= 2000; }));
  const std::size_t answered_before = answered_ok;
  ASSERT_TRUE(wait_for([&] { return record_lines(path).size() >= answered_before; }))
      << record_lines(path).size() << " recorded of " << answered_before;
  EXPECT_EQ(server.stop(SIGKILL), 128 + SIGKILL);
  stop_load = true;
  load.join();
  const auto lines = record_lines(path);
  EXPECT_GE(lines.size(), answered_before);
  EXPECT_LE(lines.size(), answered_ok + 8);  // at most the 8 in flight were not answered
  for (const std::string& line : lines) ASSERT_TRUE(gbrt::test::is_valid_json(line)) << line;
  fs::remove(path);
}

}  // namespace
