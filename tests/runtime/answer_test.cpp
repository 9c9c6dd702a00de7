#include <gbrt/runtime/answer.hpp>

#include <gtest/gtest.h>

namespace {

using gbrt::runtime::Answer;
using gbrt::runtime::ComponentResponse;

TEST(Answer, OkIsGitBooksPlainOk) {
  Answer ok = Answer::ok();
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body, "OK");
}

TEST(Answer, ErrorBodyIsValidJsonWhateverTheMessage) {
  Answer a =
      Answer::error(400, std::string("quote \" backslash \\ newline \n nul ") + '\0' + "\x1f");
  EXPECT_EQ(a.status, 400u);
  EXPECT_EQ(a.content_type, "application/json");
  EXPECT_EQ(a.body, R"({"error":"quote \" backslash \\ newline \n nul \u0000\u001f"})");
}

TEST(Answer, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  // Valid multi-byte text passes; a lone continuation byte, an overlong form, a surrogate
  // and a sequence cut short each become U+FFFD.
  std::string input = "caf\xc3\xa9 \xe2\x9c\x93 \x80 \xc0\xaf \xed\xa0\x80 \xe2\x9c";
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD in UTF-8
  EXPECT_EQ(Answer::error(400, input).body, "{\"error\":\"caf\xc3\xa9 \xe2\x9c\x93 " + r + " " + r +
                                                r + " " + r + r + r + " " + r + r + "\"}");
}

TEST(ComponentResponse, ElementAndComplete) {
  EXPECT_EQ(
      ComponentResponse::element(R"({"type":"text","text":"x"})", R"({"s":1})", "{}").json,
      R"({"type":"element","state":{"s":1},"props":{},"element":{"type":"text","text":"x"}})");
  EXPECT_EQ(ComponentResponse::complete(R"({"ok":true})").json,
            R"({"type":"complete","returnValue":{"ok":true}})");
}

}  // namespace
