#include <gbrt/runtime/router.hpp>

#include <gtest/gtest.h>

#include <gbrt/runtime/runtime.hpp>

#include "support/dispatch.hpp"

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;
using gbrt::Context;
using gbrt::Runtime;
using gbrt::runtime::FetchRequest;
using gbrt::runtime::Response;
using gbrt::runtime::Router;
using gbrt::test::dispatch_json;

std::string fetch_event(std::string_view method, std::string_view url,
                        std::string_view headers = "{}") {
  return R"({"type":"fetch","eventId":"e","request":{"method":")" + std::string(method) +
         R"(","url":")" + std::string(url) + R"(","headers":)" + std::string(headers) + "}}";
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    Router router;
    router.get("/items/:id", [](const FetchRequest& r, Context&) -> asio::awaitable<Response> {
      co_return Response::text(std::string(r.param("id")) + "|" + r.query("q").value_or("-") + "|" +
                               std::string(r.header("X-Trace").value_or("-")));
    });
    router.delete_("/items/:id", [](const FetchRequest& r, Context&) -> asio::awaitable<Response> {
      co_return Response::text("deleted " + std::string(r.param("id")), "text/plain", 202);
    });
    router.post("/cookies", [](const FetchRequest&, Context&) -> asio::awaitable<Response> {
      co_return Response::json("{}")
          .add_header("Set-Cookie", "a=1")
          .add_header("Set-Cookie", "b=2");
    });
    runtime_.fetch(std::move(router));
    runtime_.start();
  }
  Runtime runtime_{gbrt::runtime::RuntimeOptions{.threads = 1}};
};

TEST_F(RouterTest, MethodAndPathTailPickTheRouteWithDecodedParameters) {
  auto a = dispatch_json(runtime_,
                         fetch_event("get", "https://x.example/v1/i/inst/items/a%20b?q=1%2B1+2",
                                     R"({"x-trace":"t1"})"));
  EXPECT_EQ(a.status, 200u);
  EXPECT_EQ(a.body, "a b|1+1 2|t1");
  ASSERT_EQ(a.headers.size(), 1u);
  EXPECT_EQ(a.headers[0].first, "Content-Type");
  EXPECT_EQ(a.headers[0].second, "text/plain");
  EXPECT_EQ(a.content_type, "");

  auto d = dispatch_json(runtime_, fetch_event("delete", "https://x.example/items/7"));
  EXPECT_EQ(d.status, 202u);
  EXPECT_EQ(d.body, "deleted 7");
}

TEST_F(RouterTest, RepeatedHeadersStayInOrderAndNoRouteIs404NotFound) {
  auto c = dispatch_json(runtime_, fetch_event("POST", "https://x.example/cookies"));
  ASSERT_EQ(c.headers.size(), 3u);
  EXPECT_EQ(c.headers[1], (std::pair<std::string, std::string>("Set-Cookie", "a=1")));
  EXPECT_EQ(c.headers[2], (std::pair<std::string, std::string>("Set-Cookie", "b=2")));
  for (const char* url : {"https://x.example/items", "https://x.example/items/1/more",
                          "https://x.example/cookies?x"}) {
    auto n = dispatch_json(runtime_, fetch_event("get", url));
    EXPECT_EQ(n.status, 404u) << url;
    EXPECT_EQ(n.body, "Not found");
  }
}

}  // namespace
