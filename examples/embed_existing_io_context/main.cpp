// embed_existing_io_context: a service with its own io_context and HTTP routes (/orders),
// taking GitBook events on the same port (/gitbook/events). Usage: embed_existing_io_context
// [PORT] (default 8084); the signing secret from GBRT_SECRET when set.
#include <csignal>
#include <cstdlib>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "service.hpp"

int main(int argc, char** argv) {
  const char* secret = std::getenv("GBRT_SECRET");
  embed::Service service(static_cast<std::uint16_t>(argc > 1 ? std::stoi(argv[1]) : 8084),
                         secret ? secret : "");
  service.start();
  std::cout << "embed_existing_io_context listening on 127.0.0.1:" << service.port() << std::endl;
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  signals.async_wait([](auto, int) {});
  signals_io.run();
  service.stop();
}
