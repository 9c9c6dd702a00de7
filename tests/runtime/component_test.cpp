#include <gbrt/runtime/component.hpp>

#include <gtest/gtest.h>

#include <gbrt/runtime/js_json.hpp>
#include <gbrt/runtime/runtime.hpp>

#include "support/dispatch.hpp"

namespace {

namespace asio = boost::asio;
namespace ck = gbrt::contentkit;
namespace ev = gbrt::events;
namespace json = boost::json;
using gbrt::Context;
using gbrt::ExposableError;
using gbrt::Runtime;
using gbrt::runtime::ActionResult;
using gbrt::runtime::ComponentInstance;
using gbrt::runtime::ComponentSpec;
using gbrt::test::dispatch_json;

std::string render_event(std::string_view props, std::string_view state,
                         std::string_view action = {}) {
  std::string e = R"({"type":"ui_render","eventId":"e","installationId":"i","componentId":"c",)";
  e += R"("context":{"type":"document","theme":"light"},"props":)";
  e += props;
  if (!state.empty()) e += std::string(R"(,"state":)") + std::string(state);
  if (!action.empty()) e += std::string(R"(,"action":)") + std::string(action);
  return e + "}";
}

ComponentSpec note_component() {
  ComponentSpec spec;
  spec.initial_state = [](const json::object& props, ev::JsonView context, Context&) {
    return json::object{{"n", props.contains("n") ? props.at("n") : json::value(0)},
                        {"theme", context["theme"].get_string().value_or("")}};
  };
  spec.action = [](ComponentInstance& instance, ev::JsonView action,
                   Context&) -> asio::awaitable<ActionResult> {
    auto name = action["action"].get_string().value_or("");
    if (name == "done") co_return ActionResult::complete(json::object{{"n", instance.state["n"]}});
    if (name == "props") co_return ActionResult{json::object{{"p", 0.1 + 0.2}}, {}, {}};
    if (name == "bump") {
      co_return ActionResult::with_state({{"n", instance.state["n"].to_number<double>() + 0.5}});
    }
    throw ExposableError("Unknown action " + std::string(name), 400);
  };
  spec.render = [](ComponentInstance& instance, Context&) -> asio::awaitable<ck::Root> {
    instance.set_cache(std::chrono::seconds(30));
    co_return ck::Block({ck::Text("n"), ck::Markdown(ComponentInstance::dynamic_state("n"))});
  };
  return spec;
}

class Component : public ::testing::Test {
 protected:
  Component() {
    runtime_.component("c", note_component());
    runtime_.start();
  }
  Runtime runtime_{gbrt::runtime::RuntimeOptions{.threads = 1}};
};

constexpr std::string_view kElement =
    R"("element":{"type":"block","children":[{"type":"text","children":"n"},)"
    R"({"type":"markdown","content":{"$state":"n"}}]}})";

TEST_F(Component, InitialStateComesFromPropsAndContextAndPropsGoBackAsTheyCame) {
  auto answer = dispatch_json(runtime_, render_event(R"({"n":1.50,"x":[1e2]})", ""));
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.body, R"({"type":"element","state":{"n":1.5,"theme":"light"},)"
                         R"("props":{"n":1.5,"x":[100]},)" +
                             std::string(kElement));
  EXPECT_EQ(answer.cache_max_age, std::chrono::seconds(30));
}

TEST_F(Component, TheEventsStateIsKeptNotReset) {
  auto answer = dispatch_json(runtime_, render_event("{}", R"({"n":7,"other":"kept"})"));
  EXPECT_EQ(answer.body, R"({"type":"element","state":{"n":7,"other":"kept"},"props":{},)" +
                             std::string(kElement));
}

TEST_F(Component, ActionsChangeStateOrPropsOrComplete) {
  auto bump = dispatch_json(runtime_, render_event("{}", R"({"n":0.1})", R"({"action":"bump"})"));
  EXPECT_NE(bump.body.find(R"("state":{"n":0.6})"), std::string::npos) << bump.body;
  auto props = dispatch_json(runtime_, render_event("{}", "{}", R"({"action":"props"})"));
  EXPECT_NE(props.body.find(R"("props":{"p":0.30000000000000004})"), std::string::npos)
      << props.body;
  auto done = dispatch_json(runtime_, render_event("{}", R"({"n":3})", R"({"action":"done"})"));
  EXPECT_EQ(done.body, R"({"type":"complete","returnValue":{"n":3}})");
  EXPECT_EQ(done.cache_max_age, std::nullopt);  // no render, no setCache
  auto unknown = dispatch_json(runtime_, render_event("{}", "{}", R"({"action":"zap"})"));
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_EQ(unknown.body, R"({"error":"Unknown action zap"})");
}

TEST(ComponentWithoutInitialState, StartsFromAnEmptyStateAndRendersOnActionsItIgnores) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  ComponentSpec spec;
  spec.render = [](ComponentInstance&, Context&) -> asio::awaitable<ck::Root> {
    co_return ck::Modal({ck::Divider()}).title("t");
  };
  runtime.component("c", std::move(spec));
  runtime.start();
  auto answer = dispatch_json(runtime, render_event("{}", "", R"({"action":"x"})"));
  EXPECT_EQ(answer.body,
            R"({"type":"element","state":{},"props":{},)"
            R"("element":{"type":"modal","children":[{"type":"divider"}],"title":"t"}})");
  EXPECT_EQ(answer.cache_max_age, std::nullopt);
}

}  // namespace
