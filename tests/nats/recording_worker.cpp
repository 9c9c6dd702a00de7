// gbrt-server with one handler, for the NATS tests: every site_view's eventId is appended to
// the file $RECORDING_WORKER_IDS as one line (" env=<apiEndpoint>" added when the event came
// with an environment). One write(2) per event on an O_APPEND descriptor: a kill -9 loses
// nothing the handler finished. An eventId starting "fail-" throws after it is recorded;
// $RECORDING_WORKER_HANDLER_MS makes every handler take that long first.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server_main.hpp"

int main(int argc, char** argv) {
  const char* path = std::getenv("RECORDING_WORKER_IDS");
  const int fd = path ? ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
  const char* ms = std::getenv("RECORDING_WORKER_HANDLER_MS");
  const auto delay = std::chrono::milliseconds(ms ? std::atoi(ms) : 0);
  return gbrt::app::server_main(argc, argv, [&](gbrt::Runtime& runtime) -> std::shared_ptr<void> {
    runtime.on<gbrt::events::SiteView>(
        [fd, delay](const gbrt::events::SiteView& view,
                    gbrt::Context& context) -> boost::asio::awaitable<void> {
          if (delay.count() > 0) {
            boost::asio::steady_timer timer(context.executor(), delay);
            co_await timer.async_wait(boost::asio::use_awaitable);
          }
          std::string line(view.event_id);
          if (const auto* environment = context.environment()) {
            line += " env=" + std::string(environment->api_endpoint);
          }
          line += '\n';
          if (fd >= 0 && ::write(fd, line.data(), line.size()) != ssize_t(line.size())) {
            throw std::runtime_error("cannot record the event id");
          }
          if (view.event_id.starts_with("fail-")) throw std::runtime_error("failing as asked");
        });
    return nullptr;
  });
}
