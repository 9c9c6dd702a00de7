// Context::api(), integration_api() and queue_task against tests/support/gitbook_api_server.mjs
// (GitBook's API endpoints as the spec describes them, run by Node).
#include <gbrt/runtime/api.hpp>

#include <optional>

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gbrt/runtime/testing.hpp>

#include "support/fixtures.hpp"
#include "support/node_server.hpp"

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;
namespace json = boost::json;
using gbrt::Context;
using gbrt::runtime::ApiError;
using gbrt::runtime::HandlerHarness;
using std::chrono::milliseconds;

class ApiClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    api_.emplace("gitbook_api_server.mjs");
    api_->control_post("/seed", R"({
      "installations": [{"id": "inst_1", "configuration": {"a": 1}}],
      "spaces": [{"installation": "inst_1", "space": "space_1", "configuration": {}}],
      "sites": [{"installation": "inst_1", "site": "site_1", "configuration": {}}]})");
  }
  static void TearDownTestSuite() { api_.reset(); }

  // The dispatcher's environment (tests/fixtures/environment.json) pointing at the test API.
  static std::string environment(bool installation_token = true) {
    auto env = json::parse(gbrt::test::read_file(gbrt::test::fixtures_dir() / "environment.json"))
                   .as_object();
    env["apiEndpoint"] = "http://127.0.0.1:" + std::to_string(api_->port()) + "/";
    if (!installation_token) env["apiTokens"].as_object().erase("installation");
    return json::serialize(env);
  }
  // The API calls made since the log had `from` entries.
  static json::array calls_since(std::size_t from) {
    auto log = api_->control("/log").as_array();
    return json::array(log.begin() + std::ptrdiff_t(from), log.end());
  }
  static std::size_t calls() { return api_->control("/log").as_array().size(); }

  // Runs `body` as an installation_setup handler with `env`; its answer's status.
  template <class F>
  unsigned run(F body, std::optional<std::string> env = environment()) {
    harness_.emplace(
        gbrt::runtime::RuntimeOptions{.threads = 1, .http = {.first_backoff = milliseconds(5)}});
    harness_->runtime().on<ev::InstallationSetup>(
        [body](const ev::InstallationSetup&, Context& c) -> asio::awaitable<void> {
          co_await body(c);
        });
    return harness_
        ->run_file(gbrt::test::fixtures_dir() / "installation_setup-1.json",
                   env ? std::optional<std::string_view>(*env) : std::nullopt)
        .answer.status;
  }

  std::optional<HandlerHarness> harness_;
  static inline std::optional<gbrt::test::NodeServer> api_;
};

// Built outside the coroutines: g++ 12 miscompiles braced initializer lists inside them.
json::object object(std::string_view text) {
  return json::parse(text).as_object();
}

constexpr const char* kIntegrationToken = "Bearer gb_int_kYKEUsLZMqVRcX4zI8LA6jukDzK76J59";
constexpr const char* kInstallationToken = "Bearer gb_inst_QiG5PfML9NzqzFUcZOVsk1O7ryrhq9ah";

TEST_F(ApiClientTest, TheInstallationsTokenElseTheIntegrations) {
  const auto before = calls();
  json::object got;
  EXPECT_EQ(run([&](Context& c) -> asio::awaitable<void> {
              got = co_await c.api().get_installation("inst_1");
              co_await c.integration_api().get_installation("inst_1");
            }),
            200u);
  EXPECT_EQ(got["id"], "inst_1");
  EXPECT_EQ(got["configuration"].as_object()["a"], 1);
  auto log = calls_since(before);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].as_object()["method"], "GET");
  EXPECT_EQ(log[0].as_object()["path"], "/v1/integrations/space-analytics/installations/inst_1");
  EXPECT_EQ(log[0].as_object()["authorization"], kInstallationToken);
  EXPECT_EQ(log[1].as_object()["authorization"], kIntegrationToken);
  EXPECT_EQ(log[0].as_object()["user_agent"], "integration-space-analytics/7");
}

TEST_F(ApiClientTest, WithoutAnInstallationTokenApiUsesTheIntegrations) {
  const auto before = calls();
  EXPECT_EQ(
      run([](Context& c) -> asio::awaitable<void> { co_await c.api().get_installation("inst_1"); },
          environment(false)),
      200u);
  EXPECT_EQ(calls_since(before).at(0).as_object()["authorization"], kIntegrationToken);
}

TEST_F(ApiClientTest, TypedCallsReadAndUpdateConfigurations) {
  json::object installation, space, site;
  EXPECT_EQ(run([&](Context& c) -> asio::awaitable<void> {
              auto api = c.api();
              co_await api.update_installation("inst_1",
                                               object(R"({"configuration":{"b":"two"}})"));
              installation = co_await api.get_installation("inst_1");
              co_await api.update_space_installation("inst_1", "space_1",
                                                     object(R"({"configuration":{"s":true}})"));
              space = co_await api.get_space_installation("inst_1", "space_1");
              co_await api.update_site_installation("inst_1", "site_1",
                                                    object(R"({"configuration":{"t":0.5}})"));
              site = co_await api.get_site_installation("inst_1", "site_1");
            }),
            200u);
  EXPECT_EQ(json::serialize(installation["configuration"]), R"({"b":"two"})");
  EXPECT_EQ(json::serialize(space["configuration"]), R"({"s":true})");
  EXPECT_EQ(site["configuration"].as_object()["t"], 0.5);
  auto log = calls_since(calls() - 6);
  EXPECT_EQ(log[0].as_object()["method"], "PATCH");
  EXPECT_EQ(log[0].as_object()["content_type"], "application/json");
  EXPECT_EQ(log[0].as_object()["body"], R"({"configuration":{"b":"two"}})");
  EXPECT_EQ(log[2].as_object()["path"],
            "/v1/integrations/space-analytics/installations/inst_1/spaces/space_1");
  EXPECT_EQ(log[4].as_object()["path"],
            "/v1/integrations/space-analytics/installations/inst_1/sites/site_1");
  EXPECT_EQ(log[4].as_object()["body"],
            R"({"configuration":{"t":0.5}})");  // as JavaScript writes it
}

TEST_F(ApiClientTest, RawRequests) {
  json::value answer;
  EXPECT_EQ(run([&](Context& c) -> asio::awaitable<void> {
              answer = co_await c.api().request(
                  gbrt::http::Method::get, "/integrations/space-analytics/installations/inst_1");
            }),
            200u);
  EXPECT_EQ(answer.as_object()["id"], "inst_1");
}

TEST_F(ApiClientTest, A4xxIsATypedError) {
  std::optional<ApiError> error;
  EXPECT_EQ(run([&](Context& c) -> asio::awaitable<void> {
              try {
                co_await c.api().get_installation("nope");
              } catch (const ApiError& e) {
                error = e;
              }
            }),
            200u);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status(), 404u);
  EXPECT_STREQ(error->what(), "installations nope not found");  // GitBook's error.message
}

TEST_F(ApiClientTest, A5xxIsRetriedWhenTheCallIsSafeToRepeat) {
  api_->control_post("/fail", R"({"method":"GET","path":"/v1/","status":503,"times":2})");
  api_->control_post("/fail", R"({"method":"PATCH","path":"/v1/","status":502,"times":1})");
  const auto before = calls();
  EXPECT_EQ(run([](Context& c) -> asio::awaitable<void> {
              co_await c.api().get_installation("inst_1");
              co_await c.api().update_installation("inst_1",
                                                   object(R"({"configuration":{"a":1}})"));
            }),
            200u);
  EXPECT_EQ(calls_since(before).size(), 5u);  // 3 GETs, 2 PATCHes
}

TEST_F(ApiClientTest, AQueuedTaskIsNotRepeatedAfterA5xxButIsAfterA429) {
  api_->control_post("/fail", R"({"method":"POST","path":"/v1/","status":500,"times":1})");
  std::optional<ApiError> error;
  const auto before = calls();
  EXPECT_EQ(run([&](Context& c) -> asio::awaitable<void> {
              try {
                co_await c.queue_task(R"({"n":1})", milliseconds(0));
              } catch (const ApiError& e) {
                error = e;
              }
            }),
            200u);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status(), 500u);
  EXPECT_EQ(calls_since(before).size(), 1u);

  api_->control_post("/fail",
                     R"({"method":"POST","path":"/v1/","status":429,"times":1,"retry_after":0})");
  const auto before_429 = calls();
  const auto tasks_before = api_->control("/tasks").as_array().size();
  EXPECT_EQ(run([&](Context& c) -> asio::awaitable<void> {
              co_await c.queue_task(R"({"n":2})", milliseconds(0));
            }),
            200u);
  EXPECT_EQ(calls_since(before_429).size(), 2u);
  EXPECT_EQ(api_->control("/tasks").as_array().size(), tasks_before + 1);
}

TEST_F(ApiClientTest, QueueTaskGoesThroughTheApiWithTheIntegrationsToken) {
  const auto tasks_before = api_->control("/tasks").as_array().size();
  EXPECT_EQ(run([](Context& c) -> asio::awaitable<void> {
              co_await c.queue_task(R"({"kind":"sync","page":"p1"})", std::chrono::seconds(90));
              co_await c.queue_task(R"({"kind":"soon"})", milliseconds(1500));
              EXPECT_THROW((void)c.queue_task("{}", std::chrono::hours(25)), std::out_of_range);
              EXPECT_THROW((void)c.queue_task("[1]", milliseconds(0)), std::invalid_argument);
            }),
            200u);
  auto tasks = api_->control("/tasks").as_array();
  ASSERT_EQ(tasks.size(), tasks_before + 2);
  auto task = tasks[tasks_before].as_object();
  EXPECT_EQ(task["integration"], "space-analytics");
  EXPECT_EQ(json::serialize(task["task"]), R"({"kind":"sync","page":"p1"})");
  EXPECT_EQ(task["schedule"], 90);
  EXPECT_EQ(task["authorization"], kIntegrationToken);
  EXPECT_EQ(tasks[tasks_before + 1].as_object()["schedule"], 1.5);
  EXPECT_EQ(harness_->runtime().pending_tasks(), 0u);  // nothing waits in memory
}

TEST_F(ApiClientTest, WithoutAnApiTasksStayInMemory) {
  auto env = json::parse(environment()).as_object();
  env["apiEndpoint"] = "";
  EXPECT_EQ(run(
                [](Context& c) -> asio::awaitable<void> {
                  co_await c.queue_task(R"({"n":1})", std::chrono::hours(1));
                },
                json::serialize(env)),
            200u);
  EXPECT_EQ(harness_->runtime().pending_tasks(), 1u);
}

TEST_F(ApiClientTest, WithoutAnEnvironmentTheApiIsNotConfigured) {
  std::optional<ApiError> error;
  bool configured = true;
  EXPECT_EQ(run(
                [&](Context& c) -> asio::awaitable<void> {
                  configured = c.api().configured();
                  try {
                    co_await c.api().get_installation("inst_1");
                  } catch (const ApiError& e) {
                    error = e;
                  }
                },
                std::nullopt),
            200u);
  EXPECT_FALSE(configured);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status(), 0u);
}

}  // namespace
