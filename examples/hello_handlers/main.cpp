// The smallest useful gbrt service: count page views, answer a component, listen on
// 127.0.0.1:8081. What `createIntegration({ events: { space_view: … } })` does in GitBook's
// TypeScript runtime, natively.
#include <atomic>
#include <csignal>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <gbrt/net/server.hpp>

namespace asio = boost::asio;
namespace ev = gbrt::events;

int main() {
  gbrt::Runtime runtime(gbrt::runtime::RuntimeOptions{.threads = 2});
  static std::atomic<std::uint64_t> views{0};

  runtime.on<ev::SpaceView>([](const ev::SpaceView& view, gbrt::Context&) -> asio::awaitable<void> {
    ++views;  // view.space_id, view.visitor.cookies["session"], ... borrow the request body
    co_return;
  });
  runtime.component("views",
                    gbrt::runtime::ComponentSpec{
                        .render = [](gbrt::runtime::ComponentInstance&,
                                     gbrt::Context&) -> asio::awaitable<gbrt::contentkit::Root> {
                          co_return gbrt::contentkit::Block(
                              {gbrt::contentkit::Text(std::to_string(views.load()) + " views")});
                        }});

  gbrt::net::Server server(runtime, {.host = "127.0.0.1", .port = 8081});
  runtime.start();
  server.start();
  std::cout << "hello_handlers listening on 127.0.0.1:" << server.port() << std::endl;

  asio::io_context signals_io;
  asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { server.stop(); });
  signals_io.run();
  runtime.shutdown();
}
