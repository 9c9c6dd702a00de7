#include "response.hpp"

#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace {

using gbrt::net::ResponseWriter;
using gbrt::runtime::Answer;

std::string formatted(Answer answer, unsigned version = 11, bool keep_alive = true,
                      bool head = false) {
  ResponseWriter writer;
  writer.format(std::move(answer), version, keep_alive, {}, head);
  return std::string(writer.head()) + std::string(writer.body());
}

// The answer to most events has its header ready-made (kept alive or not): the same bytes as
// the general path.
TEST(ResponseWriter, TheUsualOkIsWhatTheGeneralPathWrites) {
  const std::string ok = formatted(Answer::ok());
  EXPECT_EQ(ok,
            "HTTP/1.1 200 OK\r\nServer: gbrt\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
            "\r\nOK");
  // Near misses take the general path; each differs from the usual answer only where it must.
  Answer other_body = Answer::ok();
  other_body.body = "NO";
  EXPECT_EQ(formatted(std::move(other_body)),
            "HTTP/1.1 200 OK\r\nServer: gbrt\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
            "\r\nNO");
  EXPECT_EQ(formatted(Answer::ok(), 10, true),
            "HTTP/1.0 200 OK\r\nServer: gbrt\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
            "Connection: keep-alive\r\n\r\nOK");
  EXPECT_EQ(formatted(Answer::ok(), 11, false),  // ready-made too
            "HTTP/1.1 200 OK\r\nServer: gbrt\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
            "Connection: close\r\n\r\nOK");
  EXPECT_EQ(formatted(Answer::ok(), 11, true, true),
            "HTTP/1.1 200 OK\r\nServer: gbrt\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
            "\r\n");
  Answer closing_other_body = Answer::ok();
  closing_other_body.body = "NO";
  EXPECT_EQ(formatted(std::move(closing_other_body), 11, false),
            "HTTP/1.1 200 OK\r\nServer: gbrt\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
            "Connection: close\r\n\r\nNO");
  Answer with_header = Answer::ok();
  with_header.headers.emplace_back("X-A", "b");
  EXPECT_EQ(formatted(std::move(with_header)),
            "HTTP/1.1 200 OK\r\nServer: gbrt\r\nContent-Type: text/plain\r\nX-A: b\r\n"
            "Content-Length: 2\r\n\r\nOK");
  Answer json = Answer::json(200, "OK");
  EXPECT_EQ(formatted(std::move(json)),
            "HTTP/1.1 200 OK\r\nServer: gbrt\r\nContent-Type: application/json\r\n"
            "Content-Length: 2\r\n\r\nOK");
}

// Short answers are one buffer, which serve() sends with send() rather than sendmsg(); a
// long body is a second buffer, not copied.
TEST(ResponseWriter, ShortAnswersAreOneBuffer) {
  ResponseWriter writer;
  writer.format(Answer::ok(), 11, true, {}, false);
  EXPECT_EQ(writer.buffers()[1].size(), 0u);
  EXPECT_EQ(writer.body_bytes(), 2u);
  writer.format(Answer::error(404, "gone"), 11, true, {}, false);
  EXPECT_EQ(writer.buffers()[1].size(), 0u);
  EXPECT_TRUE(writer.head().ends_with(R"({"error":"gone"})")) << writer.head();
  EXPECT_EQ(writer.body_bytes(), std::string_view(R"({"error":"gone"})").size());
  Answer long_body = Answer::json(200, std::string(1025, 'a'));
  writer.format(std::move(long_body), 11, true, {}, false);
  EXPECT_EQ(writer.buffers()[1].size(), 1025u);
  EXPECT_EQ(writer.body(), std::string(1025, 'a'));
  EXPECT_EQ(writer.body_bytes(), 1025u);
  // A short answer after a long one: one buffer again, and the long body is let go.
  writer.format(Answer::json(200, std::string(1024, 'b')), 10, true, {}, false);
  EXPECT_EQ(writer.buffers()[1].size(), 0u);
  EXPECT_TRUE(writer.body().empty());
  EXPECT_TRUE(writer.head().ends_with("\r\n\r\n" + std::string(1024, 'b')));
  EXPECT_EQ(writer.body_bytes(), 1024u);
  writer.format(Answer::json(200, std::string(1025, 'a')), 11, true, {}, true);  // HEAD
  EXPECT_EQ(writer.buffers()[1].size(), 0u);
  EXPECT_EQ(writer.body_bytes(), 0u);
  EXPECT_TRUE(writer.head().ends_with("Content-Length: 1025\r\n\r\n")) << writer.head();
}

// One writer answers a connection's requests in turn: the ready-made header and the
// formatted one take each other's place.
TEST(ResponseWriter, AnswersInTurnEachGetTheirOwnHeader) {
  ResponseWriter writer;
  const auto sent = [&writer] {
    std::string text;
    for (const auto& buffer : writer.buffers()) {
      text.append(static_cast<const char*>(buffer.data()), buffer.size());
    }
    return text;
  };
  writer.format(Answer::error(404, "gone"), 11, true, {}, false);
  const std::string not_found = sent();
  EXPECT_EQ(not_found.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << not_found;
  writer.format(Answer::ok(), 11, true, {}, false);
  EXPECT_EQ(sent(), formatted(Answer::ok()));
  writer.format(Answer::error(404, "gone"), 11, true, {}, false);
  EXPECT_EQ(sent(), not_found);
  writer.format(Answer::ok(), 11, false, {}, false);
  EXPECT_EQ(sent(), formatted(Answer::ok(), 11, false));
  // A longer header than any before: the formatted text grows (reallocates) under the view.
  Answer long_header = Answer::error(405, "no");
  long_header.headers.emplace_back("X-Long", std::string(500, 'a'));
  ResponseWriter fresh;
  fresh.format(Answer(long_header), 10, true, "POST", false);
  const std::string expected = std::string(fresh.head()) + std::string(fresh.body());
  EXPECT_NE(expected.find("\r\nAllow: POST\r\n"), std::string::npos) << expected;
  writer.format(std::move(long_header), 10, true, "POST", false);
  EXPECT_EQ(sent(), expected);
}

}  // namespace
