#include <gbrt/pg/binary_array.hpp>

#include "binary_field.hpp"

namespace gbrt::pg {

namespace {

constexpr std::size_t kHeader = 20;  // ndim, has-null flag, element type, size, lower bound

void put_u32(char* at, std::uint32_t value) {  // network byte order
  at[0] = char(value >> 24);
  at[1] = char(value >> 16);
  at[2] = char(value >> 8);
  at[3] = char(value);
}

}  // namespace

BinaryArray::BinaryArray(std::uint32_t element_oid, std::size_t reserve_bytes) {
  bytes_.reserve(kHeader + reserve_bytes);
  bytes_.resize(kHeader);
  put_u32(bytes_.data(), 1);  // one dimension
  put_u32(bytes_.data() + 8, element_oid);
  put_u32(bytes_.data() + 16, 1);  // lower bound, as PostgreSQL's arrays start at 1
}

void BinaryArray::push(std::string_view element) {
  detail::put_field(bytes_, element);
  ++count_;
}

void BinaryArray::push_jsonb(std::string_view json) {
  detail::put_jsonb_field(bytes_, json);
  ++count_;
}

void BinaryArray::push_null() {
  detail::put_null_field(bytes_);
  ++count_;
  has_null_ = true;
}

Param BinaryArray::param() && {
  put_u32(bytes_.data() + 4, has_null_ ? 1 : 0);
  put_u32(bytes_.data() + 12, count_);
  return Param::binary(std::move(bytes_));
}

}  // namespace gbrt::pg
