// The answer semantics table over real HTTP, with handlers written for the test: a
// Runtime and a net::Server in this process, a Beast client on loopback.
#include <strings.h>

#include <atomic>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <gbrt/net/server.hpp>

#include "support/fixtures.hpp"
#include "support/http_client.hpp"

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;
using gbrt::Context;
using gbrt::ExposableError;
using gbrt::runtime::ComponentResponse;
using gbrt::test::dispatcher_form;
using gbrt::test::fixture;
using gbrt::test::HttpClient;

class InProcessServer : public ::testing::Test {
 protected:
  InProcessServer() : runtime_(gbrt::runtime::RuntimeOptions{.threads = 2}) {
    runtime_.on<ev::SpaceVisibilityUpdated>(
        [](const ev::SpaceVisibilityUpdated& e, Context&) -> asio::awaitable<void> {
          if (e.visibility == ev::Visibility::share_link)
            throw ExposableError("no share links", 403);
          co_return;
        });
    runtime_.on<ev::SpaceGitSyncCompleted>(
        [](const ev::SpaceGitSyncCompleted&, Context&) -> asio::awaitable<void> {
          throw std::logic_error("internal detail /home/secret/path");
          co_return;
        });
    for (int i = 0; i < 3; ++i) {
      runtime_.on<ev::SpaceGitSyncStarted>(
          [this](const ev::SpaceGitSyncStarted&, Context& c) -> asio::awaitable<void> {
            // A rendezvous: only handlers running at the same time all see three started
            // (run one after another, the first gives up after its 5 s).
            ++gitsync_handlers_started_;
            asio::steady_timer pause(c.executor());
            for (int i = 0; i < 2500 && gitsync_handlers_started_.load() < 3; ++i) {
              pause.expires_after(std::chrono::milliseconds(2));
              co_await pause.async_wait(asio::use_awaitable);
            }
            if (gitsync_handlers_started_.load() == 3) ++gitsync_handlers_met_;
            ++gitsync_handlers_done_;
          });
    }
    runtime_.on<ev::InstallationSetup>(
        [this](const ev::InstallationSetup&, Context& c) -> asio::awaitable<void> {
          if (c.environment() != nullptr) {
            environment_name_ =
                std::string(c.environment()->integration["name"].get_string().value_or("?"));
          }
          co_return;
        });
    runtime_.component(
        "embed-block", [](const ev::UiRender& e, Context&) -> asio::awaitable<ComponentResponse> {
          if (e.action) co_return ComponentResponse::complete(e.action->raw());
          auto response =
              ComponentResponse::element(R"({"type":"text","text":"embed"})", "{}", e.props.raw());
          response.cache_max_age = std::chrono::seconds(86400);
          co_return response;
        });
    runtime_.fetch([](const ev::Fetch&, Context&) -> asio::awaitable<gbrt::runtime::Response> {
      co_return gbrt::runtime::Response::text("cookies")
          .add_header("Set-Cookie", "a=1; Path=/")
          .add_header("Set-Cookie", "b=2, c=3; HttpOnly")
          .add_header("Vary", "Cookie");
    });
    runtime_.start();
    server_.start();
  }
  ~InProcessServer() override {
    server_.stop();
    runtime_.shutdown(std::chrono::seconds(1));
  }

  gbrt::Runtime runtime_;
  gbrt::net::Server server_{runtime_, gbrt::net::ServerOptions{.port = 0}};
  std::atomic<int> gitsync_handlers_started_{0};
  std::atomic<int> gitsync_handlers_met_{0};
  std::atomic<int> gitsync_handlers_done_{0};
  std::string environment_name_;
};

TEST_F(InProcessServer, ExposableErrorKeepsItsCode) {
  HttpClient client(server_.port());
  auto res = client.post_json("/v1", fixture("space_visibility_updated-1.json"));  // share-link
  EXPECT_EQ(res.status, 403u);
  EXPECT_EQ(res.body, R"({"error":"no share links"})");
  EXPECT_EQ(client.post_json("/v1", fixture("space_visibility_updated-3.json")).status, 200u);
}

TEST_F(InProcessServer, OtherFailuresAre500WithoutInternals) {
  HttpClient client(server_.port());
  auto res = client.post_json("/v1", fixture("space_gitsync_completed-1.json"));
  EXPECT_EQ(res.status, 500u);
  EXPECT_EQ(res.body, R"({"error":"Internal server error"})");
}

TEST_F(InProcessServer, TheAnswerWaitsForEveryHandler) {
  HttpClient client(server_.port());
  EXPECT_EQ(client.post_json("/v1", fixture("space_gitsync_started-2.json")).status, 200u);
  EXPECT_EQ(gitsync_handlers_done_.load(), 3);
  EXPECT_EQ(gitsync_handlers_met_.load(), 3) << "the handlers ran one after another";
}

TEST_F(InProcessServer, DispatcherFormatGivesHandlersTheEnvironment) {
  HttpClient client(server_.port());
  auto [ct, body] =
      dispatcher_form(fixture("installation_setup-2.json"), fixture("environment.json"));
  EXPECT_EQ(client.request("POST", "/v1", body, ct).status, 200u);
  EXPECT_EQ(environment_name_, "space-analytics");
}

TEST_F(InProcessServer, ComponentsAnswerContentKitWithCacheControl) {
  HttpClient client(server_.port());
  auto element = client.post_json("/v1", fixture("ui_render-2.json"));
  EXPECT_EQ(element.status, 200u);
  EXPECT_EQ(element.header("cache-control"), "max-age=86400");
  EXPECT_EQ(element.body.rfind(R"({"type":"element","state":{},"props":{"spaceId")", 0), 0u)
      << element.body;
  auto action = client.post_json("/v1", fixture("ui_render-1.json"));  // has an action
  EXPECT_EQ(action.status, 200u);
  EXPECT_EQ(action.body,
            R"({"type":"complete","returnValue":{"action": "@ui.modal.open", "value": 4}})");
}

TEST_F(InProcessServer, UnhandledTypesAndUnknownComponents) {
  HttpClient client(server_.port());
  auto type = client.post_json("/", fixture("site_view-1.json"));
  EXPECT_EQ(type.status, 406u);
  EXPECT_EQ(type.body, R"({"error":"Integration does not handle \"site_view\" events"})");
  auto component = client.post_json("/", fixture("ui_render-3.json"));
  EXPECT_EQ(component.status, 404u);
  EXPECT_EQ(component.body, R"({"error":"Component view-counter not found"})");
}

// What arrives on the socket: the response's header lines, unparsed.
std::vector<std::string> raw_header_lines(std::uint16_t port, const std::string& request) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(socket, asio::buffer(request));
  asio::streambuf buffer;
  asio::read_until(socket, buffer, "\r\n\r\n");
  std::string head(asio::buffers_begin(buffer.data()), asio::buffers_end(buffer.data()));
  head.resize(head.find("\r\n\r\n"));
  std::vector<std::string> lines;
  for (std::size_t start = 0; start <= head.size();) {
    std::size_t end = std::min(head.find("\r\n", start), head.size());
    lines.push_back(head.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

// A handler's repeated headers go out as one line each, in order, never folded into one.
TEST_F(InProcessServer, RepeatedResponseHeadersArriveAsSeparateLines) {
  const std::string event = fixture("fetch-1.json");
  auto lines =
      raw_header_lines(server_.port(),
                       "POST /v1 HTTP/1.1\r\nHost: x\r\n"
                       "Content-Type: application/json\r\n"
                       "Content-Length: " +
                           std::to_string(event.size()) + "\r\nConnection: close\r\n\r\n" + event);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front(), "HTTP/1.1 200 OK");
  std::vector<std::string> cookies;
  for (const std::string& line : lines) {
    if (line.size() >= 11 && strncasecmp(line.c_str(), "Set-Cookie:", 11) == 0) {
      cookies.push_back(line);
    }
  }
  EXPECT_EQ(cookies, (std::vector<std::string>{"Set-Cookie: a=1; Path=/",
                                               "Set-Cookie: b=2, c=3; HttpOnly"}));
}

}  // namespace
