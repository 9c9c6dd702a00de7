#include <gbrt/events/json_view.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include <gbrt/events/parse.hpp>
#include <gbrt/events/string_arena.hpp>

#include "support/fixtures.hpp"

namespace {

using namespace std::string_view_literals;
namespace ev = gbrt::events;
using ev::JsonType;
using ev::JsonView;

bool points_into(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

std::vector<std::string> keys_of(JsonView object) {
  std::vector<std::string> keys;
  for (const ev::JsonMember& member : object.members()) keys.emplace_back(member.key);
  return keys;
}

std::vector<std::string> raw_elements_of(JsonView array) {
  std::vector<std::string> raws;
  for (const JsonView& element : array.elements()) raws.emplace_back(element.raw());
  return raws;
}

class JsonViewTest : public testing::Test {
 protected:
  JsonView view(std::string_view json) { return JsonView(json, &arena_); }
  ev::StringArena arena_;
};

TEST_F(JsonViewTest, TypeOfEachKindOfValue) {
  EXPECT_EQ(view(R"({"a":1})").type(), JsonType::object);
  EXPECT_EQ(view("[1]").type(), JsonType::array);
  EXPECT_EQ(view(R"("s")").type(), JsonType::string);
  EXPECT_EQ(view("-1.5").type(), JsonType::number);
  EXPECT_EQ(view("0").type(), JsonType::number);
  EXPECT_EQ(view("true").type(), JsonType::boolean);
  EXPECT_EQ(view("false").type(), JsonType::boolean);
  EXPECT_EQ(view("null").type(), JsonType::null);
  EXPECT_EQ(JsonView().type(), JsonType::missing);
}

TEST_F(JsonViewTest, JsonTypeNames) {
  EXPECT_EQ(ev::to_string(JsonType::missing), "missing"sv);
  EXPECT_EQ(ev::to_string(JsonType::object), "object"sv);
  EXPECT_EQ(ev::to_string(JsonType::array), "array"sv);
  EXPECT_EQ(ev::to_string(JsonType::string), "string"sv);
  EXPECT_EQ(ev::to_string(JsonType::number), "number"sv);
  EXPECT_EQ(ev::to_string(JsonType::boolean), "boolean"sv);
  EXPECT_EQ(ev::to_string(JsonType::null), "null"sv);
}

TEST_F(JsonViewTest, DefaultViewIsMissingAndAnswersNothing) {
  JsonView missing;
  EXPECT_TRUE(missing.is_missing());
  EXPECT_FALSE(missing);
  EXPECT_FALSE(missing.is_object());
  EXPECT_FALSE(missing.is_array());
  EXPECT_FALSE(missing.is_null());
  EXPECT_TRUE(missing.raw().empty());
  EXPECT_EQ(missing.size(), 0u);
  EXPECT_FALSE(missing.get_string());
  EXPECT_FALSE(missing.get_int64());
  EXPECT_FALSE(missing.get_double());
  EXPECT_FALSE(missing.get_bool());
  EXPECT_TRUE(missing["a"].is_missing());
  EXPECT_TRUE(missing[std::size_t{0}].is_missing());
  EXPECT_EQ(missing.members().begin(), missing.members().end());
  EXPECT_EQ(missing.elements().begin(), missing.elements().end());
}

TEST_F(JsonViewTest, LooksUpMembersByKey) {
  JsonView object = view(R"({"name":"gbrt","version":7,"on":true,"none":null,"list":[1]})");
  EXPECT_TRUE(object);
  EXPECT_TRUE(object.is_object());
  EXPECT_EQ(object["name"].get_string(), "gbrt"sv);
  EXPECT_EQ(object["version"].get_int64(), 7);
  EXPECT_EQ(object["on"].get_bool(), true);
  EXPECT_TRUE(object["none"].is_null());
  EXPECT_FALSE(object["none"].is_missing());
  EXPECT_TRUE(object["list"].is_array());
  EXPECT_EQ(object[std::string_view("name")].raw(), R"("gbrt")"sv);
  EXPECT_EQ(object[std::string("version")].raw(), "7"sv);
}

TEST_F(JsonViewTest, AbsentKeyIsMissingNotNull) {
  JsonView object = view(R"({"a":1})");
  JsonView absent = object["b"];
  EXPECT_TRUE(absent.is_missing());
  EXPECT_FALSE(absent);
  EXPECT_FALSE(absent.is_null());
  EXPECT_EQ(absent.type(), JsonType::missing);
  // Keys match exactly.
  EXPECT_TRUE(object["A"].is_missing());
  EXPECT_TRUE(object["a "].is_missing());
  EXPECT_TRUE(object[""].is_missing());
}

TEST_F(JsonViewTest, ChainedLookupsThroughMissingValuesStayMissing) {
  JsonView object = view(R"({"nested":{"a":[1,2,{"b":null}]},"n":3})");
  EXPECT_TRUE(object["nested"]["a"][2]["b"].is_null());
  EXPECT_TRUE(object["nested"]["x"]["a"][2]["b"].is_missing());
  EXPECT_TRUE(object["nested"]["a"][7]["b"].is_missing());
  EXPECT_FALSE(object["nested"]["a"][7]["b"].is_null());
  EXPECT_TRUE(object["n"]["x"].is_missing());  // a key of a number
  EXPECT_TRUE(object["n"][1].is_missing());    // an index of a number
  EXPECT_FALSE(object["nested"]["x"][3]["y"].get_string());
  EXPECT_EQ(object["nested"]["missing"].size(), 0u);
}

TEST_F(JsonViewTest, IndexesArrayElements) {
  JsonView array = view(R"([10,"two",{"three":3},[4],null,false])");
  EXPECT_EQ(array[std::size_t{0}].get_int64(), 10);
  EXPECT_EQ(array[1].get_string(), "two"sv);
  EXPECT_EQ(array[2]["three"].get_int64(), 3);
  EXPECT_EQ(array[3][std::size_t{0}].get_int64(), 4);
  EXPECT_TRUE(array[4].is_null());
  EXPECT_EQ(array[5].get_bool(), false);
  EXPECT_TRUE(array[6].is_missing());
  EXPECT_TRUE(array[std::numeric_limits<std::size_t>::max()].is_missing());
}

TEST_F(JsonViewTest, IndexOfAnObjectAndKeyOfAnArrayAreMissing) {
  EXPECT_TRUE(view(R"({"a":1})")[std::size_t{0}].is_missing());
  EXPECT_TRUE(view(R"([{"a":1}])")["a"].is_missing());
}

TEST_F(JsonViewTest, SizeCountsMembersOrElements) {
  EXPECT_EQ(view(R"({"a":1,"b":{"c":2,"d":3},"e":[4,5,6]})").size(), 3u);
  EXPECT_EQ(view(R"([1,[2,3],{"a":4},"5,6"])").size(), 4u);
  EXPECT_EQ(view(R"("a,b,c")").size(), 0u);
  EXPECT_EQ(view("42").size(), 0u);
  EXPECT_EQ(view("null").size(), 0u);
}

TEST_F(JsonViewTest, EmptyObjectAndArray) {
  for (std::string_view text : {"{}", "{ }", "{\n\t}"}) {
    JsonView object = view(text);
    EXPECT_TRUE(object.is_object()) << text;
    EXPECT_EQ(object.size(), 0u) << text;
    EXPECT_EQ(object.members().begin(), object.members().end()) << text;
    EXPECT_TRUE(object["a"].is_missing()) << text;
  }
  for (std::string_view text : {"[]", "[ ]", "[\r\n]"}) {
    JsonView array = view(text);
    EXPECT_TRUE(array.is_array()) << text;
    EXPECT_EQ(array.size(), 0u) << text;
    EXPECT_EQ(array.elements().begin(), array.elements().end()) << text;
    EXPECT_TRUE(array[std::size_t{0}].is_missing()) << text;
  }
}

TEST_F(JsonViewTest, MembersIterateInDocumentOrder) {
  JsonView object = view(R"({"z":1,"a":{"x":[1,2]},"m":"text","b":null})");
  EXPECT_EQ(keys_of(object), (std::vector<std::string>{"z", "a", "m", "b"}));
  std::vector<std::string> values;
  for (const auto& [key, value] : object.members()) values.emplace_back(value.raw());
  EXPECT_EQ(values, (std::vector<std::string>{"1", R"({"x":[1,2]})", R"("text")", "null"}));
}

TEST_F(JsonViewTest, MemberIteratorOperators) {
  JsonView object = view(R"({"a":1,"b":2})");
  auto it = object.members().begin();
  EXPECT_EQ(it->key, "a"sv);
  EXPECT_EQ((*it).value.get_int64(), 1);
  auto previous = it++;
  EXPECT_EQ(previous->key, "a"sv);
  EXPECT_EQ(it->key, "b"sv);
  ++it;
  EXPECT_EQ(it, object.members().end());
}

TEST_F(JsonViewTest, ElementsIterateInDocumentOrder) {
  JsonView array = view(R"([3,"b",[1,[2]],{"k":"v"},true,null,-0.5])");
  EXPECT_EQ(
      raw_elements_of(array),
      (std::vector<std::string>{"3", R"("b")", "[1,[2]]", R"({"k":"v"})", "true", "null", "-0.5"}));
  auto it = array.elements().begin();
  auto first = it++;
  EXPECT_EQ(first->get_int64(), 3);
  EXPECT_EQ(it->get_string(), "b"sv);
}

TEST_F(JsonViewTest, IterationOverNonContainersIsEmpty) {
  for (std::string_view text : {R"("{\"a\":1}")", "12", "true", "null"}) {
    JsonView value = view(text);
    EXPECT_EQ(value.members().begin(), value.members().end()) << text;
    EXPECT_EQ(value.elements().begin(), value.elements().end()) << text;
  }
}

TEST_F(JsonViewTest, WhiteSpaceBetweenTokens) {
  JsonView object = view("{ \"a\" :\t1 ,\n \"b\" : [ 1 , \"x\" ] , \"c\" : { } }");
  EXPECT_EQ(keys_of(object), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(object["a"].raw(), "1"sv);
  EXPECT_EQ(object["a"].get_int64(), 1);
  EXPECT_EQ(object["b"].raw(), R"([ 1 , "x" ])"sv);
  EXPECT_EQ(raw_elements_of(object["b"]), (std::vector<std::string>{"1", R"("x")"}));
  EXPECT_EQ(object["c"].raw(), "{ }"sv);
  EXPECT_EQ(object["c"].size(), 0u);
}

TEST_F(JsonViewTest, StructuralCharactersInsideStringsAreText) {
  JsonView object = view(R"({"s":"a,}]{[\"","t":["],",{"u":"}"}],"v":2})");
  EXPECT_EQ(keys_of(object), (std::vector<std::string>{"s", "t", "v"}));
  EXPECT_EQ(object["s"].get_string(), "a,}]{[\""sv);
  EXPECT_EQ(object["t"].size(), 2u);
  EXPECT_EQ(object["t"][1]["u"].get_string(), "}"sv);
  EXPECT_EQ(object["v"].get_int64(), 2);
}

TEST_F(JsonViewTest, RawIsTheExactText) {
  const std::string_view text = R"({"a": [1, 2, {"b": null}], "s": "x\"y", "n": -1.50e+2 })";
  JsonView object = view(text);
  EXPECT_EQ(object.raw(), text);
  EXPECT_EQ(object["a"].raw(), R"([1, 2, {"b": null}])"sv);
  EXPECT_EQ(object["a"][2].raw(), R"({"b": null})"sv);
  EXPECT_EQ(object["s"].raw(), R"("x\"y")"sv);
  EXPECT_EQ(object["n"].raw(), "-1.50e+2"sv);
  EXPECT_TRUE(points_into(object["a"].raw(), text));
}

TEST_F(JsonViewTest, GetStringWithoutEscapesPointsIntoTheText) {
  const std::string_view text = R"({"plain":"hello world"})";
  auto plain = view(text)["plain"].get_string();
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, "hello world"sv);
  EXPECT_TRUE(points_into(*plain, text));
  EXPECT_EQ(arena_.used(), 0u);
}

TEST_F(JsonViewTest, GetStringUnescapesIntoTheArena) {
  const std::string_view text =
      R"({"s":"a\"q\"\\b\/c\n\t\r\b\f","u":"caf\u00e9 \u2713","pair":"\ud83d\ude00!"})";
  JsonView object = view(text);
  auto s = object["s"].get_string();
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, "a\"q\"\\b/c\n\t\r\b\f"sv);
  EXPECT_FALSE(points_into(*s, text));
  EXPECT_GT(arena_.used(), 0u);
  EXPECT_EQ(object["u"].get_string(), "caf\xC3\xA9 \xE2\x9C\x93"sv);
  EXPECT_EQ(object["pair"].get_string(), "\xF0\x9F\x98\x80!"sv);
}

TEST_F(JsonViewTest, LoneSurrogateBecomesReplacementCharacter) {
  EXPECT_EQ(view(R"("\ud83d")").get_string(), "\xEF\xBF\xBD"sv);
  EXPECT_EQ(view(R"("x\ude00y")").get_string(), "x\xEF\xBF\xBDy"sv);
}

TEST_F(JsonViewTest, NonEscapedUtf8IsKeptAsIs) {
  EXPECT_EQ(view("\"\xE4\xBE\x8B\xE3\x81\x88\"").get_string(), "\xE4\xBE\x8B\xE3\x81\x88"sv);
}

TEST_F(JsonViewTest, GetStringOfOtherTypesIsNullopt) {
  EXPECT_FALSE(view("1").get_string());
  EXPECT_FALSE(view("null").get_string());
  EXPECT_FALSE(view("true").get_string());
  EXPECT_FALSE(view(R"({"a":"b"})").get_string());
  EXPECT_FALSE(view(R"(["a"])").get_string());
  EXPECT_EQ(view(R"("")").get_string(), ""sv);
}

TEST_F(JsonViewTest, GetInt64) {
  EXPECT_EQ(view("0").get_int64(), 0);
  EXPECT_EQ(view("-17").get_int64(), -17);
  EXPECT_EQ(view("9223372036854775807").get_int64(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(view("-9223372036854775808").get_int64(), std::numeric_limits<std::int64_t>::min());
  EXPECT_FALSE(view("9223372036854775808").get_int64());  // out of range
  EXPECT_FALSE(view("1.5").get_int64());
  EXPECT_FALSE(view("1e3").get_int64());
  EXPECT_FALSE(view("1500.0").get_int64());
  EXPECT_FALSE(view(R"("12")").get_int64());
  EXPECT_FALSE(view("true").get_int64());
}

TEST_F(JsonViewTest, GetDouble) {
  EXPECT_EQ(view("1.5").get_double(), 1.5);
  EXPECT_EQ(view("-2.5e3").get_double(), -2500.0);
  EXPECT_EQ(view("1500.0").get_double(), 1500.0);
  EXPECT_EQ(view("17").get_double(), 17.0);
  EXPECT_EQ(view("1E-2").get_double(), 0.01);
  EXPECT_FALSE(view(R"("1.5")").get_double());
  EXPECT_FALSE(view("null").get_double());
}

TEST_F(JsonViewTest, GetBoolAndIsNull) {
  EXPECT_EQ(view("true").get_bool(), true);
  EXPECT_EQ(view("false").get_bool(), false);
  EXPECT_FALSE(view("null").get_bool());
  EXPECT_FALSE(view("0").get_bool());
  EXPECT_FALSE(view(R"("true")").get_bool());
  EXPECT_TRUE(view("null").is_null());
  EXPECT_FALSE(view("false").is_null());
  EXPECT_FALSE(view(R"("null")").is_null());
}

TEST_F(JsonViewTest, EscapedKeysAreUnescapedForLookupAndIteration) {
  JsonView object = view(R"({"a\"b":1,"caf\u00e9":2,"back\\slash":3,"plain":4})");
  EXPECT_EQ(keys_of(object),
            (std::vector<std::string>{"a\"b", "caf\xC3\xA9", "back\\slash", "plain"}));
  EXPECT_EQ(object["a\"b"].get_int64(), 1);
  EXPECT_EQ(object["caf\xC3\xA9"].get_int64(), 2);
  EXPECT_EQ(object["back\\slash"].get_int64(), 3);
  EXPECT_EQ(object["plain"].get_int64(), 4);
  EXPECT_TRUE(object[R"(a\"b)"].is_missing());  // the escaped spelling is not the key
}

TEST_F(JsonViewTest, DuplicateKeyLookupFindsTheFirst) {
  // Iteration shows both; operator[] stops at the first match.
  JsonView object = view(R"({"k":1,"k":2})");
  EXPECT_EQ(object.size(), 2u);
  EXPECT_EQ(object["k"].get_int64(), 1);
}

// Views made by the parser: the ui_render fixture's props, state and context.
TEST(JsonViewOfParsedEvent, UiRenderPropsStateAndContext) {
  ev::PaddedBuffer body(gbrt::test::fixture("ui_render-1.json"));
  ev::StringArena arena;
  ev::Parser parser;
  auto parsed = parser.parse_event(body.view(), arena);
  ASSERT_TRUE(parsed) << parsed.error().message();
  const auto& render = std::get<ev::UiRender>(parsed.value());

  JsonView props = render.props;
  EXPECT_EQ(
      props.raw(),
      R"({"spaceId": "dGuHSiPWZ5nuNFEvhi4i", "limit": 17, "nested": {"a": [1, 2, {"b": null}]}})"sv);
  EXPECT_EQ(keys_of(props), (std::vector<std::string>{"spaceId", "limit", "nested"}));
  EXPECT_EQ(props.size(), 3u);
  EXPECT_EQ(props["spaceId"].get_string(), "dGuHSiPWZ5nuNFEvhi4i"sv);
  EXPECT_EQ(props["limit"].get_int64(), 17);
  EXPECT_EQ(props["limit"].get_double(), 17.0);
  EXPECT_EQ(props["nested"]["a"].size(), 3u);
  EXPECT_EQ(raw_elements_of(props["nested"]["a"]),
            (std::vector<std::string>{"1", "2", R"({"b": null})"}));
  EXPECT_TRUE(props["nested"]["a"][2]["b"].is_null());
  EXPECT_TRUE(props["nested"]["a"][3]["b"].is_missing());
  EXPECT_TRUE(points_into(props.raw(), body.str()));

  ASSERT_TRUE(render.state);
  EXPECT_EQ(render.state->raw(), R"({"page": 8, "filter": "unicode \u2713"})"sv);
  EXPECT_EQ((*render.state)["filter"].get_string(), "unicode \xE2\x9C\x93"sv);

  EXPECT_EQ(render.context["type"].get_string(), "configuration_space"sv);
  EXPECT_EQ(render.context["theme"].get_string(), "dark"sv);
  EXPECT_TRUE(render.context["editable"].is_missing());

  // The whole event, for fields the typed view does not name.
  EXPECT_EQ(render.json.raw(), body.str());
  EXPECT_EQ(render.json["props"].raw(), props.raw());
  EXPECT_EQ(render.json["action"]["value"].get_int64(), 4);
}

}  // namespace
