#include <gbrt/runtime/url.hpp>

#include <gtest/gtest.h>

namespace {

using namespace gbrt::runtime;

TEST(Url, PathAndQueryOfAbsoluteAndRelativeUrls) {
  EXPECT_EQ(url_path("https://h.example/a/b?x=1#f"), "/a/b");
  EXPECT_EQ(url_path("https://h.example?x=1"), "/");
  EXPECT_EQ(url_path("/v1/hello?name=x"), "/v1/hello");
  EXPECT_EQ(url_query("https://h.example/a?x=1&y=2#f"), "x=1&y=2");
  EXPECT_EQ(url_query("https://h.example/a"), "");
}

TEST(Url, QueryParametersDecodeAsUrlSearchParams) {
  const std::string_view query = "name=J%C3%BCrgen+%26%20co&empty=&flag&name=second&bad=%zz%4";
  EXPECT_EQ(query_param(query, "name"), "Jürgen & co");
  EXPECT_EQ(query_param(query, "empty"), "");
  EXPECT_EQ(query_param(query, "flag"), "");
  EXPECT_EQ(query_param(query, "bad"), "%zz%4");
  EXPECT_EQ(query_param(query, "missing"), std::nullopt);
  EXPECT_EQ(query_param("a%20b=1", "a b"), "1");
}

TEST(Url, EncodeUriComponentKeepsJavaScriptsUnreservedSet) {
  EXPECT_EQ(encode_uri_component("site_1-A.b!~*'()"), "site_1-A.b!~*'()");
  EXPECT_EQ(encode_uri_component("/docs/a b?x=1&y=é#z"),
            "%2Fdocs%2Fa%20b%3Fx%3D1%26y%3D%C3%A9%23z");
  EXPECT_EQ(encode_uri_component(""), "");
  EXPECT_EQ(percent_decode("%41%2b+"), "A++");
  EXPECT_EQ(percent_decode("%41%2b+", true), "A+ ");
}

}  // namespace
