#include <gbrt/runtime/metrics.hpp>

#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace {

using gbrt::runtime::Counter;
using gbrt::runtime::Metrics;
using gbrt::runtime::Outcome;

TEST(Counter, SumsTheCellsOfEveryShard) {
  Counter counter(3);
  std::vector<std::thread> writers;
  for (std::size_t shard = 0; shard < 3; ++shard) {
    writers.emplace_back([&counter, shard] {
      for (int i = 0; i < 100000; ++i) counter.inc(shard);
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(counter.value(), 300000u);
}

TEST(Metrics, RendersPrometheusTextWithEveryTypeAndOutcome) {
  Metrics metrics(2);
  std::size_t view = metrics.add_type("space_view");
  std::size_t task = metrics.add_type("task");
  metrics.event_received(0, view);
  metrics.event_received(1, view);
  metrics.event_handled(1, view, Outcome::ok);
  metrics.event_handled(0, task, Outcome::rejected);
  metrics.http_request(0, 200);
  metrics.http_request(1, 406);
  metrics.counter("app_things_total{kind=\"a\"}", "Things.").inc(1, 5);

  std::string text = metrics.render();
  EXPECT_NE(text.find("# TYPE gbrt_events_received_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("gbrt_events_received_total{type=\"space_view\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("gbrt_events_received_total{type=\"task\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("gbrt_events_handled_total{type=\"space_view\",outcome=\"ok\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("gbrt_events_handled_total{type=\"task\",outcome=\"rejected\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("gbrt_http_requests_total{code=\"406\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# HELP app_things_total Things.\n"), std::string::npos);
  EXPECT_NE(text.find("app_things_total{kind=\"a\"} 5\n"), std::string::npos);
  EXPECT_EQ(metrics.http_requests(200), 1u);
}

TEST(Metrics, ApplicationHistogramsRenderWithAndWithoutLabels) {
  Metrics metrics(2);
  auto& plain = metrics.histogram("app_publish_seconds", "Publish latency.");
  auto& labelled = metrics.histogram("app_step_seconds{step=\"a\"}", "Step latency.");
  plain.record(0, std::chrono::microseconds(3));  // the 4 µs bucket
  plain.record(1, std::chrono::milliseconds(1));  // the 1024 µs bucket
  labelled.record(1, std::chrono::microseconds(1));
  const std::string text = metrics.render();
  EXPECT_NE(text.find("# TYPE app_publish_seconds histogram\n"), std::string::npos) << text;
  EXPECT_NE(text.find("app_publish_seconds_bucket{le=\"2e-06\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("app_publish_seconds_bucket{le=\"4e-06\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("app_publish_seconds_bucket{le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("app_publish_seconds_count 2\n"), std::string::npos);
  EXPECT_NE(text.find("app_step_seconds_bucket{step=\"a\",le=\"1e-06\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("app_step_seconds_count{step=\"a\"} 1\n"), std::string::npos);
}

}  // namespace
