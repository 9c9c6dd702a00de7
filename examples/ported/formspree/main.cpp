// formspree: GitBook's Formspree integration on gbrt, on 127.0.0.1:8091.
#include <iostream>

#include <gbrt/net/run.hpp>

#include "formspree.hpp"

int main() {
  gbrt::Runtime runtime(gbrt::RuntimeOptions{.threads = 1});
  formspree::register_formspree(runtime);
  gbrt::net::Server server(runtime, {.host = "127.0.0.1", .port = 8091});
  gbrt::net::run_until_signal(runtime, server, {.on_started = [&] {
                                std::cout << "formspree listening on 127.0.0.1:" << server.port()
                                          << std::endl;
                              }});
}
