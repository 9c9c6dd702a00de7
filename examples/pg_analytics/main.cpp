// pg_analytics: site_view events stored in PostgreSQL before they are answered, and page
// views per page and day counted in page_views.
// Usage: pg_analytics URL [PORT] (URL: postgresql://USER@HOST/DB; PORT default 8083).
#include <csignal>
#include <iostream>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <gbrt/net/server.hpp>

#include "pg_analytics.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: pg_analytics postgresql://USER@HOST/DB [PORT]\n";
    return 2;
  }
  const auto port = static_cast<std::uint16_t>(argc > 2 ? std::stoi(argv[2]) : 8083);
  gbrt::Runtime runtime(pg_analytics::options(2));
  auto storage = pg_analytics::register_pg_analytics(runtime, argv[1]);
  gbrt::net::Server server(runtime, {.host = "127.0.0.1", .port = port});
  runtime.start();
  server.start();
  std::cout << "pg_analytics listening on 127.0.0.1:" << server.port() << std::endl;

  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { server.stop(); });
  signals_io.run();
  runtime.drain(std::chrono::seconds(20));
  storage->pool.close();
  runtime.stop();
}
