// The runtime under pressure, over real HTTP: overload, client departure, readiness,
// drain on SIGTERM, queued acknowledgement.
#include <signal.h>

#include <atomic>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <gbrt/net/server.hpp>

#include "support/async.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/load.hpp"
#include "support/server_process.hpp"

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;
using gbrt::Context;
using gbrt::test::fixture;
using gbrt::test::HttpClient;
using gbrt::test::LoadOptions;
using gbrt::test::LoadResult;
using gbrt::test::run_load;
using std::chrono::milliseconds;

using gbrt::test::sleep_for;

using gbrt::test::wait_for;

// Sums of the final stats line's per-type numbers: {"ok": …, "pending": …, ...}.
std::map<std::string, std::uint64_t> final_stats(const std::string& stderr_text) {
  std::map<std::string, std::uint64_t> sums;
  auto at = stderr_text.find(R"("msg":"stopped")");
  if (at == std::string::npos) return sums;
  std::string line = stderr_text.substr(at, stderr_text.find('\n', at) - at);
  std::regex number(R"re("(\w+)":(\d+))re");
  for (std::sregex_iterator it(line.begin(), line.end(), number), end; it != end; ++it) {
    sums[(*it)[1]] += std::stoull((*it)[2]);
  }
  sums["found"] = 1;
  return sums;
}

TEST(Overload, ExactlyTheCapIsAdmittedTheRestIs503WithRetryAfter) {
  gbrt::test::raise_file_limit();
  gbrt::Runtime runtime({.threads = 2, .max_inflight = 100});
  std::atomic<bool> gate_open{false};
  std::atomic<int> running{0};
  runtime.on<ev::SpaceView>([&](const ev::SpaceView&, Context& c) -> asio::awaitable<void> {
    ++running;
    while (!gate_open) co_await sleep_for(c.executor(), milliseconds(2));
  });
  gbrt::net::Server server(runtime, {.port = 0});
  runtime.start();
  server.start();

  std::atomic<std::size_t> answered{0};
  LoadResult result;
  std::thread load([&] {
    result = run_load({.port = server.port(),
                       .connections = 1000,
                       .bodies = {fixture("space_view-1.json")},
                       .on_answer = [&](unsigned) { ++answered; }});
  });
  ASSERT_TRUE(wait_for([&] { return answered == 900 && running == 100; }))
      << answered << " answered, " << running << " running";
  EXPECT_EQ(runtime.in_flight(), 100u);
  HttpClient probe(server.port());
  auto ready = probe.get("/readyz");
  EXPECT_EQ(ready.status, 503u);
  EXPECT_EQ(ready.body, R"({"status":"overloaded"})");

  gate_open = true;
  load.join();
  EXPECT_EQ(result.count(200), 100u);
  EXPECT_EQ(result.count(503), 900u);
  EXPECT_EQ(result.retry_after, 900u);
  EXPECT_EQ(result.errors, 0u);
  auto type = std::size_t(ev::EventType::space_view);
  EXPECT_EQ(runtime.metrics().handled(type, gbrt::runtime::Outcome::shed), 900u);
  EXPECT_EQ(runtime.metrics().handled(type, gbrt::runtime::Outcome::ok), 100u);
  EXPECT_EQ(probe.get("/readyz").status, 200u);
  server.stop();
  runtime.shutdown(std::chrono::seconds(2));
}

TEST(ClientDeparture, ClosingTheConnectionCancelsTheHandlers) {
  gbrt::Runtime runtime({.threads = 1});
  std::atomic<bool> cancelled{false};
  runtime.on<ev::SpaceView>([&](const ev::SpaceView&, Context& c) -> asio::awaitable<void> {
    try {
      co_await sleep_for(c.executor(), std::chrono::seconds(10));
    } catch (const boost::system::system_error& e) {
      cancelled = e.code() == asio::error::operation_aborted;
      throw;
    }
  });
  gbrt::net::Server server(runtime, {.port = 0});
  runtime.start();
  server.start();
  {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
    std::string body = fixture("space_view-2.json");
    std::string request =
        "POST /v1 HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    asio::write(socket, asio::buffer(request));
    ASSERT_TRUE(wait_for([&] { return runtime.in_flight() == 1; }));  // the handler runs
  }                                                                   // closed
  EXPECT_TRUE(wait_for([&] { return cancelled.load(); }, std::chrono::seconds(2)));
  EXPECT_TRUE(wait_for([&] { return runtime.in_flight() == 0; }, std::chrono::seconds(2)));
  EXPECT_EQ(runtime.metrics().handled(std::size_t(ev::EventType::space_view),
                                      gbrt::runtime::Outcome::cancelled),
            1u);
  server.stop();
  runtime.shutdown(std::chrono::seconds(1));
}

TEST(Readiness, ReadyzFailsAsSoonAsTheDrainBegins) {
  gbrt::Runtime runtime({.threads = 1});
  gbrt::net::Server server(runtime, {.port = 0});
  runtime.start();
  server.start();
  HttpClient client(server.port());
  EXPECT_EQ(client.get("/readyz").body, R"({"status":"ready"})");
  runtime.begin_drain();
  auto draining = client.get("/readyz");
  EXPECT_EQ(draining.status, 503u);
  EXPECT_EQ(draining.body, R"({"status":"draining"})");
  EXPECT_EQ(client.get("/healthz").status, 200u);  // alive, just not ready
  server.stop();
  runtime.shutdown(std::chrono::seconds(1));
}

TEST(Drain, SigtermMidLoadAnswersWhatWasReadAndLosesNothing) {
  gbrt::test::ServerProcess server({"--threads", "2", "--drain-timeout", "10000"});
  std::atomic<std::size_t> answered{0};
  LoadResult result;
  std::thread load([&] {
    result = run_load({.port = server.port(),
                       .connections = 32,
                       .requests_per_connection = 157,  // ~5,000 events
                       .bodies = {fixture("space_view-1.json"), fixture("site_view-2.json"),
                                  fixture("page_feedback-3.json"), fixture("ui_render-3.json")},
                       .on_answer = [&](unsigned) { ++answered; }});
  });
  ASSERT_TRUE(wait_for([&] { return answered >= 1000; }));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(server.stop(SIGTERM), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  load.join();

  auto stats = final_stats(server.stderr_text());
  ASSERT_EQ(stats["found"], 1u) << server.stderr_text();
  const std::size_t answered_2xx = result.count(200);
  EXPECT_GE(answered_2xx, 1000u);
  // Every 2xx was handled; nothing accepted is pending.
  EXPECT_GE(stats["ok"], answered_2xx);
  EXPECT_EQ(stats["pending"], 0u) << server.stderr_text();
  EXPECT_EQ(stats["received"], stats["ok"] + stats["error"] + stats["rejected"] + stats["shed"] +
                                   stats["timeout"] + stats["cancelled"] + stats["duplicate"]);
  for (const auto& [status, n] : result.statuses) EXPECT_TRUE(status == 200) << status;
}

TEST(QueuedAck, TenThousandQueuedSiteViewsAreAllHandledBeforeExit) {
  gbrt::test::ServerProcess server({"--threads", "2", "--ack", "site_view=queued"});
  LoadResult result =
      run_load({.port = server.port(),
                .connections = 40,
                .requests_per_connection = 250,
                .bodies = {fixture("site_view-1.json"), fixture("site_view-3.json")}});
  EXPECT_EQ(result.count(202), 10000u);
  EXPECT_EQ(result.errors, 0u);
  EXPECT_EQ(server.stop(SIGTERM), 0);
  std::string err = server.stderr_text();
  auto at = err.find(R"("site_view":{"received":10000,"ok":10000,)");
  EXPECT_NE(at, std::string::npos) << err;
  EXPECT_NE(err.find(R"("pending":0})", at), std::string::npos) << err;
}

}  // namespace
