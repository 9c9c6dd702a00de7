// gbrt-server as a user runs it: a child process on an ephemeral loopback port, spoken to
// over real TCP with Beast.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <gbrt/net/signature.hpp>

#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/tcp_segments.hpp"

namespace {

using gbrt::test::dispatcher_form;
using gbrt::test::fixture;
using gbrt::test::fixture_files;
using gbrt::test::HttpClient;
using gbrt::test::metric_value;
using gbrt::test::ServerProcess;

std::int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ui_render fixtures name components the example server may not have.

class GbrtServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServerProcess({"--threads", "2"}); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static ServerProcess* server_;
  HttpClient client_{server_->port()};
};
ServerProcess* GbrtServer::server_ = nullptr;

// The default server handles every fixture (no error in the demo): its example handlers cover
// every type and both components the fixtures render (view-counter, embed-block).
TEST_F(GbrtServer, EveryFixtureOverTheWebhookFormat) {
  for (const auto& path : fixture_files(".json")) {
    std::string name = path.filename().string();
    if (name == "environment.json") continue;
    auto res = client_.post_json("/", gbrt::test::read_file(path));
    // Visitor authentication redirects; fetch, scripts, content sources answer themselves.
    const bool redirects = name.starts_with("fetch_visitor_authentication");
    EXPECT_EQ(res.status, redirects ? 302u : 200u) << name << ": " << res.body;
    const bool plain = !name.starts_with("ui_render") && !name.starts_with("fetch") &&
                       !name.starts_with("content_compute");
    if (res.status == 200 && plain) {
      EXPECT_EQ(res.body, "OK") << name;
    }
  }
}

TEST_F(GbrtServer, EveryFixtureOverTheDispatcherFormat) {
  std::string environment = fixture("environment.json");
  for (const auto& path : fixture_files(".json")) {
    std::string name = path.filename().string();
    if (name == "environment.json") continue;
    auto [content_type, body] = dispatcher_form(gbrt::test::read_file(path), environment);
    auto res = client_.request("POST", "/v1", body, content_type);
    const bool redirects = name.starts_with("fetch_visitor_authentication");
    EXPECT_EQ(res.status, redirects ? 302u : 200u) << name << ": " << res.body;
  }
}

TEST_F(GbrtServer, ViewCounterComponentCountsPageViewsOfItsSpace) {
  // A fresh space id so that other tests' views do not count.
  std::string view = fixture("space_view-1.json");
  const std::string old_space = "I60sJqTEugnPucbaY7sU", new_space = "counterTestSpace0001";
  view.replace(view.find(old_space), old_space.size(), new_space);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(client_.post_json("/v1", view).status, 200u);
  std::string render = fixture("ui_render-3.json");
  const std::string render_space = "69PwZE0Sp7ZNpgJ8w3kh";
  for (auto at = render.find(render_space); at != std::string::npos;
       at = render.find(render_space)) {
    render.replace(at, render_space.size(), new_space);
  }
  auto res = client_.post_json("/v1", render);
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.header("content-type"), "application/json");
  EXPECT_NE(res.body.find(R"("type":"element")"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find(R"({"type":"text","children":"3 page views"})"), std::string::npos)
      << res.body;
}

TEST_F(GbrtServer, AnswersFollowGitBooksSemanticsAndNameTheProblem) {
  auto unhandled =
      client_.post_json("/", R"({"type":"integration_event","eventId":"e","installationId":"i"})");
  EXPECT_EQ(unhandled.status, 406u);
  EXPECT_EQ(unhandled.body,
            R"({"error":"Integration does not handle \"integration_event\" events"})");

  std::string render = fixture("ui_render-2.json");
  render.replace(render.find("embed-block"), 11, "no-such-component");
  auto component = client_.post_json("/", render);
  EXPECT_EQ(component.status, 404u);
  EXPECT_EQ(component.body, R"({"error":"Component no-such-component not found"})");

  // The example component's own ExposableError (no space to count).
  auto exposable = client_.post_json(
      "/", R"({"type":"ui_render","eventId":"e","installationId":"i","componentId":"view-counter",)"
           R"("props":{},"context":{"type":"configuration_account","theme":"dark"}})");
  EXPECT_EQ(exposable.status, 400u);
  EXPECT_EQ(exposable.body, R"({"error":"view-counter needs a spaceId"})");

  auto version = client_.post_json("/v2", fixture("space_view-1.json"));
  EXPECT_EQ(version.status, 400u);
  EXPECT_EQ(version.body, R"({"error":"Unsupported version v2"})");

  auto media =
      client_.request("POST", "/v1", "type=space_view", "application/x-www-form-urlencoded");
  EXPECT_EQ(media.status, 415u);
  EXPECT_NE(media.body.find("application/x-www-form-urlencoded"), std::string::npos);

  auto method = client_.get("/v1");
  EXPECT_EQ(method.status, 405u);
  EXPECT_EQ(method.header("allow"), "POST");

  auto path = client_.post_json("/elsewhere", "{}");
  EXPECT_EQ(path.status, 404u);
  EXPECT_EQ(path.header("content-type"), "application/json");

  auto health = client_.get("/healthz");
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(health.body, R"({"status":"ok"})");
}

TEST_F(GbrtServer, EveryBadFixtureIs400WithAJsonErrorAndTheServerStaysUp) {
  for (const auto& path : fixture_files(".bad", "bad")) {
    auto res = client_.post_json("/v1", gbrt::test::read_file(path));
    EXPECT_EQ(res.status, 400u) << path.filename();
    EXPECT_EQ(res.body.rfind(R"({"error":")", 0), 0u) << res.body;
    EXPECT_NE(res.body.find(R"("offset":)"), std::string::npos) << res.body;
  }
  auto missing = client_.post_json("/v1", fixture("bad/url-missing.bad"));
  EXPECT_NE(missing.body.find(R"("field":"url","expected":"string")"), std::string::npos)
      << missing.body;
  auto [ct, body] =
      dispatcher_form(fixture("bad/visitor-wrong-type.bad"), fixture("environment.json"));
  auto in_form = client_.request("POST", "/v1", body, ct);
  EXPECT_EQ(in_form.status, 400u);
  EXPECT_NE(in_form.body.find(R"("field":"visitor","expected":"object")"), std::string::npos);
  auto [ct2, body2] = dispatcher_form(fixture("space_view-1.json"), "{\"apiEndpoint\":1}");
  auto bad_env = client_.request("POST", "/v1", body2, ct2);
  EXPECT_EQ(bad_env.status, 400u);
  EXPECT_NE(bad_env.body.find("environment"), std::string::npos) << bad_env.body;
  EXPECT_EQ(client_.post_json("/v1", fixture("space_view-1.json")).status, 200u);
}

// Error bodies are valid JSON whatever the input bytes, repeat at most 200 bytes of them,
// and show no internals.
TEST_F(GbrtServer, ErrorBodiesAreShortValidJsonWhateverTheInput) {
  std::string hostile = "\"\\\xff\xfe\xc3(\x01\x7f</script>";
  for (int i = 0; i < 9; ++i) hostile += hostile;  // ~8 KiB
  std::string path = "/";
  for (char c : hostile) {  // percent-free raw bytes are not allowed in a target: encode a few
    path += (c == ' ' || c == '\r' || c == '\n' || static_cast<unsigned char>(c) < 0x21) ? 'x' : c;
  }
  std::vector<gbrt::test::HttpResponse> answers;
  answers.push_back(HttpClient(server_->port()).post_json(path.substr(0, 4000), "{}"));
  answers.push_back(
      HttpClient(server_->port()).request("POST", "/v1", "{}", "text/" + path.substr(1, 3000)));
  std::string type =
      R"({"type":")" + std::string(3000, 'q') + R"(\u00e9","eventId":"e","installationId":"i"})";
  answers.push_back(client_.post_json("/v1", type));
  std::string component =
      R"({"type":"ui_render","eventId":"e","installationId":"i","componentId":")" +
      std::string(3000, 'c') + R"(","props":{},"context":{}})";
  answers.push_back(client_.post_json("/v1", component));
  answers.push_back(
      client_.post_json("/v1", "{\"type\":\"space_view\",\"eventId\":" + hostile + "}"));
  for (const auto& res : answers) {
    EXPECT_GE(res.status, 400u);
    EXPECT_TRUE(gbrt::test::is_valid_json(res.body)) << res.body;
    EXPECT_LE(res.body.size(), 420u) << res.body;
    EXPECT_EQ(res.body.find(".cpp"), std::string::npos);
    EXPECT_EQ(res.body.find("/work"), std::string::npos);
  }
}

TEST_F(GbrtServer, BodyOverTheLimitIs413AndMalformedHttpIs400) {
  std::string huge(2u << 20, ' ');
  huge.front() = '{';
  huge.back() = '}';
  auto res = client_.post_json("/v1", huge);
  EXPECT_EQ(res.status, 413u);
  EXPECT_NE(res.body.find("1048576"), std::string::npos);

  HttpClient raw(server_->port());
  auto bad = raw.raw("POST /v1 HTTP/1.1\r\nContent-Length: nope\r\n\r\n");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.body.rfind(R"({"error":"Malformed HTTP request)", 0), 0u) << bad.body;
  EXPECT_TRUE(HttpClient(server_->port()).get("/healthz").status == 200u);
}

TEST_F(GbrtServer, KeepAliveServesManyRequestsOnOneConnection) {
  std::string body = fixture("site_view-2.json");
  for (int i = 0; i < 1000; ++i) {
    auto res = client_.post_json("/v1", body);
    ASSERT_EQ(res.status, 200u);
    ASSERT_TRUE(res.keep_alive);
  }
}

TEST_F(GbrtServer, TwentyThousandConcurrentEventsAreAllAnsweredAndCounted) {
  HttpClient scrape(server_->port());
  std::string before = scrape.get("/metrics").body;
  double received_before =
      metric_value(before, R"(gbrt_events_received_total{type="space_content_updated"})");
  double ok_before = metric_value(
      before, R"(gbrt_events_handled_total{type="space_content_updated",outcome="ok"})");

  constexpr int kConnections = 32, kPerConnection = 625;  // 20,000 events
  std::string body = fixture("space_content_updated-2.json");
  std::atomic<int> answered_ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kConnections; ++c) {
    clients.emplace_back([&] {
      try {
        HttpClient client(server_->port());
        for (int i = 0; i < kPerConnection; ++i) {
          if (client.post_json("/v1", body).status == 200) {
            ++answered_ok;
          } else {
            ++failed;
          }
        }
      } catch (const std::exception&) {
        ++failed;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(answered_ok.load(), kConnections * kPerConnection);
  EXPECT_EQ(failed.load(), 0);

  std::string after = scrape.get("/metrics").body;
  EXPECT_EQ(metric_value(after, R"(gbrt_events_received_total{type="space_content_updated"})") -
                received_before,
            20000);
  EXPECT_EQ(metric_value(
                after, R"(gbrt_events_handled_total{type="space_content_updated",outcome="ok"})") -
                ok_before,
            20000);
  EXPECT_GE(metric_value(after, R"(gbrt_example_events_seen_total{type="space_content_updated"})"),
            20000);
}

// The header of a POST of `body` to /v1 that asks for "100 Continue".
std::string expecting_continue(std::string_view version, const std::string& body) {
  return "POST /v1 " + std::string(version) +
         "\r\nHost: t\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n";
}

TEST_F(GbrtServer, ExpectContinueGetsA100BeforeTheBody) {
  std::string body = fixture("space_view-2.json");
  HttpClient raw(server_->port());
  auto interim = raw.raw(expecting_continue("HTTP/1.1", body));
  EXPECT_EQ(interim.status, 100u);
  auto final_answer = raw.raw(body);
  EXPECT_EQ(final_answer.status, 200u);
  EXPECT_EQ(final_answer.body, "OK");
}

// RFC 9110 15.2: no 1xx to an HTTP/1.0 client, which waits for no 100 (10.1.1).
TEST_F(GbrtServer, ExpectContinueFromHttp10GetsOnlyTheAnswer) {
  std::string body = fixture("space_view-2.json");
  HttpClient raw(server_->port());
  auto answer = raw.raw(expecting_continue("HTTP/1.0", body) + body);
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.body, "OK");
}

TEST_F(GbrtServer, Http10ClosesUnlessAskedToKeepAlive) {
  std::string body = fixture("space_view-3.json");
  std::string head = "POST / HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n";
  HttpClient keep(server_->port());
  auto first = keep.raw(head + "Connection: keep-alive\r\n\r\n" + body);
  EXPECT_EQ(first.status, 200u);
  EXPECT_TRUE(first.keep_alive);
  HttpClient once(server_->port());
  auto second = once.raw(head + "\r\n" + body);
  EXPECT_EQ(second.status, 200u);
  EXPECT_FALSE(second.keep_alive);
}

// A connection's last answer takes its FIN along: a client of one request per connection
// (GitBook's sender may be one) receives the SYN-ACK, the acknowledgement of its request, and
// the answer with the FIN. A FIN of its own would be a fourth segment, for both ends' kernels.
// The fewest of three connections: a server held up for the kernel's 200 ms probe between the
// answer and the FIN (a loaded machine) sends them apart once, never three times.
TEST_F(GbrtServer, TheLastAnswerCarriesTheFin) {
  namespace asio = boost::asio;
  const std::string body = fixture("space_view-2.json");
  const std::string request =
      "POST /v1 HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  asio::io_context io;
  std::uint32_t fewest = UINT32_MAX;
  for (int i = 0; i < 3; ++i) {
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    asio::write(socket, asio::buffer(request));
    std::string answer;
    boost::system::error_code ec;
    asio::read(socket, asio::dynamic_buffer(answer), ec);
    EXPECT_EQ(ec, asio::error::eof) << ec.message();
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << answer;
    EXPECT_TRUE(answer.ends_with("\r\n\r\nOK")) << answer;
    fewest = std::min(fewest, gbrt::test::segments_received(socket.native_handle()));
  }
  if (fewest == 0) GTEST_SKIP() << "the kernel does not count the segments a socket receives";
  EXPECT_LE(fewest, 3u);
}

// Signatures: a server with secrets from GBRT_SECRET (two: rotation).
TEST(GbrtServerSigned, AcceptsValidSignaturesAndRejectsTheRest) {
  ServerProcess server({"--threads", "1"}, {{"GBRT_SECRET", "old-secret, new-secret"}});
  HttpClient client(server.port());
  std::string body = fixture("site_view-1.json");
  auto signed_with = [&](const std::string& secret, std::int64_t t) {
    return std::map<std::string, std::string>{
        {"X-GitBook-Signature", gbrt::net::sign_webhook(secret, t, body)}};
  };
  EXPECT_EQ(client.post_json("/", body, signed_with("new-secret", now())).status, 200u);
  EXPECT_EQ(client.post_json("/", body, signed_with("old-secret", now() - 60)).status, 200u);

  auto wrong = client.post_json("/", body, signed_with("guess", now()));
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_EQ(wrong.body, R"({"error":"signature does not match"})");
  auto stale = client.post_json("/", body, signed_with("new-secret", now() - 301));
  EXPECT_EQ(stale.status, 401u);
  EXPECT_NE(stale.body.find("tolerance"), std::string::npos);
  auto missing = client.post_json("/", body);
  EXPECT_EQ(missing.status, 401u);
  EXPECT_NE(missing.body.find("missing"), std::string::npos);
  // The signature covers the raw bytes: one changed byte fails.
  auto headers = signed_with("new-secret", now());
  std::string tampered = body;
  tampered[tampered.find("curl")] = 'C';
  EXPECT_EQ(client.post_json("/", tampered, headers).status, 401u);
  // The dispatcher format is signed over its whole multipart body too.
  auto [ct, form] = dispatcher_form(body, fixture("environment.json"));
  EXPECT_EQ(
      client
          .request("POST", "/v1", form, ct,
                   {{"X-GitBook-Signature", gbrt::net::sign_webhook("new-secret", now(), form)}})
          .status,
      200u);
  EXPECT_EQ(server.stderr_text().find("no signing secret"), std::string::npos);
}

// Both channels on one server: signed Webhook JSON, unsigned dispatcher forms (opt-in).
TEST(GbrtServerSigned, UnsignedDispatcherFormsOnlyWhenAllowed) {
  std::string body = fixture("site_view-1.json");
  auto [ct, form] = dispatcher_form(body, fixture("environment.json"));
  ServerProcess strict({"--threads", "1"}, {{"GBRT_SECRET", "s3cret"}});
  EXPECT_EQ(HttpClient(strict.port()).request("POST", "/v1", form, ct).status, 401u);

  ServerProcess both({"--threads", "1", "--unsigned-dispatcher", "true"},
                     {{"GBRT_SECRET", "s3cret"}});
  HttpClient client(both.port());
  EXPECT_EQ(client.request("POST", "/v1", form, ct).status, 200u);
  EXPECT_EQ(client.post_json("/", body).status, 401u);  // JSON must still be signed
  EXPECT_EQ(
      client
          .post_json("/", body,
                     {{"X-GitBook-Signature", gbrt::net::sign_webhook("s3cret", now(), body)}})
          .status,
      200u);
}

TEST(GbrtServerSigned, SecretFileHoldsOneSecretPerLine) {
  auto path = std::filesystem::temp_directory_path() /
              ("gbrt-test-secrets-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(path) << "first\n\n  second  \n";
  ServerProcess server({"--secret-file", path.string()});
  HttpClient client(server.port());
  std::string body = fixture("space_view-3.json");
  auto header = [&](const std::string& secret) {
    return std::map<std::string, std::string>{
        {"X-GitBook-Signature", gbrt::net::sign_webhook(secret, now(), body)}};
  };
  EXPECT_EQ(client.post_json("/", body, header("second")).status, 200u);
  EXPECT_EQ(client.post_json("/", body, header("first")).status, 200u);
  EXPECT_EQ(client.post_json("/", body, header("third")).status, 401u);
  std::filesystem::remove(path);
}

TEST(GbrtServerCommandLine, HelpVersionAndBadFlags) {
  auto [help_status, help] = gbrt::test::run_server_command({"--help"});
  EXPECT_EQ(help_status, 0);
  for (const char* flag : {"--listen", "--threads", "--secret-file", "--max-body", "--version"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(help.find("127.0.0.1:8080"), std::string::npos);
  auto [version_status, version] = gbrt::test::run_server_command({"--version"});
  EXPECT_EQ(version_status, 0);
  EXPECT_EQ(version.rfind("gbrt-server 0.1", 0), 0u);
  EXPECT_EQ(gbrt::test::run_server_command({"--no-such-flag"}).first, 2);
  EXPECT_EQ(gbrt::test::run_server_command({"--listen", "nonsense"}).first, 2);
}

// A secret source that is given but blank is refused at start, the file and the variable
// alike: exit 2 and a message naming the source.
TEST(GbrtServerCommandLine, ABlankSecretIsRefusedAtStart) {
  auto path = std::filesystem::temp_directory_path() /
              ("gbrt-test-blank-secret-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(path) << "\n  \n";
  auto [file_status, file_output] =
      gbrt::test::run_server_command({"--listen", "127.0.0.1:0", "--secret-file", path.string()});
  EXPECT_EQ(file_status, 2) << file_output;
  EXPECT_NE(file_output.find("--secret-file holds no secret"), std::string::npos) << file_output;
  std::filesystem::remove(path);
  for (const char* blank : {"", ",", " , ", " ,\t, "}) {
    auto [status, output] =
        gbrt::test::run_server_command({"--listen", "127.0.0.1:0"}, {{"GBRT_SECRET", blank}});
    EXPECT_EQ(status, 2) << '"' << blank << "\": " << output;
    EXPECT_NE(output.find("GBRT_SECRET holds no secret"), std::string::npos) << output;
    EXPECT_EQ(output.find("listening"), std::string::npos) << output;
  }
}

TEST(GbrtServerCommandLine, WarnsWithoutASecretAndExitsZeroOnSigterm) {
  ServerProcess server;
  EXPECT_EQ(HttpClient(server.port()).get("/healthz").status, 200u);
  EXPECT_EQ(server.stop(SIGTERM), 0);
  EXPECT_NE(server.stderr_text().find("no signing secret"), std::string::npos);
}

}  // namespace
