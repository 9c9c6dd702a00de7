// gbrt-server's example app against GitBook's own runtime running the same integration in
// TypeScript (integration.ts): same inputs, same answers. Without handlers too: gbrt-bare-server
// against an integration that declares nothing, on every event type. And every ContentKit
// element the builders make, validated against the spec's schema. See run and compare.mjs.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <boost/json/array.hpp>

#include <gbrt/runtime/js_json.hpp>
#include <gbrt/runtime/testing.hpp>

#ifdef GBRT_WITH_SITE_ANALYTICS
#include "analytics.hpp"
#endif

#include "contentkit_catalogue.hpp"
#include "support/server_process.hpp"

namespace {

// The catalogue as [{"name":…, "element":…}], for compare.mjs, with what the examples'
// components render when run (gbrt-server's example app is asked over HTTP by compare.mjs).
std::string write_catalogue(const std::string& dir) {
  boost::json::array elements;
  for (const auto& [name, root] : gbrt::test::contentkit_catalogue()) {
    elements.push_back(boost::json::object{{"name", name}, {"element", root.json()}});
  }
#ifdef GBRT_WITH_SITE_ANALYTICS
  gbrt::runtime::HandlerHarness harness;
  auto analytics = site_analytics::register_site_analytics(harness.runtime());
  const auto render = harness.run(
      R"({"type":"ui_render","eventId":"r","installationId":"i","componentId":"page-stats",)"
      R"("props":{"pageId":"home"},"context":{"type":"document","theme":"light"}})");
  EXPECT_EQ(render.answer.status, 200u) << render.answer.body;
  const boost::json::value answer = gbrt::runtime::parse_json(render.answer.body);
  elements.push_back(boost::json::object{{"name", "examples/site_analytics: page-stats"},
                                         {"element", answer.at("element")}});
#endif
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/contentkit-catalogue.json";
  std::ofstream(path) << gbrt::runtime::to_js_json(elements);
  return path;
}

TEST(Differential, ExampleAppAnswersAsGitBooksRuntimeRunningTheSameIntegration) {
  gbrt::test::ServerProcess server;
  gbrt::test::ServerProcess bare({}, {}, GBRT_BARE_SERVER_PATH);
  // The npm install is kept between runs (in the build tree), keyed by the lock file.
  const std::string work = std::string(GBRT_DIFFERENTIAL_WORK_DIR);
  const std::string command = std::string(GBRT_DIFFERENTIAL_DIR) +
                              "/run http://127.0.0.1:" + std::to_string(server.port()) +
                              " http://127.0.0.1:" + std::to_string(bare.port()) + " " +
                              write_catalogue(work) + " " + work;
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << command;
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "npm's registry is unreachable";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "gbrt and @gitbook/runtime disagree (see the output above)";
}

}  // namespace
