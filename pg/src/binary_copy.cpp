#include <gbrt/pg/binary_copy.hpp>

namespace gbrt::pg {

namespace {

// "PGCOPY\n\377\r\n\0", then no flags and no header extension.
constexpr char kHeader[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
constexpr std::size_t kHeaderSize = sizeof kHeader - 1;  // 19
// timestamptz counts microseconds from 2000-01-01 00:00 UTC.
constexpr std::int64_t kPostgresEpochMicros = 946'684'800'000'000;

void put_big_endian(std::string& out, std::uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) out += char(value >> shift);
}

}  // namespace

BinaryCopy::BinaryCopy(std::size_t reserve_bytes) {
  bytes_.reserve(kHeaderSize + reserve_bytes + 2);
  bytes_.append(kHeader, kHeaderSize);
}

void BinaryCopy::start_row(std::uint16_t fields) {
  put_big_endian(bytes_, fields, 2);
  ++rows_;
}

void BinaryCopy::put_length(std::int32_t length) {
  put_big_endian(bytes_, std::uint32_t(length), 4);
}

void BinaryCopy::push(std::string_view text) {
  put_length(std::int32_t(text.size()));
  bytes_.append(text);
}

void BinaryCopy::push_jsonb(std::string_view json) {
  put_length(std::int32_t(json.size() + 1));
  bytes_ += '\x01';
  bytes_.append(json);
}

void BinaryCopy::push_timestamptz(std::chrono::system_clock::time_point at) {
  const std::int64_t micros =
      std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
  put_length(8);
  put_big_endian(bytes_, std::uint64_t(micros - kPostgresEpochMicros), 8);
}

void BinaryCopy::push_null() {
  put_length(-1);
}

std::string BinaryCopy::finish() && {
  put_big_endian(bytes_, 0xFFFF, 2);  // a field count of -1 ends the data
  return std::move(bytes_);
}

}  // namespace gbrt::pg
