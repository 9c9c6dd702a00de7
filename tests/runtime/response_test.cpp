#include <gbrt/runtime/response.hpp>

#include <gtest/gtest.h>

#include <gbrt/runtime/answer.hpp>
#include <gbrt/runtime/runtime.hpp>

#include "support/dispatch.hpp"

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;
using gbrt::Context;
using gbrt::Runtime;
using gbrt::runtime::Response;
using gbrt::test::dispatch_json;

TEST(Response, BuildersSetWhatJavaScriptsResponseWould) {
  Response r = Response::redirect("https://a.example/x", 302);
  EXPECT_EQ(r.status, 302u);
  EXPECT_EQ(r.header("location"), "https://a.example/x");
  EXPECT_EQ(r.header("Content-Type"), std::nullopt);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(Response::json("[]", 201).header("content-type"), "application/json");
  // As Node's Response.redirect: new URL(url).href.
  EXPECT_EQ(Response::redirect("https://a.example/p q'{?x='y z\"é#f'g").header("Location"),
            "https://a.example/p%20q'%7B?x=%27y%20z%22%C3%A9#f'g");
}

// Without a handler, GitBook's runtime's words; with one, the handler's answer.
TEST(Responders, EveryTypeWithoutAHandlerGetsGitBooksStatusAndMessage) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  runtime.start();
  const std::pair<std::string, std::pair<unsigned, std::string>> cases[] = {
      {R"({"type":"fetch","eventId":"e","request":{"method":"get","url":"/","headers":{}}})",
       {400, R"({"error":"Integration does not handle HTTP requests"})"}},
      {R"({"type":"fetch_published_script","eventId":"e","installationId":"i","siteId":"s"})",
       {400, R"({"error":"Integration does not handle fetch_published_script"})"}},
      {R"({"type":"fetch_visitor_authentication","eventId":"e","installationId":"i","siteId":"s"})",
       {400, R"({"error":"Integration does not handle fetch_visitor_authentication"})"}},
      {R"({"type":"task","eventId":"e","task":{}})",
       {400, R"({"error":"Integration does not handle tasks"})"}},
      {R"({"type":"content_compute_document","eventId":"e","installationId":"i","spaceId":"s",)"
       R"("sourceId":"pages","props":{},"dependencies":{}})",
       {404, R"({"error":"Content source pages not found"})"}},
      {R"({"type":"ui_render","eventId":"e","installationId":"i","componentId":"w","props":{},)"
       R"("context":{}})",
       {404, R"({"error":"Component w not found"})"}},
      {R"({"type":"space_view","eventId":"e","installationId":"i","spaceId":"s","url":"u",)"
       R"("referrer":"","visitor":{"anonymousId":"a","cookies":{},"userAgent":"u","ip":"i"}})",
       {406, R"({"error":"Integration does not handle \"space_view\" events"})"}},
  };
  for (const auto& [event, expected] : cases) {
    auto answer = dispatch_json(runtime, event);
    EXPECT_EQ(answer.status, expected.first) << event;
    EXPECT_EQ(answer.body, expected.second) << event;
  }
}

TEST(Responders, PublishedScriptDefaultsToNoOpAndContentSourcesRouteBySourceId) {
  Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  runtime.published_script(
      [](const ev::FetchPublishedScript&, Context&) -> asio::awaitable<std::optional<Response>> {
        co_return std::nullopt;
      });
  runtime.content_source("pages",
                         [](const ev::ContentCompute& e, Context&) -> asio::awaitable<std::string> {
                           co_return R"({"source":")" + std::string(e.source_id) + R"("})";
                         });
  runtime.start();
  auto script = dispatch_json(
      runtime,
      R"({"type":"fetch_published_script","eventId":"e","installationId":"i","siteId":"s"})");
  EXPECT_EQ(script.status, 200u);
  EXPECT_EQ(script.body, "/** no-op */");
  ASSERT_EQ(script.headers.size(), 1u);
  EXPECT_EQ(script.headers[0].second, "application/javascript");
  const std::string compute =
      R"("eventId":"e","installationId":"i","spaceId":"s","sourceId":"pages","props":{},)"
      R"("dependencies":{}})";
  auto document = dispatch_json(runtime, R"({"type":"content_compute_document",)" + compute);
  EXPECT_EQ(document.body, R"({"document":{"source":"pages"}})");
  auto revision = dispatch_json(runtime, R"({"type":"content_compute_revision",)" + compute);
  EXPECT_EQ(revision.body, R"({"source":"pages"})");
  EXPECT_EQ(revision.content_type, "application/json");
}

}  // namespace
