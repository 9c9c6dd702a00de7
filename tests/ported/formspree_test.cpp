// examples/ported/formspree over HTTP: the form block renders the configured fields, and
// Submit posts the form to a Formspree played by tests/support/fake_services.mjs.
#include <gtest/gtest.h>

#include "formspree.hpp"
#include "ported/ported_server.hpp"
#include "support/node_server.hpp"

namespace {

namespace json = boost::json;
using gbrt::test::environment_fixture;
using gbrt::test::json_fixture;

class PortedFormspree : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { services_.emplace("fake_services.mjs"); }
  static void TearDownTestSuite() { services_.reset(); }

  PortedFormspree()
      : app_([](gbrt::Runtime& runtime) {
          formspree::register_formspree(
              runtime, {.endpoint_base = "http://127.0.0.1:" + std::to_string(services_->port())});
        }) {}

  static json::object environment(const char* form_id) {
    auto env = environment_fixture();
    env["spaceInstallation"].as_object()["configuration"] =
        json::parse(std::string(R"({"email":true,"name":false,"message":true,"formspree_id":")") +
                    form_id + R"("})");
    return env;
  }
  // A ui_render for the block: with `action` when given, and the visitor's `state`.
  json::object render(const char* state_json, const char* action_json) {
    auto event = json_fixture("ui_render-1.json");
    event["componentId"] = "formspree";
    event["props"] = json::object();
    if (state_json) {
      event["state"] = json::parse(state_json);
    } else {
      event.erase("state");
    }
    if (action_json) {
      event["action"] = json::parse(action_json);
    } else {
      event.erase("action");
    }
    return event;
  }

  gbrt::test::PortedServer app_;
  static inline std::optional<gbrt::test::NodeServer> services_;
};

TEST_F(PortedFormspree, RendersTheFieldsTheConfigurationEnables) {
  auto answer = app_.send(render(nullptr, nullptr), environment("abc"));
  ASSERT_EQ(answer.status, 200u) << answer.body;
  auto body = json::parse(answer.body).as_object();
  EXPECT_EQ(json::serialize(body["state"]),
            R"({"email":"","name":"","message":"","formSubmitted":false})");
  auto block = body["element"].as_object();
  EXPECT_EQ(block["type"], "block");
  const std::string element = json::serialize(block);
  EXPECT_NE(element.find(R"("label":"Email")"), std::string::npos) << element;
  EXPECT_EQ(element.find(R"("label":"Name")"), std::string::npos) << element;  // name: false
  EXPECT_NE(element.find(R"("multiline":true)"), std::string::npos) << element;
  EXPECT_NE(element.find(R"("label":"Submit","onPress":{"action":"submit"},"disabled":false)"),
            std::string::npos)
      << element;
}

TEST_F(PortedFormspree, SubmitPostsTheFilledFieldsAndDisablesTheButton) {
  const auto before = services_->control("/log").as_array().size();
  auto answer = app_.send(
      render(R"({"email":"v@example.com","name":"","message":"Hello","formSubmitted":false})",
             R"({"action":"submit"})"),
      environment("abc"));
  ASSERT_EQ(answer.status, 200u) << answer.body;
  auto body = json::parse(answer.body).as_object();
  EXPECT_EQ(json::serialize(body["state"]), R"({"formSubmitted":true})");
  EXPECT_NE(json::serialize(body["element"]).find(R"("label":"Submitted")"), std::string::npos);

  auto log = services_->control("/log").as_array();
  ASSERT_EQ(log.size(), before + 1);
  auto call = log.back().as_object();
  EXPECT_EQ(call["path"], "/f/abc");
  EXPECT_EQ(call["accept"], "application/json");
  EXPECT_EQ(call["body"], R"({"email":"v@example.com","message":"Hello"})");

  // Submitted already: nothing is sent again.
  app_.send(render(R"({"formSubmitted":true})", R"({"action":"submit"})"), environment("abc"));
  EXPECT_EQ(services_->control("/log").as_array().size(), before + 1);
}

TEST_F(PortedFormspree, ARefusedFormIsNotSubmitted) {
  auto answer = app_.send(
      render(R"({"email":"v@example.com","formSubmitted":false})", R"({"action":"submit"})"),
      environment("broken"));
  ASSERT_EQ(answer.status, 200u) << answer.body;
  auto body = json::parse(answer.body).as_object();
  EXPECT_EQ(body["state"].as_object()["formSubmitted"], false);
}

TEST(PortedFormspreeEndpoint, AFormspreeUrlIsKeptAnIdIsCompleted) {
  EXPECT_EQ(formspree::form_endpoint("https://formspree.io/f/x", {}), "https://formspree.io/f/x");
  EXPECT_EQ(formspree::form_endpoint("x", {}), "https://formspree.io/f/x");
}

}  // namespace
