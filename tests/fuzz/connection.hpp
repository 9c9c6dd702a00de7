// For the fuzz targets that drive whole connections: a runtime with the example handlers on
// one io_context, and serve_bytes(), which serves what a client sent over Beast's in-memory
// test stream until the connection ends.
#pragma once

#include <memory>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include "example_handlers.hpp"
#include "serve.hpp"

namespace gbrt::fuzz {

struct World {
  boost::asio::io_context io{1};
  gbrt::Runtime runtime{{io.get_executor()},
                        {.max_event_bytes = 64 * 1024,
                         .deadline = std::chrono::milliseconds(1000),
                         .ack_per_type = {{"page_feedback", gbrt::runtime::AckMode::queued}}}};
  std::shared_ptr<gbrt::examples::ViewCounts> views;
  std::shared_ptr<gbrt::net::Server::State> state;

  World() {
    views = gbrt::examples::register_example_handlers(runtime);
    runtime.on<gbrt::events::Task>(
        [](const gbrt::events::Task& e, gbrt::Context&) -> boost::asio::awaitable<void> {
          if (e.task["throw"]) throw gbrt::ExposableError("task refused", 422);
          co_return;
        });
    runtime.start();
    state = std::make_shared<gbrt::net::Server::State>(
        runtime,
        gbrt::net::ServerOptions{.port = 0, .max_body = 64 * 1024, .max_batch_events = 200});
  }

  // Serves `bytes` as everything a client sends, then end of input.
  void serve_bytes(std::string_view bytes) {
    boost::beast::test::stream server_side(io);
    boost::beast::test::stream client(io);
    server_side.connect(client);
    server_side.append(bytes);
    server_side.close_remote();
    boost::beast::flat_buffer buffer(64 * 1024);
    gbrt::net::ConnectionEvents events;
    boost::asio::co_spawn(io,
                          gbrt::net::serve(*state, runtime.shard(0), server_side, buffer, events),
                          boost::asio::detached);
    io.restart();
    io.run();
  }
};

}  // namespace gbrt::fuzz
