// site_analytics: page views and unique visitors per page per day, from site_view and
// space_view events, shown by the `page-stats` component and exported in /metrics.
// Usage: site_analytics [PORT] (default 8082).
#include <csignal>
#include <iostream>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <gbrt/net/server.hpp>

#include "analytics.hpp"

int main(int argc, char** argv) {
  const auto port = static_cast<std::uint16_t>(argc > 1 ? std::stoi(argv[1]) : 8082);
  gbrt::Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 2});
  auto analytics = site_analytics::register_site_analytics(runtime);
  gbrt::net::Server server(runtime, {.host = "127.0.0.1", .port = port});
  runtime.start();
  server.start();
  std::cout << "site_analytics listening on 127.0.0.1:" << server.port() << std::endl;

  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { server.stop(); });
  signals_io.run();
  runtime.shutdown();
}
