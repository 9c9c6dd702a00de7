#include "batch_answer.hpp"

#include <simdjson.h>

namespace gbrt::loadgen {

bool read_batch_answer(std::string_view body, BatchLines& lines) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element answer;
  if (parser.parse(body.data(), body.size(), true).get(answer)) return false;
  BatchLines out;
  simdjson::dom::array rejected;
  if (answer["accepted"].get(out.accepted) || answer["rejected"].get(rejected)) return false;
  for (simdjson::dom::element entry : rejected) {
    std::uint64_t status = 0;
    if (entry["status"].get(status)) return false;
    ++(status == 503 ? out.shed : out.rejected);
  }
  lines = out;
  return true;
}

}  // namespace gbrt::loadgen
