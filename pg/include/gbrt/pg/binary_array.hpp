// A one-dimensional array parameter in PostgreSQL's binary format (what array_recv reads):
// each element is copied once behind its length, never escaped, and the server does not
// parse an array literal. For `$1::text[]` use kTextOid, for `$1::jsonb[]` kJsonbOid.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <gbrt/pg/connection.hpp>

namespace gbrt::pg {

inline constexpr std::uint32_t kTextOid = 25;
inline constexpr std::uint32_t kJsonbOid = 3802;

class BinaryArray {
 public:
  explicit BinaryArray(std::uint32_t element_oid, std::size_t reserve_bytes = 0);

  void push(std::string_view element);     // text (or bytea): the bytes as they are
  void push_jsonb(std::string_view json);  // jsonb's binary form: version 1, then the text
  void push_null();
  std::size_t size() const noexcept { return count_; }

  // The finished array as a binary parameter; the builder is spent.
  Param param() &&;

 private:
  std::string bytes_;
  std::uint32_t count_ = 0;
  bool has_null_ = false;
};

}  // namespace gbrt::pg
