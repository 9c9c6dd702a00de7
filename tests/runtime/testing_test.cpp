#include <gbrt/runtime/testing.hpp>

#include <gtest/gtest.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "support/fixtures.hpp"

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;

// What the README shows: a handler's answer and latency from a fixture, no socket.
TEST(HandlerHarness, RunsAHandlerAgainstAFixtureAndTimesIt) {
  gbrt::runtime::HandlerHarness harness;
  std::string seen;
  harness.runtime().on<ev::SiteView>(
      [&](const ev::SiteView& view, gbrt::Context& c) -> asio::awaitable<void> {
        seen = std::string(view.visitor.cookies["session"].get_string().value_or(""));
        asio::steady_timer pause(c.executor(), std::chrono::milliseconds(20));
        co_await pause.async_wait(asio::use_awaitable);
      });
  auto result = harness.run_file(gbrt::test::fixtures_dir() / "site_view-1.json");
  EXPECT_EQ(result.answer.status, 200u);
  EXPECT_EQ(result.answer.body, "OK");
  EXPECT_EQ(seen, "ayFTCtVTtPLyu2Ws");
  EXPECT_GE(result.latency, std::chrono::milliseconds(20));
  EXPECT_LT(result.latency, std::chrono::seconds(2));
}

TEST(HandlerHarness, ReportsParseErrorsAndEnvironments) {
  gbrt::runtime::HandlerHarness harness;
  std::string integration;
  harness.runtime().on<ev::InstallationSetup>(
      [&](const ev::InstallationSetup&, gbrt::Context& c) -> asio::awaitable<void> {
        integration = std::string(c.environment()->integration["title"].get_string().value_or(""));
        co_return;
      });
  auto bad = harness.run(gbrt::test::fixture("bad/url-missing.bad"));
  EXPECT_EQ(bad.answer.status, 400u);
  EXPECT_NE(bad.answer.body.find(R"("field":"url")"), std::string::npos);
  auto with_env = harness.run(gbrt::test::fixture("installation_setup-1.json"),
                              gbrt::test::fixture("environment.json"));
  EXPECT_EQ(with_env.answer.status, 200u);
  EXPECT_EQ(integration, "Space analytics");
}

}  // namespace

// docs/handlers.md's example, outside the source tree: fixtures by name, from the installed
// folder (here the build tree's share/gbrt/fixtures, which mirrors an install).
TEST(HandlerHarness, RunsAnInstalledFixtureByName) {
  gbrt::runtime::HandlerHarness harness;
  std::string page;
  harness.runtime().on<ev::SiteView>(
      [&](const ev::SiteView& view, gbrt::Context&) -> asio::awaitable<void> {
        page = std::string(view.page_id.value_or(""));
        co_return;
      });
  auto result = harness.run_fixture("site_view-1");
  EXPECT_EQ(result.answer.status, 200u);
  EXPECT_EQ(page, "ADvGgkzI3B44NV2EGjuj");
  EXPECT_THROW(harness.run_fixture("no_such_fixture-1"), std::runtime_error);
}
