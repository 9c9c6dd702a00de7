// Fuzzes a whole connection: the input is what a client sends (any bytes, several requests
// or half of one), served by the real request loop over Beast's in-memory test stream, with
// the example handlers registered. Sanitizers catch what goes wrong.
#include <cstdint>
#include <memory>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include "example_handlers.hpp"
#include "serve.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

struct World {
  asio::io_context io{1};
  gbrt::Runtime runtime{{io.get_executor()},
                        {.max_event_bytes = 64 * 1024,
                         .deadline = std::chrono::milliseconds(1000),
                         .ack_per_type = {{"page_feedback", gbrt::runtime::AckMode::queued}}}};
  std::shared_ptr<gbrt::examples::ViewCounts> views;
  std::shared_ptr<gbrt::net::Server::State> state;

  World() {
    views = gbrt::examples::register_example_handlers(runtime);
    runtime.on("task",
               [](const gbrt::events::GenericEvent& e, gbrt::Context&) -> asio::awaitable<void> {
                 if (e.json["task"]["throw"]) throw gbrt::ExposableError("task refused", 422);
                 co_return;
               });
    runtime.start();
    state = std::make_shared<gbrt::net::Server::State>(
        runtime, gbrt::net::ServerOptions{.port = 0, .max_body = 64 * 1024});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  beast::test::stream server_side(world.io);
  beast::test::stream client(world.io);
  server_side.connect(client);
  server_side.append(std::string_view(reinterpret_cast<const char*>(data), size));
  server_side.close_remote();  // end of input after the bytes
  beast::flat_buffer buffer(64 * 1024);
  gbrt::net::ConnectionEvents events;
  asio::co_spawn(
      world.io, gbrt::net::serve(*world.state, world.runtime.shard(0), server_side, buffer, events),
      asio::detached);
  world.io.restart();
  world.io.run();
  return 0;
}
