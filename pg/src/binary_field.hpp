// PostgreSQL's binary wire form of one value, shared by arrays (array_recv) and binary COPY:
// a big-endian int32 length (-1: NULL), then the bytes in the type's binary form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gbrt::pg::detail {

inline void put_big_endian(std::string& out, std::uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) out += char(value >> shift);
}

inline void put_length(std::string& out, std::int32_t length) {
  put_big_endian(out, std::uint32_t(length), 4);
}

// text (or bytea): the bytes as they are.
inline void put_field(std::string& out, std::string_view bytes) {
  put_length(out, std::int32_t(bytes.size()));
  out.append(bytes);
}

// jsonb: version 1, then the JSON text.
inline void put_jsonb_field(std::string& out, std::string_view json) {
  put_length(out, std::int32_t(json.size() + 1));
  out += '\x01';
  out.append(json);
}

inline void put_null_field(std::string& out) {
  put_length(out, -1);
}

}  // namespace gbrt::pg::detail
