#include <gbrt/runtime/process_metrics.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <gbrt/runtime/runtime.hpp>

#include "support/http_client.hpp"

namespace {

using gbrt::test::metric_value;

TEST(ProcessMetrics, EveryRuntimeExportsTheProcessSeriesAndBuildInfo) {
  gbrt::Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 1});
  const std::string before = runtime.metrics().render();
  EXPECT_NE(before.find("# TYPE process_cpu_seconds_total counter"), std::string::npos) << before;
  EXPECT_GT(metric_value(before, "process_cpu_seconds_total"), 0.0);
  EXPECT_GT(metric_value(before, "process_resident_memory_bytes"), 1e6);  // a C++ process
  const double started = metric_value(before, "process_start_time_seconds");
  const double now = double(time(nullptr));
  EXPECT_LE(started, now + 1);
  EXPECT_GT(started, now - 3600);  // this test process started within the hour
  EXPECT_GT(metric_value(before, "process_max_fds"), 0.0);
  EXPECT_EQ(metric_value(before, "gbrt_build_info{version=\"" GBRT_TEST_VERSION "\"}"), 1.0)
      << before;

  // Opening descriptors shows in process_open_fds.
  const double open_before = metric_value(before, "process_open_fds");
  int fds[8];
  for (int& fd : fds) fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const double open_after = metric_value(runtime.metrics().render(), "process_open_fds");
  for (int fd : fds) close(fd);
  EXPECT_GE(open_after, open_before + 8);
}

}  // namespace
