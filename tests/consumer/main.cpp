// Handles one space_view through an installed gbrt, and one installed fixture through
// HandlerHarness as docs/handlers.md shows: exits 0 when both were answered 200.
#include <cstdio>
#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include <gbrt/net/server.hpp>
#include <gbrt/runtime/fixtures.hpp>
#include <gbrt/runtime/testing.hpp>

namespace ev = gbrt::events;

int main() {
  gbrt::Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  int views = 0;
  runtime.on<ev::SpaceView>(
      [&](const ev::SpaceView&, gbrt::Context&) -> boost::asio::awaitable<void> {
        ++views;
        co_return;
      });
  gbrt::net::Server server(runtime, {.host = "127.0.0.1", .port = 0});
  runtime.start();
  server.start();
  auto answer =
      boost::asio::co_spawn(
          runtime.shard(0).executor(),
          runtime.handle(
              R"({"type":"space_view","eventId":"e1","installationId":"i",)"
              R"("spaceId":"s","url":"https://x","referrer":"",)"
              R"("visitor":{"anonymousId":"a","cookies":{},"userAgent":"u","ip":"1.2.3.4"}})"),
          boost::asio::use_future)
          .get();
  server.stop();
  runtime.shutdown(std::chrono::seconds(1));
  std::printf("consumer: status %u, %d view(s), server was on port %u\n", answer.status, views,
              unsigned(server.port()));
  if (answer.status != 200 || views != 1) return 1;

  gbrt::runtime::HandlerHarness harness;
  std::string page;
  harness.runtime().on<ev::SiteView>(
      [&](const ev::SiteView& view, gbrt::Context&) -> boost::asio::awaitable<void> {
        page = std::string(view.page_id.value_or(""));
        co_return;
      });
  auto fixture = harness.run(
      gbrt::runtime::FixtureBuilder("site_view-1").set("pageId", "consumer-page").json());
  std::printf("consumer: fixture from %s: status %u, page %s\n",
              gbrt::runtime::fixtures_dir().c_str(), fixture.answer.status, page.c_str());
  return fixture.answer.status == 200 && page == "consumer-page" ? 0 : 1;
}
