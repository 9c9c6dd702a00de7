// The data of a `COPY … FROM STDIN (FORMAT binary)`: a header, rows of length-prefixed
// fields in each column's binary form, a trailer. Text goes as it is (never escaped), jsonb
// as its version byte and the JSON as received, so the server parses each value once.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace gbrt::pg {

class BinaryCopy {
 public:
  explicit BinaryCopy(std::size_t reserve_bytes = 0);

  void start_row(std::uint16_t fields);  // then exactly `fields` pushes
  void push(std::string_view text);      // text (or bytea): the bytes as they are
  void push_jsonb(std::string_view json);
  void push_timestamptz(std::chrono::system_clock::time_point at);  // to the microsecond
  void push_null();
  std::size_t rows() const noexcept { return rows_; }

  // The finished data, trailer included; the builder is spent.
  std::string finish() &&;

 private:
  std::string bytes_;
  std::size_t rows_ = 0;
};

}  // namespace gbrt::pg
