// gbrt-server that registers nothing: tests/differential compares its answers, on every
// event type, with GitBook's runtime running an integration that declares nothing
// (bare_integration.ts).
#include "server_main.hpp"

int main(int argc, char** argv) {
  return gbrt::app::server_main(argc, argv,
                                [](gbrt::Runtime&) -> std::shared_ptr<void> { return nullptr; });
}
