// POST /v1/batch: NDJSON batches over real HTTP against an in-process server with the
// example handlers.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include <gbrt/net/server.hpp>
#include <gbrt/net/signature.hpp>

#include "example_handlers.hpp"
#include "support/async.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/load.hpp"
#include "support/server_process.hpp"

namespace {

using gbrt::test::fixture;
using gbrt::test::fixture_line;
using gbrt::test::HttpClient;
using std::chrono::milliseconds;

class Batch : public ::testing::Test {
 protected:
  Batch() : runtime_({.threads = 2}) {
    views_ = gbrt::examples::register_example_handlers(runtime_);
    runtime_.start();
    server_.start();
    client_.emplace(server_.port());
  }
  ~Batch() override {
    server_.stop();
    runtime_.shutdown(std::chrono::seconds(2));
  }
  gbrt::test::HttpResponse post(const std::string& body,
                                const std::map<std::string, std::string>& headers = {}) {
    return client_->request("POST", "/v1/batch", body, "application/x-ndjson", headers);
  }
  std::uint64_t handled_ok(gbrt::events::EventType type) {
    return runtime_.metrics().handled(std::size_t(type), gbrt::runtime::Outcome::ok);
  }

  gbrt::Runtime runtime_;
  std::shared_ptr<gbrt::examples::ViewCounts> views_;
  gbrt::net::Server server_{runtime_,
                            {.port = 0, .max_body = 16u << 20, .max_batch_events = 10000}};
  std::optional<HttpClient> client_;  // after the server has its port
};

TEST_F(Batch, TenThousandEventsWithAHundredBadLines) {
  const std::string good = fixture_line("site_view-2.json");
  const std::string bad = fixture_line("bad/url-missing.bad");
  std::string body;
  std::vector<std::size_t> bad_lines;
  for (std::size_t line = 1; line <= 10000; ++line) {
    if (line % 100 == 37) {
      body += bad;
      bad_lines.push_back(line);
    } else {
      body += good;
    }
    body += '\n';
  }
  auto before = handled_ok(gbrt::events::EventType::site_view);
  auto res = post(body);
  ASSERT_EQ(res.status, 200u) << res.body.substr(0, 300);
  EXPECT_EQ(res.body.rfind(R"({"accepted":9900,"rejected":[)", 0), 0u) << res.body.substr(0, 300);
  for (std::size_t line : bad_lines) {
    std::string entry =
        R"({"line":)" + std::to_string(line) +
        R"x(,"status":400,"error":"missing required field \"url\" (string) (byte 0)"})x";
    EXPECT_NE(res.body.find(entry), std::string::npos) << line;
  }
  EXPECT_EQ(handled_ok(gbrt::events::EventType::site_view) - before, 9900u);
}

TEST_F(Batch, BlankLinesCrlfAndALastLineWithoutNewline) {
  // Appended piece by piece: g++ 12 warns (-Wrestrict) on `"..." + std::string&&`.
  std::string body = "\n";
  body += fixture_line("space_view-1.json");
  body += "\r\n   \n";
  body += fixture_line("space_gitsync_started-2.json");
  body += "\n\n";
  body += R"({"type":"later","eventId":"e","installationId":"i"})";  // 406: no handler
  auto res = post(body);
  ASSERT_EQ(res.status, 200u);
  EXPECT_EQ(
      res.body,
      R"({"accepted":2,"rejected":[{"line":6,"status":406,"error":"Integration does not handle \"later\" events"}]})");
}

TEST_F(Batch, NotNdjsonAtAllIs400AndTooManyEventsIs413) {
  auto not_json = post("<html>\nhello\n");
  EXPECT_EQ(not_json.status, 400u);
  EXPECT_NE(not_json.body.find("not NDJSON"), std::string::npos) << not_json.body;
  EXPECT_EQ(post("\n \n").status, 400u);  // nothing but blank lines

  std::string many;
  for (int i = 0; i < 10001; ++i) many += "{}\n";
  auto too_many = post(many);
  EXPECT_EQ(too_many.status, 413u);
  EXPECT_NE(too_many.body.find("10000"), std::string::npos);

  auto wrong_type = client_->request("POST", "/v1/batch", "{}", "application/json");
  EXPECT_EQ(wrong_type.status, 415u);
  EXPECT_EQ(client_->get("/v1/batch").status, 405u);
}

TEST(BatchSigned, TheSignatureCoversTheWholeBatchBody) {
  gbrt::Runtime runtime({.threads = 1});
  auto views = gbrt::examples::register_example_handlers(runtime);
  gbrt::net::Server server(runtime, {.port = 0, .secrets = {"batch-secret"}});
  runtime.start();
  server.start();
  HttpClient client(server.port());
  std::string body =
      fixture_line("space_view-2.json") + "\n" + fixture_line("page_feedback-1.json") + "\n";
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::map<std::string, std::string> headers{
      {"X-GitBook-Signature", gbrt::net::sign_webhook("batch-secret", now, body)}};
  auto ok = client.request("POST", "/v1/batch", body, "application/x-ndjson", headers);
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body, R"({"accepted":2,"rejected":[]})");
  auto tampered = client.request("POST", "/v1/batch", body + "\n", "application/x-ndjson", headers);
  EXPECT_EQ(tampered.status, 401u);
  EXPECT_EQ(client.request("POST", "/v1/batch", body, "application/x-ndjson").status, 401u);
  server.stop();
  runtime.shutdown(std::chrono::seconds(1));
}

// A per-type cap of 1 held by a gated space_view handler: every space_view line is shed.
class BatchShed : public ::testing::Test {
 protected:
  BatchShed() : runtime_({.threads = 2, .max_inflight_per_type = {{"space_view", 1}}}) {
    runtime_.on<gbrt::events::SpaceView>(
        [this](const gbrt::events::SpaceView&, gbrt::Context& c) -> boost::asio::awaitable<void> {
          ++running_;
          while (!gate_open_) co_await gbrt::test::sleep_for(c.executor(), milliseconds(2));
        });
    runtime_.on<gbrt::events::SiteView>(
        [](const gbrt::events::SiteView&, gbrt::Context&) -> boost::asio::awaitable<void> {
          co_return;
        });
    runtime_.start();
    server_.start();
    holder_ = std::thread(
        [this] { HttpClient(server_.port()).post_json("/v1", fixture("space_view-1.json")); });
  }
  ~BatchShed() override {
    gate_open_ = true;
    holder_.join();
    server_.stop();
    runtime_.shutdown(std::chrono::seconds(2));
  }
  gbrt::test::HttpResponse post(const std::string& body) {
    return HttpClient(server_.port()).request("POST", "/v1/batch", body, "application/x-ndjson");
  }

  gbrt::Runtime runtime_;
  gbrt::net::Server server_{runtime_, {.port = 0}};
  std::atomic<bool> gate_open_{false};
  std::atomic<int> running_{0};
  std::thread holder_;  // one space_view that holds the type's only place
};

TEST_F(BatchShed, NothingHandledAndLinesShedIs503WithRetryAfter) {
  ASSERT_TRUE(gbrt::test::wait_for([&] { return running_ == 1; }));
  const std::string shed = fixture_line("space_view-2.json");
  auto res = post(shed + "\n" + shed + "\n");
  EXPECT_EQ(res.status, 503u) << res.body;
  EXPECT_EQ(res.header("retry-after"), "1");
  EXPECT_TRUE(gbrt::test::is_valid_json(res.body)) << res.body;
  EXPECT_NE(res.body.find(R"("accepted":0,"rejected":[{"line":1,"status":503,)"), std::string::npos)
      << res.body;
  EXPECT_NE(res.body.find(R"({"line":2,"status":503,)"), std::string::npos) << res.body;

  // A bad line does not hide the shed one: still nothing handled.
  auto with_bad = post(fixture_line("bad/url-missing.bad") + "\n" + shed + "\n");
  EXPECT_EQ(with_bad.status, 503u) << with_bad.body;
  EXPECT_EQ(with_bad.header("retry-after"), "1");
}

TEST_F(BatchShed, SomeHandledSomeShedIs200WithRetryAfter) {
  ASSERT_TRUE(gbrt::test::wait_for([&] { return running_ == 1; }));
  auto res =
      post(fixture_line("site_view-1.json") + "\n" + fixture_line("space_view-2.json") + "\n");
  EXPECT_EQ(res.status, 200u) << res.body;
  EXPECT_EQ(res.header("retry-after"), "1");
  EXPECT_EQ(res.body.rfind(R"({"accepted":1,"rejected":[{"line":2,"status":503,)", 0), 0u)
      << res.body;

  auto none_shed = post(fixture_line("site_view-1.json") + "\n");
  EXPECT_EQ(none_shed.status, 200u);
  EXPECT_EQ(none_shed.header("retry-after"), "");
  EXPECT_EQ(none_shed.body, R"({"accepted":1,"rejected":[]})");
}

// "received" per type in a gbrt-server's final stats line.
std::map<std::string, std::uint64_t> received_by_type(const std::string& stderr_text) {
  std::map<std::string, std::uint64_t> out;
  std::regex entry(R"re("(\w+)":\{"received":(\d+))re");
  for (std::sregex_iterator it(stderr_text.begin(), stderr_text.end(), entry), end; it != end;
       ++it) {
    out[(*it)[1]] = std::stoull((*it)[2]);
  }
  return out;
}

TEST(Recording, RecordFiveThousandEventsThenReplayThemAsABatch) {
  auto file =
      std::filesystem::temp_directory_path() / ("gbrt-record-" + std::to_string(::getpid()));
  std::filesystem::remove(file);
  std::map<std::string, std::uint64_t> recorded;
  {
    gbrt::test::ServerProcess server({"--threads", "2", "--record", file.string()});
    auto load = gbrt::test::run_load(
        {.port = server.port(),
         .connections = 20,
         .requests_per_connection = 250,
         .bodies = {fixture("space_view-1.json"), fixture("site_view-3.json"),
                    fixture("space_content_updated-3.json"), fixture("ui_render-3.json"),
                    fixture("installation_setup-2.json")}});
    ASSERT_EQ(load.count(200), 5000u);
    ASSERT_EQ(server.stop(SIGTERM), 0);
    recorded = received_by_type(server.stderr_text());
  }
  std::string lines = gbrt::test::read_file(file);
  ASSERT_EQ(std::count(lines.begin(), lines.end(), '\n'), 5000);

  gbrt::test::ServerProcess replay({"--threads", "2", "--max-body", "16777216"});
  HttpClient client(replay.port());
  auto res = client.request("POST", "/v1/batch", lines, "application/x-ndjson");
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.body, R"({"accepted":5000,"rejected":[]})");
  ASSERT_EQ(replay.stop(SIGTERM), 0);
  EXPECT_EQ(received_by_type(replay.stderr_text()), recorded);
  EXPECT_EQ(recorded["space_view"], 1000u);
  std::filesystem::remove(file);
}

}  // namespace
