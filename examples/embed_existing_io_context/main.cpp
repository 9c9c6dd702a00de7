// embed_existing_io_context: a service with its own io_context and HTTP routes (/orders),
// taking GitBook events on the same port (/gitbook/events). Usage: embed_existing_io_context
// [PORT] (default 8084); the signing secret from GBRT_SECRET when set.
#include <cstdlib>
#include <iostream>

#include <gbrt/runtime/run.hpp>

#include "service.hpp"

int main(int argc, char** argv) {
  const char* secret = std::getenv("GBRT_SECRET");
  embed::Service service(static_cast<std::uint16_t>(argc > 1 ? std::stoi(argv[1]) : 8084),
                         secret ? secret : "");
  // The service's listener is the runtime's intake: it closes at the signal, then gbrt's
  // work drains; the service's own thread stops last.
  gbrt::runtime::run_until_signal(
      service.runtime(), {.drain_timeout = std::chrono::seconds(5),
                          .start_intake = [&] { service.start(); },
                          .on_started =
                              [&] {
                                std::cout << "embed_existing_io_context listening on 127.0.0.1:"
                                          << service.port() << std::endl;
                              },
                          .stop_intake = [&] { service.stop_accepting(); }});
  service.stop();
}
