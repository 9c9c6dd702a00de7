// An HTTP response a handler composes itself (fetch, fetch_published_script,
// fetch_visitor_authentication): any status, headers in order (a name may repeat), a body.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gbrt::runtime {

struct Response {
  unsigned status = 200;
  // Written in this order. The server owns framing: Content-Length, Transfer-Encoding and
  // Connection given here are dropped, CR and LF in a value become spaces.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // `body` with Content-Type `content_type`.
  static Response text(std::string body, std::string_view content_type = "text/plain",
                       unsigned status = 200);
  // `body_json` (JSON text) as application/json.
  static Response json(std::string body_json, unsigned status = 200);
  // A redirect to `location`, no body, the URL serialised as JavaScript's Response.redirect
  // does (spaces, quotes, `<`, `>`, `'` in the query, non-ASCII bytes percent-encoded).
  static Response redirect(std::string location, unsigned status = 302);

  // Adds a header (after the others of that name).
  Response& add_header(std::string name, std::string value) & {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  Response&& add_header(std::string name, std::string value) && {
    return std::move(add_header(std::move(name), std::move(value)));
  }
  // The first value of header `name` (ASCII case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const noexcept;
};

}  // namespace gbrt::runtime

// What a handler or an embedder names, as gbrt::X (like gbrt::Runtime and gbrt::Context).
namespace gbrt {
using runtime::Response;
}  // namespace gbrt
