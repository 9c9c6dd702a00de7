// plausible: GitBook's Plausible integration on gbrt, on 127.0.0.1:8090 (GitBook's dispatcher
// format: the site installation's configuration comes with each event).
#include <iostream>

#include <gbrt/net/run.hpp>

#include "plausible.hpp"

int main() {
  gbrt::Runtime runtime(gbrt::RuntimeOptions{.threads = 1});
  plausible::register_plausible(runtime);
  gbrt::net::Server server(runtime, {.host = "127.0.0.1", .port = 8090});
  gbrt::net::run_until_signal(runtime, server, {.on_started = [&] {
                                std::cout << "plausible listening on 127.0.0.1:" << server.port()
                                          << std::endl;
                              }});
}
