// gbrt::http::Client against a real server: tests/support/http_test_server.mjs run by Node,
// over HTTPS with a CA made for the run, and over plain HTTP.
#include <gbrt/http/client.hpp>

#include <chrono>
#include <future>
#include <optional>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/json/parse.hpp>

#include <gbrt/net/server.hpp>

#include "support/async.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/node_server.hpp"
#include "support/test_ca.hpp"

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;
using gbrt::http::Client;
using gbrt::http::Method;
using gbrt::http::Reply;
using gbrt::http::Request;
using gbrt::test::NodeServer;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class HttpClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = gbrt::test::make_test_ca();
    tls_server_.emplace("http_test_server.mjs", std::vector<std::string>{"--cert", ca_.server_cert,
                                                                         "--key", ca_.server_key});
    plain_server_.emplace("http_test_server.mjs");
  }
  static void TearDownTestSuite() {
    tls_server_.reset();
    plain_server_.reset();
    gbrt::test::remove_test_ca(ca_);
  }

  static std::string https(const std::string& target) {
    return "https://localhost:" + std::to_string(tls_server_->port()) + target;
  }
  static std::string plain(const std::string& target) {
    return "http://127.0.0.1:" + std::to_string(plain_server_->port()) + target;
  }
  gbrt::http::ClientOptions trusting() const { return {.ca_file = ca_.ca_file}; }

  Reply send(Client& client, Request request) {
    auto reply = asio::co_spawn(io_, client.send(std::move(request)), asio::use_future);
    io_.restart();
    io_.run();
    return reply.get();
  }

  asio::io_context io_;
  static inline gbrt::test::TestCa ca_;
  static inline std::optional<NodeServer> tls_server_;
  static inline std::optional<NodeServer> plain_server_;
};

TEST_F(HttpClientTest, HttpsCallWithTheTestCa) {
  Client client(io_.get_executor(), trusting());
  auto reply = send(client, {.method = Method::post,
                             .url = https("/echo?a=1"),
                             .headers = {{"Content-Type", "application/json"}},
                             .body = R"({"x":1})"});
  ASSERT_FALSE(reply.error) << reply.error.message();
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.attempts, 1);
  auto echo = boost::json::parse(reply.body).as_object();
  EXPECT_EQ(echo["method"], "POST");
  EXPECT_EQ(echo["url"], "/echo?a=1");
  EXPECT_EQ(echo["body"], R"({"x":1})");
  EXPECT_EQ(echo["headers"].as_object()["host"].as_string(),
            "localhost:" + std::to_string(tls_server_->port()));
  EXPECT_EQ(echo["headers"].as_object()["user-agent"], "gbrt");
  EXPECT_EQ(reply.header("content-type"), "application/json");
}

TEST_F(HttpClientTest, ACertificateForAnotherNameIsRefused) {
  Client client(io_.get_executor(), trusting());
  // The certificate names localhost only.
  auto reply =
      send(client, {.url = "https://127.0.0.1:" + std::to_string(tls_server_->port()) + "/echo"});
  EXPECT_EQ(reply.status, 0u);
  EXPECT_EQ(reply.error.category(), asio::error::get_ssl_category()) << reply.error.message();
  EXPECT_EQ(reply.attempts, 1);  // the same certificate would come back: not retried
}

TEST_F(HttpClientTest, AnUnknownAuthorityIsRefused) {
  Client client(io_.get_executor());  // the system's CAs only
  auto reply = send(client, {.url = https("/echo")});
  EXPECT_EQ(reply.status, 0u);
  EXPECT_TRUE(reply.error);
}

TEST_F(HttpClientTest, TheCallEndsAtItsDeadline) {
  Client client(io_.get_executor(), trusting());
  const auto closed_before = tls_server_->stat("closed");
  const auto start = Clock::now();
  auto reply = send(client, {.url = https("/slow"), .timeout = milliseconds(300)});
  const auto took = Clock::now() - start;
  EXPECT_EQ(reply.error, boost::beast::error::timeout) << reply.error.message();
  EXPECT_EQ(reply.attempts, 1);
  EXPECT_GE(took, milliseconds(300));
  EXPECT_LT(took, std::chrono::seconds(5));
  // The connection is closed, not left waiting on the server.
  EXPECT_TRUE(gbrt::test::wait_for([&] { return tls_server_->stat("closed") > closed_before; }));
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST_F(HttpClientTest, KeepAliveConnectionsAreReused) {
  Client client(io_.get_executor(), trusting());
  const auto accepted_before = tls_server_->stat("accepted");
  for (int i = 0; i < 5; ++i) {
    auto reply = send(client, {.url = https("/echo")});
    ASSERT_EQ(reply.status, 200u) << reply.error.message();
  }
  EXPECT_EQ(tls_server_->stat("accepted") - accepted_before, 1);
  EXPECT_EQ(client.connections_opened(), 1u);
  EXPECT_EQ(client.idle_connections(), 1u);
}

TEST_F(HttpClientTest, AConnectionTheServerClosedIsNotReused) {
  Client client(io_.get_executor());
  const auto accepted_before = plain_server_->stat("accepted");
  EXPECT_EQ(send(client, {.url = plain("/close")}).status, 200u);
  EXPECT_EQ(client.idle_connections(), 0u);  // Connection: close
  EXPECT_EQ(send(client, {.url = plain("/echo")}).status, 200u);
  EXPECT_EQ(send(client, {.url = plain("/echo")}).status, 200u);
  EXPECT_EQ(plain_server_->stat("accepted") - accepted_before, 2);
}

TEST_F(HttpClientTest, IdempotentCallsAreRetriedOnA5xx) {
  Client client(io_.get_executor(), {.first_backoff = milliseconds(10)});
  auto get = send(client, {.url = plain("/flaky?key=get503&fail=2&code=503")});
  EXPECT_EQ(get.status, 200u);
  EXPECT_EQ(get.attempts, 3);
  // A POST may have been acted on: its 503 is the answer.
  auto post = send(client, {.method = Method::post, .url = plain("/flaky?key=post503&fail=1")});
  EXPECT_EQ(post.status, 503u);
  EXPECT_EQ(post.attempts, 1);
  // Unless the caller knows it is safe.
  auto safe = send(
      client,
      {.method = Method::patch, .url = plain("/flaky?key=patch503&fail=1"), .idempotent = true});
  EXPECT_EQ(safe.status, 200u);
  EXPECT_EQ(safe.attempts, 2);
  // Attempts run out: the last answer stands.
  auto out = send(client, {.url = plain("/flaky?key=many&fail=9&code=502"), .max_attempts = 2});
  EXPECT_EQ(out.status, 502u);
  EXPECT_EQ(out.attempts, 2);
}

TEST_F(HttpClientTest, A429IsRetriedForAnyMethodAfterRetryAfter) {
  Client client(io_.get_executor(), {.first_backoff = milliseconds(1)});
  const auto start = Clock::now();
  auto post = send(client, {.method = Method::post,
                            .url = plain("/flaky?key=post429&fail=1&code=429&retry_after=1")});
  EXPECT_EQ(post.status, 200u);
  EXPECT_EQ(post.attempts, 2);
  EXPECT_GE(Clock::now() - start, milliseconds(1000));
  // A Retry-After past the call's deadline: not waited for.
  auto late = send(client, {.url = plain("/flaky?key=late429&fail=1&code=429&retry_after=60"),
                            .timeout = milliseconds(2000)});
  EXPECT_EQ(late.status, 429u);
  EXPECT_EQ(late.attempts, 1);
}

TEST_F(HttpClientTest, ARefusedConnectionIsRetriedThenReported) {
  // A port nothing listens on: take one and close it.
  std::uint16_t port;
  {
    asio::ip::tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
    port = acceptor.local_endpoint().port();
  }
  Client client(io_.get_executor(), {.first_backoff = milliseconds(1)});
  auto reply = send(
      client, {.method = Method::post, .url = "http://127.0.0.1:" + std::to_string(port) + "/"});
  EXPECT_EQ(reply.error, asio::error::connection_refused) << reply.error.message();
  EXPECT_EQ(reply.attempts, 3);  // never reached a server: safe even for a POST
}

TEST_F(HttpClientTest, ABodyOverTheLimitFails) {
  Client client(io_.get_executor(), {.max_response_bytes = 1000});
  EXPECT_EQ(send(client, {.url = plain("/big?bytes=1000")}).status, 200u);
  auto reply = send(client, {.url = plain("/big?bytes=1001")});
  EXPECT_EQ(reply.error, boost::beast::http::error::body_limit);
  EXPECT_EQ(reply.attempts, 1);
}

TEST_F(HttpClientTest, ABadUrlIsAnErrorValue) {
  Client client(io_.get_executor());
  EXPECT_EQ(send(client, {.url = "ftp://example.com/"}).error, asio::error::invalid_argument);
}

// A handler that calls out, in a gbrt server answering over HTTP.
struct CallingServer {
  CallingServer(gbrt::http::ClientOptions http, milliseconds deadline, std::string url)
      : runtime(gbrt::runtime::RuntimeOptions{
            .threads = 1, .deadline = deadline, .http = std::move(http)}) {
    runtime.on<ev::SiteView>(
        [this, url](const ev::SiteView&, gbrt::Context& ctx) -> asio::awaitable<void> {
          gbrt::http::Request request{.url = url};
          auto reply = co_await ctx.http().send(std::move(request));
          if (!reply.ok()) throw gbrt::ExposableError("call failed", 502);
          calls_done.fetch_add(1);
        });
    runtime.on<ev::PageFeedback>(
        [](const ev::PageFeedback&, gbrt::Context&) -> asio::awaitable<void> { co_return; });
    server.emplace(runtime, gbrt::net::ServerOptions{.host = "127.0.0.1", .port = 0});
    runtime.start();
    server->start();
  }
  ~CallingServer() {
    server->stop();
    runtime.shutdown(std::chrono::seconds(1));
  }
  std::atomic<int> calls_done{0};
  gbrt::Runtime runtime;
  std::optional<gbrt::net::Server> server;
};

TEST_F(HttpClientTest, TheHandlersDeadlineCancelsItsCall) {
  CallingServer app(trusting(), milliseconds(400), https("/slow"));
  const auto waiting_before = tls_server_->stat("waiting");
  gbrt::test::HttpClient client(app.server->port());
  const auto start = Clock::now();
  auto answer = client.post_json("/", gbrt::test::fixture("site_view-1.json"));
  EXPECT_EQ(answer.status, 504u);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  // The call itself was cancelled: the server sees its request go away.
  EXPECT_TRUE(gbrt::test::wait_for([&] { return tls_server_->stat("waiting") <= waiting_before; }));
  EXPECT_EQ(app.calls_done.load(), 0);
}

TEST_F(HttpClientTest, ASlowServerDoesNotStallTheShard) {
  // One shard; its only handler that calls out waits on a server that answers in 3 s.
  CallingServer app(trusting(), milliseconds(8000), https("/slow?ms=3000"));
  const auto waiting_before = tls_server_->stat("waiting");
  auto slow = std::async(std::launch::async, [&] {
    gbrt::test::HttpClient client(app.server->port());
    return client.post_json("/", gbrt::test::fixture("site_view-1.json")).status;
  });
  ASSERT_TRUE(gbrt::test::wait_for([&] { return tls_server_->stat("waiting") > waiting_before; }));
  // Meanwhile the same shard answers other events at once.
  gbrt::test::HttpClient client(app.server->port());
  for (int i = 0; i < 20; ++i) {
    const auto start = Clock::now();
    EXPECT_EQ(client.post_json("/", gbrt::test::fixture("page_feedback-1.json")).status, 200u);
    EXPECT_LT(Clock::now() - start, milliseconds(1000));
  }
  EXPECT_EQ(slow.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  EXPECT_EQ(app.calls_done.load(), 0);
  EXPECT_EQ(slow.get(), 200u);
  EXPECT_EQ(app.calls_done.load(), 1);
}

TEST_F(HttpClientTest, ADeadServerDoesNotStallTheShard) {
  std::uint16_t port;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = acceptor.local_endpoint().port();
  }
  CallingServer app({.first_backoff = milliseconds(200)}, milliseconds(8000),
                    "http://127.0.0.1:" + std::to_string(port) + "/");
  gbrt::test::HttpClient client(app.server->port());
  auto answer = client.post_json("/", gbrt::test::fixture("site_view-1.json"));
  EXPECT_EQ(answer.status, 502u);  // the handler's own answer to a failed call
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(client.post_json("/", gbrt::test::fixture("page_feedback-1.json")).status, 200u);
  }
}

}  // namespace
