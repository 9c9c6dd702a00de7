#include <gbrt/runtime/contentkit.hpp>

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

}  // namespace
