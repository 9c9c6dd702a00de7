// What a POST /v1/batch answer says about its lines, so that gbrt-loadgen counts events
// that were shed or rejected inside an answer whose status alone looks fine.
#pragma once

#include <cstdint>
#include <string_view>

namespace gbrt::loadgen {

struct BatchLines {
  std::uint64_t accepted = 0;  // "accepted"
  std::uint64_t shed = 0;      // "rejected" entries with status 503 (retry them)
  std::uint64_t rejected = 0;  // the other "rejected" entries
};

// Parses {"accepted":N,"rejected":[{"line":L,"status":S,…},…]}; false if `body` is not that.
bool read_batch_answer(std::string_view body, BatchLines& lines);

}  // namespace gbrt::loadgen
