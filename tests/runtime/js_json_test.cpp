#include <gbrt/runtime/js_json.hpp>

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace {

using gbrt::runtime::js_number;
using gbrt::runtime::parse_json;
using gbrt::runtime::to_js_json;

// Each expectation is what Node 20 prints for String(x) / JSON.stringify(x).
TEST(JsJson, NumbersAreTheShortestRoundTripInJavaScriptsLayout) {
  EXPECT_EQ(js_number(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(js_number(1.0), "1");
  EXPECT_EQ(js_number(-0.0), "0");
  EXPECT_EQ(js_number(100), "100");
  EXPECT_EQ(js_number(1.5), "1.5");
  EXPECT_EQ(js_number(-2.25), "-2.25");
  EXPECT_EQ(js_number(123456789012345680000.0), "123456789012345680000");
  EXPECT_EQ(js_number(1e21), "1e+21");
  EXPECT_EQ(js_number(1.5e300), "1.5e+300");
  EXPECT_EQ(js_number(0.000001), "0.000001");
  EXPECT_EQ(js_number(0.0000001), "1e-7");
  EXPECT_EQ(js_number(1.2345e-7), "1.2345e-7");
  EXPECT_EQ(js_number(5e-324), "5e-324");
  EXPECT_EQ(js_number(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(js_number(std::nan("")), "null");
  EXPECT_EQ(js_number(std::numeric_limits<double>::infinity()), "null");
}

TEST(JsJson, ValuesAreWrittenAsJsonStringifyWritesThem) {
  EXPECT_EQ(to_js_json(parse_json(R"({"a": 1.0, "b": [1e2, -0, 0.5], "c": "x\u00e9\/"})")),
            R"({"a":1,"b":[100,0,0.5],"c":"xé/"})");
  EXPECT_EQ(to_js_json(parse_json(R"({"b":1,"2":0,"a":2,"1":0,"01":3})")),
            R"({"1":0,"2":0,"b":1,"a":2,"01":3})");
  EXPECT_EQ(to_js_json(parse_json(R"(["\u0001\b\f\n\r\t\"\\", "\u007f\u2028"])")),
            "[\"\\u0001\\b\\f\\n\\r\\t\\\"\\\\\",\"\x7f\xe2\x80\xa8\"]");
  EXPECT_EQ(to_js_json(parse_json("9007199254740993")), "9007199254740992");
  EXPECT_EQ(to_js_json(parse_json("18446744073709551615")), "18446744073709552000");
  EXPECT_EQ(to_js_json(parse_json("[true,false,null,-17]")), "[true,false,null,-17]");
}

}  // namespace
