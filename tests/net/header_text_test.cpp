#include "header_text.hpp"  // net/src: net's own helpers

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace {

using gbrt::net::media_type_is;

TEST(HeaderText, MediaTypeIgnoresCaseAndParameters) {
  EXPECT_TRUE(media_type_is("Application/JSON ; charset=utf-8", "application/json"));
  EXPECT_FALSE(media_type_is("application/jsonx", "application/json"));
}

// The input the fuzzer found: a case difference made Boost 1.81's beast::iequals read past
// the end of its arguments.
TEST(HeaderText, CaseInsensitiveComparisonStaysInBounds) {
  std::string exact(std::string_view("mUltipart/form-data"));  // own heap block, exact size
  EXPECT_TRUE(gbrt::net::ascii_iequals(exact, "multipart/form-data"));
  EXPECT_TRUE(media_type_is(exact, "multipart/form-data"));
  EXPECT_FALSE(gbrt::net::ascii_iequals("multipart/form-datA", "multipart/form-dat"));
  EXPECT_FALSE(gbrt::net::ascii_iequals("a[", "A{"));  // not a letter: no case folding
}

}  // namespace
