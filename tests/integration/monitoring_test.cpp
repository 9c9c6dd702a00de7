// packaging/monitoring: every metric and label the Grafana dashboard and the Prometheus alert
// rules use exists in a real gbrt-server's /metrics.
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace {

using gbrt::test::HttpClient;
using gbrt::test::ServerProcess;

std::string monitoring_file(const std::string& name) {
  return gbrt::test::read_file(std::filesystem::path(GBRT_PACKAGING_DIR) / "monitoring" / name);
}

std::set<std::string> matches(const std::string& text, const std::regex& pattern, int group) {
  std::set<std::string> found;
  for (std::sregex_iterator it(text.begin(), text.end(), pattern), end; it != end; ++it) {
    found.insert((*it)[group].str());
  }
  return found;
}

// A scrape with every series present: one event handled, one queued.
std::string full_scrape(ServerProcess& server) {
  HttpClient client(server.port());
  EXPECT_EQ(client.post_json("/v1", gbrt::test::fixture("site_view-1.json")).status, 200u);
  EXPECT_EQ(client.post_json("/v1", gbrt::test::fixture("page_feedback-1.json")).status, 202u);
  return client.get("/metrics").body;
}

void expect_all_in_scrape(const std::string& file, const std::string& text,
                          const std::string& scrape) {
  const auto metrics = matches(text, std::regex(R"(\b((gbrt|process)_[a-z0-9_]+))"), 1);
  EXPECT_FALSE(metrics.empty()) << file;
  for (const auto& metric : metrics) {
    const std::regex series("(^|\n)" + metric + "[{ ]");
    EXPECT_TRUE(std::regex_search(scrape, series))
        << file << " uses " << metric << ", which /metrics lacks";
  }
  // Labels grouped by, other than those Prometheus adds.
  for (const auto& list : matches(text, std::regex(R"(by \(([a-z_, ]+)\))"), 1)) {
    for (const auto& label : matches(list, std::regex(R"([a-z_]+)"), 0)) {
      if (label == "instance" || label == "job") continue;
      EXPECT_NE(scrape.find(label + "=\""), std::string::npos)
          << file << " groups by " << label << ", a label no series has";
    }
  }
}

TEST(Monitoring, TheDashboardAndAlertsUseOnlyMetricsThatExist) {
  ServerProcess server({"--ack", "page_feedback=queued"});
  const std::string scrape = full_scrape(server);

  const std::string dashboard = monitoring_file("gbrt-dashboard.json");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(dashboard).get(root), simdjson::SUCCESS) << "not JSON";
  std::string exprs;
  for (auto panel : root["panels"].get_array()) {
    for (auto target : panel["targets"].get_array()) {
      exprs += std::string(target["expr"].get_string().value()) + "\n";
    }
  }
  EXPECT_GE(exprs.size(), 8u);
  expect_all_in_scrape("gbrt-dashboard.json", exprs, scrape);

  const std::string alerts = monitoring_file("gbrt-alerts.yml");
  EXPECT_NE(alerts.find("groups:"), std::string::npos);
  expect_all_in_scrape("gbrt-alerts.yml", alerts, scrape);
}

}  // namespace
