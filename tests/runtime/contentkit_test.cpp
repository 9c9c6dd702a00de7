#include <gbrt/runtime/contentkit.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <gbrt/runtime/js_json.hpp>

namespace {

namespace ck = gbrt::contentkit;
using gbrt::runtime::to_js_json;

// The shapes of the spec's ContentKit* schemas (tests/differential validates rendered
// elements against the schema itself).
TEST(ContentKit, ElementsCarryTheirRequiredFields) {
  EXPECT_EQ(to_js_json(ck::Text("hi").style(ck::TextStyle::bold).json()),
            R"({"type":"text","children":"hi","style":"bold"})");
  EXPECT_EQ(to_js_json(ck::Markdown(ck::DynamicBinding{"notes"}).json()),
            R"({"type":"markdown","content":{"$state":"notes"}})");
  EXPECT_EQ(to_js_json(ck::Button("Go", ck::Action("go", {{"step", 2}})).json()),
            R"({"type":"button","label":"Go","onPress":{"step":2,"action":"go"}})");
  EXPECT_EQ(
      to_js_json(ck::Block({ck::HStack({ck::Divider()}), ck::VStack({}), ck::Box({})}).json()),
      R"({"type":"block","children":[{"type":"hstack","children":[{"type":"divider"}]},)"
      R"({"type":"vstack","children":[]},{"type":"box","children":[]}]})");
  EXPECT_EQ(to_js_json(ck::Root(ck::Configuration({ck::Text("x")})).json()),
            R"({"type":"configuration","children":[{"type":"text","children":"x"}]})");
}

TEST(ContentKit, EveryElementTypeOfTheSpec) {
  EXPECT_EQ(to_js_json(ck::Text({"a ", ck::Text("b").style(ck::TextStyle::code),
                                 ck::Link("https://x.org", "c")})
                           .json()),
            R"({"type":"text","children":["a ",{"type":"text","children":"b","style":"code"},)"
            R"({"type":"link","target":{"url":"https://x.org"},"children":"c"}]})");
  EXPECT_EQ(to_js_json(ck::Link(ck::Url("api.x.org", "/o").query("s", ck::DynamicBinding{"k"}),
                                std::vector<std::string>{"a", "b"})
                           .json()),
            R"({"type":"link","target":{"url":{"host":"api.x.org","pathname":"/o",)"
            R"("query":{"s":{"$state":"k"}}}},"children":["a","b"]})");
  EXPECT_EQ(to_js_json(ck::Image("https://x.org/i.png", 2).json()),
            R"({"type":"image","source":{"url":"https://x.org/i.png"},"aspectRatio":2})");
  EXPECT_EQ(to_js_json(ck::Button(ck::Action::open_url("https://x.org"))
                           .icon(ck::Icon::delete_)
                           .style(ck::ButtonStyle::danger)
                           .json()),
            R"({"type":"button","onPress":{"action":"@ui.url.open","url":"https://x.org"},)"
            R"("icon":"delete","style":"danger"})");
  EXPECT_EQ(
      to_js_json(
          ck::Input("Kind", ck::Select("kind", {ck::SelectOption("a", "A")}).initial_value("a"))
              .hint("pick")
              .json()),
      R"({"type":"input","label":"Kind","element":{"type":"select","state":"kind",)"
      R"("options":[{"id":"a","label":"A"}],"initialValue":"a"},"hint":"pick"})");
  EXPECT_EQ(to_js_json(ck::Select("s", ck::SelectOptions::openapi()).json()),
            R"({"type":"select","state":"s","options":{"source":"openapi"}})");
  EXPECT_EQ(to_js_json(ck::Radio("r", 2).json()), R"({"type":"radio","state":"r","value":2})");
  EXPECT_EQ(to_js_json(ck::Checkbox("c", "v").json()),
            R"({"type":"checkbox","state":"c","value":"v"})");
  EXPECT_EQ(to_js_json(ck::CodeBlock("x").syntax("js").line_numbers_from(3).json()),
            R"({"type":"codeblock","content":"x","syntax":"js","lineNumbers":3})");
  EXPECT_EQ(to_js_json(ck::Hint({ck::Text("h")}).json()),
            R"({"type":"hint","children":[{"type":"text","children":"h"}]})");
  EXPECT_EQ(to_js_json(ck::Card().title("t").json()), R"({"type":"card","title":"t"})");
  EXPECT_EQ(to_js_json(ck::Root(ck::Configuration(ck::Stepper(
                                    "1", ck::Action("step"), ck::Action("done"),
                                    {ck::Step("1", {ck::TextInput("name")}).title("One")})))
                           .json()),
            R"({"type":"configuration","children":[{"type":"stepper","activeStep":"1",)"
            R"("onStepChange":{"action":"step"},"onComplete":{"action":"done"},"children":[)"
            R"({"type":"step","id":"1","children":[{"type":"textinput","state":"name"}],)"
            R"("title":"One"}]}]})");
  EXPECT_EQ(
      to_js_json(ck::Block({}).control(ck::BlockControl("Edit", ck::Action::close_modal())).json()),
      R"({"type":"block","children":[],"controls":[{"label":"Edit",)"
      R"("onPress":{"action":"@ui.modal.close","returnValue":{}}}]})");
}

// What a type cannot say (minItems, maxLength) is refused when the element is built.
TEST(ContentKit, BoundsTheSchemaSetsAreCheckedWhenBuilding) {
  EXPECT_THROW(ck::Configuration(ck::Children{}), std::invalid_argument);
  EXPECT_THROW(ck::Step("s", {}), std::invalid_argument);
  EXPECT_THROW(ck::Stepper("s", ck::Action("a"), ck::Action("b"), {}), std::invalid_argument);
  EXPECT_NO_THROW(ck::Step("s", {ck::Divider()}).title(std::string(50, 'x')));
  EXPECT_THROW(ck::Step("s", {ck::Divider()}).title(std::string(51, 'x')), std::invalid_argument);
  // Characters as JavaScript counts them: é is one, an emoji two.
  std::string accents;
  for (int i = 0; i < 30; ++i) accents += "\u00e9";
  EXPECT_NO_THROW(ck::Confirm("t", "x", accents));
  EXPECT_THROW(ck::Confirm("t", "x", accents + "\U0001F600"), std::invalid_argument);
  std::string emoji;
  for (int i = 0; i < 15; ++i) emoji += "\U0001F600";
  EXPECT_NO_THROW(ck::Confirm("t", "x", emoji));
  EXPECT_THROW(ck::Confirm(std::string(101, 't'), "x", "ok"), std::invalid_argument);
  EXPECT_THROW(ck::Confirm("t", std::string(301, 'x'), "ok"), std::invalid_argument);
}

}  // namespace
