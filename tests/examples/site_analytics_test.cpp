// examples/site_analytics over real loopback HTTP: views and unique visitors per page,
// the page-stats component, the /metrics gauges, and the HyperLogLog's accuracy and bounds.
#include <string>

#include <gtest/gtest.h>

#include <gbrt/net/server.hpp>

#include "analytics.hpp"
#include "support/http_client.hpp"

namespace {

std::string site_view(const std::string& page, const std::string& visitor, int n) {
  return R"({"type":"site_view","eventId":"evt_)" + std::to_string(n) +
         R"(","installationId":"inst","siteId":"site","pageId":")" + page +
         R"(","visitor":{"anonymousId":")" + visitor +
         R"(","cookies":{},"userAgent":"t","ip":"192.0.2.1"},"url":"https://x/","referrer":""})";
}

TEST(ExampleSiteAnalytics, CountsViewsAndVisitorsServesThemAndExportsMetrics) {
  gbrt::Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 2});
  auto analytics = site_analytics::register_site_analytics(runtime);
  gbrt::net::Server server(runtime, {.host = "127.0.0.1", .port = 0});
  runtime.start();
  server.start();
  {
    gbrt::test::HttpClient client(server.port());
    int n = 0;
    for (int visitor = 0; visitor < 50; ++visitor) {  // 50 visitors, 3 views each, on "home"
      for (int again = 0; again < 3; ++again) {
        auto r = client.post_json("/", site_view("home", "anon_" + std::to_string(visitor), ++n));
        ASSERT_EQ(r.status, 200u) << r.body;
      }
    }
    ASSERT_EQ(client.post_json("/", site_view("pricing", "anon_1", ++n)).status, 200u);

    const std::string day = site_analytics::today();
    EXPECT_EQ(analytics->views(day, "home"), 150u);
    const auto unique = analytics->unique_visitors(day, "home");
    EXPECT_NEAR(double(unique), 50.0, 2.0);  // an estimate: register collisions happen
    EXPECT_EQ(analytics->unique_visitors(day, "pricing"), 1u);

    auto render = client.post_json(
        "/",
        R"({"type":"ui_render","eventId":"r1","installationId":"inst","componentId":"page-stats",)"
        R"("props":{"pageId":"home"},"context":{"type":"document","theme":"light"}})");
    ASSERT_EQ(render.status, 200u) << render.body;
    EXPECT_NE(render.body.find("150 views, about " + std::to_string(unique) + " visitors today"),
              std::string::npos)
        << render.body;

    auto metrics = client.get("/metrics");
    EXPECT_NE(metrics.body.find("site_analytics_page_views{day=\"today\"} 151"), std::string::npos)
        << metrics.body;
    auto at = metrics.body.find("site_analytics_unique_visitors{day=\"today\"} ");
    ASSERT_NE(at, std::string::npos) << metrics.body;
    const double exported = std::stod(metrics.body.substr(at + 44));
    EXPECT_NEAR(exported, 50.0, 2.0) << metrics.body;
  }
  server.stop();
  runtime.shutdown(std::chrono::seconds(1));
}

TEST(ExampleSiteAnalytics, HyperLogLogIsWithinFivePercentAtAHundredThousand) {
  site_analytics::Analytics analytics;
  for (int i = 0; i < 100000; ++i)
    analytics.view("2026-01-01", "p", "visitor-" + std::to_string(i));
  const double estimate = double(analytics.unique_visitors("2026-01-01", "p"));
  EXPECT_NEAR(estimate, 100000.0, 5000.0);
}

TEST(ExampleSiteAnalytics, MemoryIsBoundedByDaysAndPages) {
  site_analytics::Analytics analytics({.days = 2, .pages = 3});
  for (int day = 1; day <= 5; ++day) {
    for (int page = 0; page < 10; ++page) {
      // Built with += : g++ 12 warns (-Wrestrict) on `"..." + std::string&&`.
      std::string date = "2026-01-0", path = "p";
      date += std::to_string(day);
      path += std::to_string(page);
      analytics.view(date, path, "v");
    }
  }
  EXPECT_EQ(analytics.pages_tracked(), 2u * 4u);  // 2 days x (3 pages + "(other)")
  EXPECT_EQ(analytics.views("2026-01-05", "(other)"), 7u);
  EXPECT_EQ(analytics.views("2026-01-01", "p0"), 0u);  // dropped with its day
}

}  // namespace
