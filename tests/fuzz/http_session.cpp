// Fuzzes a whole connection: the input is what a client sends (any bytes, several requests
// or half of one), served by the real request loop over Beast's in-memory test stream, with
// the example handlers registered. Sanitizers catch what goes wrong.
#include <cstdint>

#include "connection.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static gbrt::fuzz::World world;
  world.serve_bytes({reinterpret_cast<const char*>(data), size});
  return 0;
}
