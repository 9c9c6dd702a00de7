// examples/ported/mailchimp over HTTP: the OAuth route connects an account (the token from
// Mailchimp's OAuth, its API endpoint from Mailchimp's metadata, both stored through GitBook's
// API), then the block's Subscribe action calls Mailchimp's lists API. GitBook's API is
// tests/support/gitbook_api_server.mjs, Mailchimp is tests/support/fake_services.mjs.
#include <gtest/gtest.h>

#include <gbrt/runtime/url.hpp>

#include "mailchimp.hpp"
#include "ported/ported_server.hpp"
#include "support/node_server.hpp"

namespace {

namespace json = boost::json;
using gbrt::test::json_fixture;

constexpr const char* kPublicEndpoint =
    "https://integrations.gitbook.com/v1/integrations/mailchimp";

class PortedMailchimp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    api_.emplace("gitbook_api_server.mjs");
    services_.emplace("fake_services.mjs");
  }
  static void TearDownTestSuite() {
    api_.reset();
    services_.reset();
  }

  PortedMailchimp()
      : app_([](gbrt::Runtime& runtime) {
          const std::string base = "http://127.0.0.1:" + std::to_string(services_->port());
          mailchimp::register_mailchimp(runtime, {.authorize = base + "/oauth2/authorize",
                                                  .token = base + "/oauth2/token",
                                                  .metadata = base + "/oauth2/metadata"});
        }) {
    api_->control_post("/seed", R"({"installations":[{"id":"inst_m","configuration":{}}]})");
  }

  static json::object environment(const json::value& configuration = json::object()) {
    auto env = gbrt::test::environment_fixture("http://127.0.0.1:" + std::to_string(api_->port()));
    env["secrets"] = json::parse(R"({"CLIENT_ID":"the-client","CLIENT_SECRET":"the-secret"})");
    env["integration"].as_object()["urls"] = json::object{{"publicEndpoint", kPublicEndpoint}};
    env["installation"] = json::object{{"id", "inst_m"}, {"status", "active"}};
    env["installation"].as_object()["configuration"] = configuration;
    env.erase("spaceInstallation");
    return env;
  }
  static json::object fetch(const std::string& path_and_query) {
    auto event = json_fixture("fetch-1.json");
    event["request"].as_object()["method"] = "get";
    event["request"].as_object()["url"] =
        std::string(kPublicEndpoint) + "/installations/inst_m" + path_and_query;
    return event;
  }
  static json::object subscribe(const char* email) {
    auto event = json_fixture("ui_render-1.json");
    event["componentId"] = "mailchimpSubscribe";
    event["props"] = json::object();
    event.erase("state");
    event["action"] = json::object{{"action", "subscribe"}, {"email", email}};
    return event;
  }
  static json::object stored_configuration() {
    return api_->control("/store")
        .as_object()["installations"]
        .as_object()["inst_m"]
        .as_object()["configuration"]
        .as_object();
  }
  // Runs the OAuth callback; the configuration GitBook's API then holds.
  json::object connect() {
    auto answer =
        app_.send(fetch("/oauth?code=the-code&state=" +
                        gbrt::runtime::encode_uri_component(R"({"installationId":"inst_m"})")),
                  environment());
    EXPECT_EQ(answer.status, 200u) << answer.body;
    EXPECT_NE(answer.body.find("You can close this window now."), std::string::npos);
    return stored_configuration();
  }

  gbrt::test::PortedServer app_;
  static inline std::optional<gbrt::test::NodeServer> api_;
  static inline std::optional<gbrt::test::NodeServer> services_;
};

TEST_F(PortedMailchimp, TheOAuthRouteRedirectsToMailchimp) {
  auto answer = app_.send(fetch("/oauth"), environment());
  EXPECT_EQ(answer.status, 302u);
  EXPECT_EQ(answer.header("location"),
            "http://127.0.0.1:" + std::to_string(services_->port()) +
                "/oauth2/authorize?client_id=the-client&redirect_uri=" +
                gbrt::runtime::encode_uri_component(std::string(kPublicEndpoint) + "/oauth") +
                "&response_type=code&state=%7B%22installationId%22%3A%22inst_m%22%7D");
}

TEST_F(PortedMailchimp, TheCallbackStoresTheTokenAndTheAccountsApiEndpoint) {
  auto configuration = connect();
  const auto token = configuration["oauth_credentials"].as_object()["access_token"].as_string();
  EXPECT_TRUE(token.starts_with("mc-token-")) << json::serialize(configuration);
  EXPECT_EQ(configuration["api_endpoint"],
            ("http://127.0.0.1:" + std::to_string(services_->port())).c_str());
  bool metadata_asked = false;
  const auto log = services_->control("/log");
  for (const auto& call : log.as_array()) {
    if (call.at("path") == "/oauth2/metadata" &&
        call.at("authorization").as_string() == "OAuth " + std::string(token)) {
      metadata_asked = true;
    }
  }
  EXPECT_TRUE(metadata_asked);
}

TEST_F(PortedMailchimp, SubscribeAddsTheEmailToTheFirstList) {
  auto configuration = connect();
  const auto before = services_->control("/log").as_array().size();
  auto answer = app_.send(subscribe("v@example.com"), environment(configuration));
  ASSERT_EQ(answer.status, 200u) << answer.body;
  auto body = json::parse(answer.body).as_object();
  EXPECT_EQ(json::serialize(body["state"]), R"({"email":"v@example.com","success":true})");
  const std::string element = json::serialize(body["element"]);
  EXPECT_NE(element.find(R"("label":"Subscribed!")"), std::string::npos) << element;
  EXPECT_NE(element.find(R"("disabled":true)"), std::string::npos) << element;

  auto log = services_->control("/log").as_array();
  ASSERT_EQ(log.size(), before + 2);
  EXPECT_EQ(log[before].as_object()["path"], "/3.0/lists?count=100&offset=0");
  EXPECT_EQ(log[before + 1].as_object()["path"], "/3.0/lists/list1/members");
  EXPECT_EQ(log[before + 1].as_object()["body"],
            R"({"email_address":"v@example.com","status":"subscribed"})");
}

TEST_F(PortedMailchimp, ARefusedSubscriptionShowsTheError) {
  auto configuration = connect();
  auto answer = app_.send(subscribe("refused@example.com"), environment(configuration));
  ASSERT_EQ(answer.status, 200u) << answer.body;
  auto body = json::parse(answer.body).as_object();
  EXPECT_EQ(body["state"].as_object()["success"], false);
  EXPECT_NE(json::serialize(body["element"]).find("An error occured"), std::string::npos);
}

TEST_F(PortedMailchimp, NotConnectedIsAnExposableError) {
  auto answer = app_.send(subscribe("v@example.com"), environment());
  EXPECT_EQ(answer.status, 400u);
  EXPECT_EQ(answer.body, R"({"error":"Mailchimp integration not configured"})");
}

TEST_F(PortedMailchimp, AnyOtherRouteIs404) {
  auto answer = app_.send(fetch("/other"), environment());
  EXPECT_EQ(answer.status, 404u);
  EXPECT_EQ(answer.body.rfind("No route matching GET ", 0), 0u) << answer.body;
}

}  // namespace
