// OAuth's whole flow over HTTP: fetch events in the dispatcher's format to a gbrt server,
// whose handlers call an OAuth provider's token endpoint and GitBook's API, both played by
// tests/support/gitbook_api_server.mjs (Node).
#include <gbrt/runtime/oauth.hpp>

#include <chrono>
#include <optional>

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gbrt/net/server.hpp>
#include <gbrt/runtime/url.hpp>

#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/node_server.hpp"

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace gbrt::runtime;

constexpr const char* kPrefix =
    "https://integrations.gitbook.com/v1/integrations/space-analytics/installations/inst_o/";

class OAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { api_.emplace("gitbook_api_server.mjs"); }
  static void TearDownTestSuite() { api_.reset(); }

  void SetUp() override {
    api_->control_post("/seed", R"({
      "installations": [{"id": "inst_o", "configuration": {"keep": true}}],
      "spaces": [{"installation": "inst_o", "space": "space_o", "configuration": {"keep": 1}}]})");
    OAuthConfig config{.client_id = "the-client",
                       .client_secret = "the-secret",
                       .authorize_url = "https://provider.example/authorize",
                       .access_token_url = api_url("/oauth/token"),
                       .scopes = {"read", "write"}};
    token_config_ = config;
    Router router;
    router.get("/oauth", oauth_handler(config));
    router.get("/oauth-merge", oauth_handler(config, {.replace = false}));
    router.get(
        "/token", [this](const FetchRequest&, gbrt::Context& ctx) -> asio::awaitable<Response> {
          auto credentials = json::parse(ctx.environment()->installation_configuration().raw())
                                 .as_object()["oauth_credentials"]
                                 .as_object();
          auto token = co_await oauth_token(std::move(credentials), token_config_, ctx);
          co_return Response::text(token);
        });
    runtime_.fetch(std::move(router));
    server_.emplace(runtime_, gbrt::net::ServerOptions{.host = "127.0.0.1", .port = 0});
    runtime_.start();
    server_->start();
  }
  void TearDown() override {
    server_->stop();
    runtime_.shutdown(std::chrono::seconds(1));
  }

  static std::string api_url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(api_->port()) + path;
  }
  // The dispatcher's environment for installation inst_o; `configuration` its configuration.
  static std::string environment(bool space, std::string configuration = "{}") {
    auto env = json::parse(gbrt::test::read_file(gbrt::test::fixtures_dir() / "environment.json"))
                   .as_object();
    env["apiEndpoint"] = api_url("");
    env["installation"] =
        json::parse(R"({"id":"inst_o","status":"active","configuration":)" + configuration + "}");
    if (space) {
      env["spaceInstallation"] = json::parse(R"({"space":"space_o","configuration":{}})");
    } else {
      env.erase("spaceInstallation");
    }
    return json::serialize(env);
  }
  // A fetch event for `path_and_query` under the installation's URL, over HTTP.
  gbrt::test::HttpResponse fetch(const std::string& path_and_query, const std::string& env) {
    auto event = json::parse(gbrt::test::fixture("fetch-1.json")).as_object();
    event["request"].as_object()["method"] = "get";
    event["request"].as_object()["url"] = std::string(kPrefix) + path_and_query;
    auto [type, body] = gbrt::test::dispatcher_form(json::serialize(event), env);
    gbrt::test::HttpClient client(server_->port());
    return client.request("POST", "/", body, type);
  }
  static json::object stored_installation() {
    return api_->control("/store").as_object()["installations"].as_object()["inst_o"].as_object();
  }

  OAuthConfig token_config_;
  gbrt::Runtime runtime_{gbrt::runtime::RuntimeOptions{.threads = 1}};
  std::optional<gbrt::net::Server> server_;
  static inline std::optional<gbrt::test::NodeServer> api_;
};

TEST_F(OAuthTest, RedirectsToTheProviderWithGitBooksState) {
  auto answer = fetch("oauth", environment(false));
  EXPECT_EQ(answer.status, 302u);
  EXPECT_EQ(answer.header("location"),
            "https://provider.example/authorize?client_id=the-client&redirect_uri=" +
                encode_uri_component(std::string(kPrefix) + "oauth") +
                "&response_type=code&state=%7B%22installationId%22%3A%22inst_o%22%7D"
                "&scope=read%20write");
  // From a space installation, the state says which space.
  auto from_space = fetch("oauth", environment(true));
  EXPECT_NE(from_space.header("location")
                .find("state=%7B%22installationId%22%3A%22inst_o%22%2C%22"
                      "spaceId%22%3A%22space_o%22%7D"),
            std::string::npos)
      << from_space.header("location");
}

TEST_F(OAuthTest, WithoutAnInstallationTheFlowCannotStart) {
  auto env = json::parse(environment(false)).as_object();
  env.erase("installation");
  auto answer = fetch("oauth", json::serialize(env));
  EXPECT_EQ(answer.status, 400u);
  EXPECT_EQ(answer.body, R"({"error":"Cannot initiate OAuth flow without an installation"})");
}

TEST_F(OAuthTest, TheCallbackExchangesTheCodeAndReplacesTheConfiguration) {
  const auto before = std::chrono::system_clock::now();
  auto answer = fetch("oauth?code=c1-expires-3600&state=%7B%22installationId%22%3A%22inst_o%22%7D",
                      environment(false));
  EXPECT_EQ(answer.status, 200u) << answer.body;
  EXPECT_EQ(answer.header("content-type"), "text/html");
  EXPECT_NE(answer.body.find("You can close this window now."), std::string::npos);

  auto configuration = stored_installation()["configuration"].as_object();
  EXPECT_FALSE(configuration.contains("keep"));  // replaced
  auto credentials = configuration["oauth_credentials"].as_object();
  EXPECT_TRUE(credentials["access_token"].as_string().starts_with("access-"));
  EXPECT_TRUE(credentials["refresh_token"].as_string().starts_with("refresh-"));
  const auto expires_at = credentials["expires_at"].to_number<std::int64_t>();
  const auto in_an_hour = std::chrono::duration_cast<std::chrono::milliseconds>(
                              (before + std::chrono::hours(1)).time_since_epoch())
                              .count();
  EXPECT_GE(expires_at, in_an_hour);
  EXPECT_LT(expires_at, in_an_hour + 60000);

  // What the provider got: the code, the client's credentials, the same redirect_uri.
  auto log = api_->control("/log").as_array();
  json::object exchange;
  for (auto& entry : log) {
    if (entry.as_object()["path"] == "/oauth/token") exchange = entry.as_object();
  }
  EXPECT_EQ(exchange["content_type"], "application/x-www-form-urlencoded");
  EXPECT_EQ(exchange["body"].as_string(),
            "client_id=the-client&client_secret=the-secret&code=c1-expires-3600&redirect_uri=" +
                std::string("https%3A%2F%2Fintegrations.gitbook.com%2Fv1%2Fintegrations%2Fspace-"
                            "analytics%2Finstallations%2Finst_o%2Foauth") +
                "&grant_type=authorization_code");
}

TEST_F(OAuthTest, MergeKeepsTheConfigurationAndAStateWithASpaceUpdatesTheSpace) {
  auto answer =
      fetch("oauth-merge?code=c2&state=" +
                encode_uri_component(R"({"installationId":"inst_o","spaceId":"space_o"})"),
            environment(true));
  EXPECT_EQ(answer.status, 200u) << answer.body;
  auto space = api_->control("/store").as_object()["spaces"].as_object()["inst_o/space_o"];
  auto configuration = space.as_object()["configuration"].as_object();
  EXPECT_EQ(configuration["keep"], 1);  // merged
  EXPECT_TRUE(configuration["oauth_credentials"].as_object().contains("access_token"));
  EXPECT_TRUE(stored_installation()["configuration"].as_object().contains("keep"));  // untouched
}

TEST_F(OAuthTest, ATokenIsRefreshedBeforeItExpires) {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  // Valid for another hour: used as it is.
  auto fresh =
      fetch("token", environment(false, R"({"oauth_credentials":{"access_token":"still-good",
      "refresh_token":"r0","expires_at":)" + std::to_string(now_ms + 3600000) +
                                            "}}"));
  EXPECT_EQ(fresh.body, "still-good");

  // Expiring in 5 s: refreshed first, and the new credentials stored.
  auto expiring = fetch("token", environment(false, R"({"other":"kept","oauth_credentials":{
      "access_token":"old","refresh_token":"r1","expires_at":)" +
                                                        std::to_string(now_ms + 5000) + "}}"));
  EXPECT_EQ(expiring.status, 200u) << expiring.body;
  EXPECT_TRUE(expiring.body.starts_with("access-")) << expiring.body;
  auto configuration = stored_installation()["configuration"].as_object();
  EXPECT_EQ(configuration["other"], "kept");
  EXPECT_EQ(configuration["oauth_credentials"].as_object()["access_token"], expiring.body.c_str());
  auto log = api_->control("/log").as_array();
  bool refreshed = false;
  for (auto& entry : log) {
    auto body = entry.as_object()["body"].as_string();
    if (body.find("grant_type=refresh_token&refresh_token=r1") != json::string::npos)
      refreshed = true;
  }
  EXPECT_TRUE(refreshed);
}

}  // namespace
