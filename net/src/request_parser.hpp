// Beast's request parser, keeping only the header fields gbrt reads. Beast still parses and
// checks every field, frames the message by Content-Length and Transfer-Encoding and works
// out keep-alive (RequestParser::keep_alive()) itself, from every Connection field (and
// Proxy-Connection), as Beast's own read does. Of the rest, the values gbrt reads are
// copied into the request's arena and kept by name here, and Transfer-Encoding goes into
// Beast's field set; the others are dropped. Inserting every field into that set (an ordered
// set by case-insensitive name) and looking fields up in it were most of a header's cost.
#pragma once

#include <cstring>
#include <memory_resource>
#include <string_view>
#include <tuple>
#include <utility>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>

#include "header_text.hpp"
#include "padded_body.hpp"

namespace gbrt::net {

using FieldAllocator = std::pmr::polymorphic_allocator<char>;
using Fields = boost::beast::http::basic_fields<FieldAllocator>;
using Request = boost::beast::http::request<PaddedBody, Fields>;

// The one field gbrt reads that Beast has no name for.
inline constexpr std::string_view kSignatureField = "X-GitBook-Signature";

// `memory` (the allocator's resource) must outlive the parser: the kept values live there.
class RequestParser final : public boost::beast::http::request_parser<PaddedBody, FieldAllocator> {
  using Base = boost::beast::http::request_parser<PaddedBody, FieldAllocator>;

 public:
  explicit RequestParser(const FieldAllocator& memory)
      : Base(std::piecewise_construct, std::make_tuple(), std::make_tuple(memory)),
        memory_(memory) {}

  // The first field of each name, as sent (empty when absent).
  std::string_view content_type() const noexcept { return content_type_; }
  std::string_view signature() const noexcept { return signature_; }
  std::string_view expect() const noexcept { return expect_; }

 private:
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::beast::error_code& ec) override {
    using boost::beast::http::field;
    ec = {};
    switch (name) {
      case field::content_type:
        return keep(content_type_, value);
      case field::expect:
        return keep(expect_, value);
      case field::transfer_encoding:  // every one: transfer_coding_problem() reads them all
        return get().insert(name, name_string, value);
      case field::unknown:
        if (ascii_iequals(name_string, kSignatureField)) keep(signature_, value);
        return;
      default:
        return;
    }
  }

  void keep(std::string_view& kept, std::string_view value) {
    if (kept.data() != nullptr) return;  // the first one counts, as in Beast's field set
    char* copy = memory_.allocate(value.size() + 1);  // +1: an empty value is still found
    std::memcpy(copy, value.data(), value.size());
    kept = std::string_view(copy, value.size());
  }

  FieldAllocator memory_;
  std::string_view content_type_, signature_, expect_;
};

}  // namespace gbrt::net
