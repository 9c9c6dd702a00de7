// Request framing by Transfer-Encoding (RFC 9112 §6): gbrt reads `chunked` only, and a
// request whose codings it cannot frame or decode is refused, never read as empty.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/field.hpp>

#include <gbrt/runtime/answer.hpp>

#include "header_text.hpp"

namespace gbrt::net {

// The answer for a request whose Transfer-Encoding gbrt cannot read, or nullopt. The codings
// of every Transfer-Encoding field, in order: the last must be `chunked` (else the body's
// length is unknown: 400, §6.3), and no other may be there (an unknown coding: 501). Either
// way the connection closes, since its remaining bytes cannot be framed.
template <class Fields>
std::optional<runtime::Answer> transfer_coding_problem(const Fields& fields) {
  auto [begin, end] = fields.equal_range(boost::beast::http::field::transfer_encoding);
  if (begin == end) return std::nullopt;
  std::string_view last, earlier;  // the final coding; the first one before it
  std::size_t codings = 0;
  for (auto it = begin; it != end; ++it) {
    std::string_view list = it->value();
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      // A coding may carry parameters (`gzip;q=1`): its name ends at ';'.
      std::string_view item = list.substr(0, comma);
      std::string_view coding = trim(item.substr(0, item.find(';')));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      if (coding.empty()) continue;
      if (codings++ == 1) earlier = last;
      last = coding;
    }
  }
  if (!ascii_iequals(last, "chunked")) {
    return runtime::Answer::error(
        400, "Transfer-Encoding \"" + std::string(clip_for_echo(last)) +
                 "\" does not end with chunked: the body's length is unknown (RFC 9112 §6.3)");
  }
  if (codings == 1) return std::nullopt;
  if (ascii_iequals(earlier, "chunked")) {
    return runtime::Answer::error(400, "Transfer-Encoding applies chunked more than once");
  }
  return runtime::Answer::error(
      501, "Transfer coding \"" + std::string(clip_for_echo(earlier)) +
               "\" is not supported: send the body chunked or with Content-Length");
  return std::nullopt;
}

}  // namespace gbrt::net
