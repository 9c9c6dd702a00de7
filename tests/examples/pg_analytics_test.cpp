// examples/pg_analytics over real loopback HTTP and a real PostgreSQL: each site_view is a
// row once it is answered, and page_views counts views per page and day.
#include <string>

#include <gtest/gtest.h>

#include <gbrt/net/server.hpp>

#include "pg_analytics.hpp"
#include "support/http_client.hpp"
#include "support/pg_cluster.hpp"

namespace {

std::string site_view(const std::string& page, int n) {
  return R"({"type":"site_view","eventId":"evt_)" + std::to_string(n) +
         R"(","installationId":"inst","siteId":"site","pageId":")" + page +
         R"(","visitor":{"anonymousId":"a","cookies":{},"userAgent":"t","ip":"192.0.2.1"},)"
         R"("url":"https://x/","referrer":""})";
}

std::string fetch(const std::string& path_and_query) {
  return R"({"type":"fetch","eventId":"evt_fetch","installationId":"inst","request":{"method":"GET",)"
         R"("url":"https://integrations.gitbook.com/v1/integrations/pg-analytics/installations/inst)" +
         path_and_query + R"(","headers":{}}})";
}

TEST(ExamplePgAnalytics, StoresEveryViewAndCountsViewsPerPageAndDay) {
  gbrt::test::PgCluster cluster;
  gbrt::Runtime runtime(pg_analytics::options(2));
  auto storage = pg_analytics::register_pg_analytics(runtime, cluster.url());
  gbrt::net::Server server(runtime, {.host = "127.0.0.1", .port = 0});
  runtime.start();
  server.start();
  ASSERT_TRUE(storage->pool.wait_connected(std::chrono::seconds(20)));
  {
    gbrt::test::HttpClient client(server.port());
    for (int n = 0; n < 30; ++n) {
      auto r = client.post_json("/", site_view(n % 3 == 0 ? "pricing" : "home", n));
      ASSERT_EQ(r.status, 200u) << r.body;
    }
    ASSERT_EQ(client.post_json("/", site_view("home", 1)).status, 200u);  // a retry
  }
  EXPECT_EQ(cluster.psql("SELECT count(*) FROM gbrt_events"), "30\n");
  EXPECT_EQ(cluster.psql("SELECT string_agg(page_id || '=' || views, ',' ORDER BY page_id) "
                         "FROM page_views WHERE day = current_date"),
            "home=21,pricing=10\n");  // the retry was stored once, counted again
  {
    gbrt::test::HttpClient client(server.port());
    const std::string today = cluster.psql("SELECT current_date::text");
    const std::string day = today.substr(0, today.size() - 1);
    auto top = client.post_json("/", fetch("/top?limit=5"));
    EXPECT_EQ(top.status, 200u) << top.body;
    EXPECT_EQ(top.body,
              R"({"day":")" + day +
                  R"(","pages":[{"pageId":"home","views":21},{"pageId":"pricing","views":10}]})");
    top = client.post_json("/", fetch("/top?limit=1&day=" + day));
    EXPECT_EQ(top.body, R"({"day":")" + day + R"(","pages":[{"pageId":"home","views":21}]})");
    top = client.post_json("/", fetch("/top?day=2001-01-01"));
    EXPECT_EQ(top.body, R"({"day":"2001-01-01","pages":[]})");
    EXPECT_EQ(client.post_json("/", fetch("/top?day=someday")).status, 400u);
    EXPECT_EQ(client.post_json("/", fetch("/top?limit=0")).status, 400u);
    EXPECT_EQ(client.post_json("/", fetch("/elsewhere")).status, 404u);
  }
  server.stop();
  runtime.drain(std::chrono::seconds(5));
  storage->pool.close();
  runtime.stop();
}

}  // namespace
