// forward_to_webhook: receives GitBook events on 127.0.0.1:8083 and forwards site_view,
// page_feedback and space_content_updated to another endpoint, signed with
// FORWARD_SECRET, retried with back-off. Usage: forward_to_webhook HOST PORT [PATH].
#include <cstdlib>
#include <iostream>
#include <string>

#include <gbrt/net/run.hpp>

#include "forwarder.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: forward_to_webhook HOST PORT [PATH]  (secret: FORWARD_SECRET)\n";
    return 2;
  }
  forward_to_webhook::Target target{.host = argv[1],
                                    .port = static_cast<std::uint16_t>(std::stoi(argv[2])),
                                    .path = argc > 3 ? argv[3] : "/"};
  if (const char* secret = std::getenv("FORWARD_SECRET")) target.secret = secret;

  gbrt::Runtime runtime(gbrt::RuntimeOptions{.threads = 2});
  auto counts = forward_to_webhook::register_forwarding(runtime, target);
  gbrt::net::Server server(runtime, {.host = "127.0.0.1", .port = 8083});
  gbrt::net::run_until_signal(
      runtime, server,
      {.drain_timeout = std::chrono::seconds(30),  // deliveries still retrying get 30 s
       .on_started = [&] {
         std::cout << "forward_to_webhook listening on 127.0.0.1:" << server.port() << std::endl;
       }});
  std::cout << counts->delivered << " delivered, " << counts->given_up << " given up\n";
}
