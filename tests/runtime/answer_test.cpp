#include <gbrt/runtime/answer.hpp>

#include <chrono>

#include <gtest/gtest.h>

namespace {

using gbrt::runtime::Answer;
using gbrt::runtime::ComponentResponse;
using gbrt::runtime::Outcome;

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

TEST(Answer, ErrorsCarryTheirEscapedMessageAndAnOutcome) {
  Answer a = Answer::error(400, "a \"quoted\" word");
  EXPECT_TRUE(a.has_message());
  EXPECT_EQ(a.escaped_message(), R"(a \"quoted\" word)");
  EXPECT_EQ(a.outcome, Outcome::rejected);
  Answer busy = Answer::unavailable("Overloaded", std::chrono::seconds(1));
  EXPECT_EQ(busy.escaped_message(), "Overloaded");
  EXPECT_EQ(busy.outcome, Outcome::shed);
  gbrt::events::ParseError error;
  error.code = gbrt::events::ParseError::Code::empty;
  Answer parse = Answer::parse_error(error, "environment");
  EXPECT_EQ(parse.escaped_message(), "environment: " + error.message());
  EXPECT_EQ(parse.outcome, Outcome::rejected);
  EXPECT_FALSE(Answer::ok().has_message());
  EXPECT_EQ(Answer::ok().outcome, Outcome::ok);
  EXPECT_FALSE(Answer::json(200, "{}").has_message());
}

// A worker's ack, nak or term comes from these.
TEST(Answer, RetryFollowsGitBooksSemantics) {
  using gbrt::runtime::Retry;
  using gbrt::runtime::retry_of;
  EXPECT_EQ(retry_of(Answer::ok()), Retry::no);
  EXPECT_EQ(retry_of(Answer::json(202, "{}")), Retry::no);
  EXPECT_EQ(retry_of(Answer::unavailable("busy", std::chrono::seconds(1))), Retry::now);
  for (unsigned status : {404u, 406u, 408u, 429u, 500u, 504u}) {
    EXPECT_EQ(retry_of(Answer::error(status, "x")), Retry::later) << status;
  }
  for (unsigned status : {400u, 401u, 403u, 409u, 413u, 422u}) {
    EXPECT_EQ(retry_of(Answer::error(status, "x")), Retry::never) << status;
  }
}

TEST(ComponentResponse, ElementAndComplete) {
  EXPECT_EQ(
      ComponentResponse::element(R"({"type":"text","text":"x"})", R"({"s":1})", "{}").json,
      R"({"type":"element","state":{"s":1},"props":{},"element":{"type":"text","text":"x"}})");
  EXPECT_EQ(ComponentResponse::complete(R"({"ok":true})").json,
            R"({"type":"complete","returnValue":{"ok":true}})");
}

}  // namespace

namespace {

// One escaper, two styles: an answer escapes every control character and DEL as \u; the
// JavaScript style writes what JSON.stringify writes. Both replace bytes that are not UTF-8.
TEST(AppendJsonEscaped, AnswersAndJavaScriptDifferOnlyWhereJsonStringifyDoes) {
  using gbrt::append_json_escaped;
  using gbrt::JsonEscapes;
  const std::string_view text("\x01\b\f\n\"\\\x7f\xff", 8);
  std::string answer, javascript;
  append_json_escaped(answer, text);
  append_json_escaped(javascript, text, JsonEscapes::javascript);
  EXPECT_EQ(answer, "\\u0001\\u0008\\u000c\\n\\\"\\\\\\u007f\xef\xbf\xbd");
  EXPECT_EQ(javascript, "\\u0001\\b\\f\\n\\\"\\\\\x7f\xef\xbf\xbd");
}

}  // namespace
