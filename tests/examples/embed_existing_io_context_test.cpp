// examples/embed_existing_io_context over real loopback HTTP: the service's own route and
// GitBook events on one port, the handlers on the service's own thread, signatures checked.
#include <ctime>

#include <gtest/gtest.h>

#include <gbrt/net/signature.hpp>

#include "service.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"

namespace {

TEST(ExampleEmbedExistingIoContext, OwnRoutesAndEventsShareThePortAndTheThread) {
  embed::Service service(0, "");
  service.start();
  {
    gbrt::test::HttpClient client(service.port());
    EXPECT_EQ(client.post_json("/orders", "{}").body, R"({"order":"accepted"})");
    for (int i = 0; i < 10; ++i) {
      auto r = client.post_json("/gitbook/events", gbrt::test::fixture("site_view-1.json"));
      ASSERT_EQ(r.status, 200u) << r.body;
      EXPECT_EQ(r.body, "OK");
    }
    // GitBook's answers come from the runtime: a type without a handler is 406.
    EXPECT_EQ(client.post_json("/gitbook/events", gbrt::test::fixture("space_view-1.json")).status,
              406u);
    EXPECT_EQ(client.post_json("/gitbook/events", "{not json").status, 400u);
    auto metrics = client.get("/metrics");
    EXPECT_NE(metrics.body.find(R"(gbrt_events_received_total{type="site_view"} 10)"),
              std::string::npos)
        << metrics.body;
    EXPECT_EQ(client.get("/nowhere").status, 404u);
  }
  service.stop();
  EXPECT_EQ(service.orders_seen(), 1u);
  EXPECT_EQ(service.page_views(), 10u);
  EXPECT_TRUE(service.handlers_on_service_thread());
}

TEST(ExampleEmbedExistingIoContext, ChecksTheSignatureWithASecret) {
  embed::Service service(0, "secret");
  service.start();
  {
    gbrt::test::HttpClient client(service.port());
    const std::string body = gbrt::test::fixture("site_view-1.json");
    EXPECT_EQ(client.post_json("/gitbook/events", body).status, 401u);
    auto signed_answer = client.post_json(
        "/gitbook/events", body,
        {{"X-GitBook-Signature", gbrt::net::sign_webhook("secret", std::time(nullptr), body)}});
    EXPECT_EQ(signed_answer.status, 200u);
  }
  service.stop();
  EXPECT_EQ(service.page_views(), 1u);
}

}  // namespace
