// The answer semantics table over real HTTP, with handlers written for the test: a
// Runtime and a net::Server in this process, a Beast client on loopback.
#include <atomic>

#include <gtest/gtest.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

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

}  // namespace
