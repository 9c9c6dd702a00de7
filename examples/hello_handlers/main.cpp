// The smallest useful gbrt service: count page views, answer a component, listen on
// 127.0.0.1:8081. What `createIntegration({ events: { space_view: … } })` does in GitBook's
// TypeScript runtime, natively.
#include <atomic>
#include <iostream>

#include <gbrt/net/run.hpp>

namespace asio = boost::asio;
namespace ev = gbrt::events;

int main() {
  gbrt::Runtime runtime(gbrt::RuntimeOptions{.threads = 2});
  static std::atomic<std::uint64_t> views{0};

  runtime.on<ev::SpaceView>([](const ev::SpaceView& view, gbrt::Context&) -> asio::awaitable<void> {
    ++views;  // view.space_id, view.visitor.cookies["session"], ... borrow the request body
    co_return;
  });
  runtime.component(
      "views",
      gbrt::ComponentSpec{.render = [](gbrt::ComponentInstance&,
                                       gbrt::Context&) -> asio::awaitable<gbrt::contentkit::Root> {
        co_return gbrt::contentkit::Block(
            {gbrt::contentkit::Text(std::to_string(views.load()) + " views")});
      }});

  gbrt::net::Server server(runtime, {.host = "127.0.0.1", .port = 8081});
  // Serves until SIGTERM/SIGINT, then drains (a second signal cancels what is left).
  gbrt::net::run_until_signal(
      runtime, server, {.on_started = [&] {
        std::cout << "hello_handlers listening on 127.0.0.1:" << server.port() << std::endl;
      }});
}
