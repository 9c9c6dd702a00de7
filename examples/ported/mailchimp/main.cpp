// mailchimp: GitBook's Mailchimp integration on gbrt, on 127.0.0.1:8092.
#include <iostream>

#include <gbrt/net/run.hpp>

#include "mailchimp.hpp"

int main() {
  gbrt::Runtime runtime(gbrt::RuntimeOptions{.threads = 1});
  mailchimp::register_mailchimp(runtime);
  gbrt::net::Server server(runtime, {.host = "127.0.0.1", .port = 8092});
  gbrt::net::run_until_signal(runtime, server, {.on_started = [&] {
                                std::cout << "mailchimp listening on 127.0.0.1:" << server.port()
                                          << std::endl;
                              }});
}
