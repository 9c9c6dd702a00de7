// gbrt-server: the runtime, the HTTP server and the example handlers, configured by flags.
#include "example_handlers.hpp"
#include "server_main.hpp"

int main(int argc, char** argv) {
  return gbrt::app::server_main(argc, argv, [](gbrt::Runtime& runtime) -> std::shared_ptr<void> {
    return gbrt::examples::register_example_handlers(runtime);
  });
}
