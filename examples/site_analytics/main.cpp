// site_analytics: page views and unique visitors per page per day, from site_view and
// space_view events, shown by the `page-stats` component and exported in /metrics.
// Usage: site_analytics [PORT] (default 8082).
#include <iostream>
#include <string>

#include <gbrt/net/run.hpp>

#include "analytics.hpp"

int main(int argc, char** argv) {
  const auto port = static_cast<std::uint16_t>(argc > 1 ? std::stoi(argv[1]) : 8082);
  gbrt::Runtime runtime(gbrt::RuntimeOptions{.threads = 2});
  auto analytics = site_analytics::register_site_analytics(runtime);
  gbrt::net::Server server(runtime, {.host = "127.0.0.1", .port = port});
  gbrt::net::run_until_signal(
      runtime, server, {.on_started = [&] {
        std::cout << "site_analytics listening on 127.0.0.1:" << server.port() << std::endl;
      }});
}
