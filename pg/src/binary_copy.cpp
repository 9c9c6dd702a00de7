#include <gbrt/pg/binary_copy.hpp>

#include "binary_field.hpp"

namespace gbrt::pg {

namespace {

// "PGCOPY\n\377\r\n\0", then no flags and no header extension.
constexpr char kHeader[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
constexpr std::size_t kHeaderSize = sizeof kHeader - 1;  // 19
// timestamptz counts microseconds from 2000-01-01 00:00 UTC.
constexpr std::int64_t kPostgresEpochMicros = 946'684'800'000'000;

}  // namespace

BinaryCopy::BinaryCopy(std::size_t reserve_bytes) {
  bytes_.reserve(kHeaderSize + reserve_bytes + 2);
  bytes_.append(kHeader, kHeaderSize);
}

void BinaryCopy::start_row(std::uint16_t fields) {
  detail::put_big_endian(bytes_, fields, 2);
  ++rows_;
}

void BinaryCopy::push(std::string_view text) {
  detail::put_field(bytes_, text);
}

void BinaryCopy::push_jsonb(std::string_view json) {
  detail::put_jsonb_field(bytes_, json);
}

void BinaryCopy::push_timestamptz(std::chrono::system_clock::time_point at) {
  const std::int64_t micros =
      std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
  detail::put_length(bytes_, 8);
  detail::put_big_endian(bytes_, std::uint64_t(micros - kPostgresEpochMicros), 8);
}

void BinaryCopy::push_null() {
  detail::put_null_field(bytes_);
}

std::string BinaryCopy::finish() && {
  detail::put_big_endian(bytes_, 0xFFFF, 2);  // a field count of -1 ends the data
  return std::move(bytes_);
}

}  // namespace gbrt::pg
