// Fuzzes NDJSON batches: the input is the body of a POST /v1/batch, served by the real
// request loop (line splitting, per-line parse and dispatch, the batch's answer).
#include <cstdint>
#include <string>

#include "connection.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static gbrt::fuzz::World world;
  std::string request =
      "POST /v1/batch HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/x-ndjson\r\n"
      "Content-Length: " +
      std::to_string(size) + "\r\n\r\n";
  request.append(reinterpret_cast<const char*>(data), size);
  world.serve_bytes(request);
  return 0;
}
