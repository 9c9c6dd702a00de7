// examples/ported/plausible over HTTP: the script a published site gets.
#include <gtest/gtest.h>

#include "plausible.hpp"
#include "ported/ported_server.hpp"

namespace {

using gbrt::test::environment_fixture;
using gbrt::test::json_fixture;

boost::json::object site_environment(const char* configuration_json) {
  auto env = environment_fixture();
  env["siteInstallation"] = boost::json::parse(
      std::string(R"({"site":"site_Qm8Zt2Lp0Vx","status":"active","configuration":)") +
      configuration_json + "}");
  return env;
}

TEST(PortedPlausible, InjectsTheTrackerForTheSitesKey) {
  gbrt::test::PortedServer app(plausible::register_plausible);
  auto answer = app.send(json_fixture("fetch_published_script-1.json"),
                         site_environment(R"({"scriptKey":"abc123"})"));
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.header("content-type"), "application/javascript");
  EXPECT_EQ(answer.header("cache-control"), "max-age=604800");
  EXPECT_NE(answer.body.find(R"(tracker.src = "https://plausible.io/js/pa-abc123.js";)"),
            std::string::npos)
      << answer.body;
  EXPECT_NE(answer.body.find("window.plausible.init();"), std::string::npos);
}

TEST(PortedPlausible, AKeyWithItsPrefixAndASelfHostedServer) {
  gbrt::test::PortedServer app(plausible::register_plausible);
  auto answer = app.send(
      json_fixture("fetch_published_script-1.json"),
      site_environment(R"({"scriptKey":"pa-XYZ","selfHostedUrl":"https://stats.example.com//"})"));
  EXPECT_NE(answer.body.find(R"("https://stats.example.com/js/pa-XYZ.js")"), std::string::npos)
      << answer.body;
}

TEST(PortedPlausible, AQuoteInTheKeyStaysInsideTheString) {
  gbrt::test::PortedServer app(plausible::register_plausible);
  auto answer = app.send(json_fixture("fetch_published_script-1.json"),
                         site_environment(R"({"scriptKey":"a\";alert(1);//"})"));
  EXPECT_NE(answer.body.find(R"("https://plausible.io/js/pa-a\";alert(1);//.js")"),
            std::string::npos)
      << answer.body;
}

TEST(PortedPlausible, WithoutAKeyGitBooksNoOpScript) {
  gbrt::test::PortedServer app(plausible::register_plausible);
  auto answer = app.send(json_fixture("fetch_published_script-1.json"), site_environment(R"({})"));
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.body, "/** no-op */");
}

}  // namespace
