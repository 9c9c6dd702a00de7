// RFC 7578 (multipart/form-data) over RFC 2046's multipart syntax, the subset browsers,
// undici and curl produce: CRLF line breaks, a Content-Disposition header on every part.
#include <gbrt/net/multipart.hpp>

#include "header_text.hpp"

namespace gbrt::net {

namespace {

// The value of parameter `name` in `; a=b; name="v"`, unquoted.
std::optional<std::string_view> parameter(std::string_view params, std::string_view name) noexcept {
  while (!params.empty()) {
    std::size_t semi = params.find(';');
    std::string_view item = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || !ascii_iequals(trim(item.substr(0, eq)), name)) continue;
    std::string_view value = trim(item.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> multipart_boundary(std::string_view content_type) noexcept {
  if (!media_type_is(content_type, "multipart/form-data")) return std::nullopt;
  std::size_t semi = content_type.find(';');
  if (semi == std::string_view::npos) return std::nullopt;
  auto boundary = parameter(content_type.substr(semi + 1), "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) return std::nullopt;
  return boundary;
}

std::string_view decode_dispatcher_form(std::string_view body, std::string_view boundary,
                                        DispatcherForm& out) noexcept {
  // The first delimiter may open the body; every later one follows a CRLF.
  std::size_t pos = 0;
  // "--boundary" followed by "--" (the end), white space or CRLF: "--boundaryX" is content.
  auto at_delimiter = [&](std::size_t p) {
    if (body.compare(p, 2, "--") != 0 || body.compare(p + 2, boundary.size(), boundary) != 0) {
      return false;
    }
    std::string_view after = body.substr(p + 2 + boundary.size(), 2);
    return after == "--" || after == "\r\n" ||
           (!after.empty() && (after[0] == ' ' || after[0] == '\t'));
  };
  if (!at_delimiter(0)) {
    // A preamble: skip to the first "\r\n--boundary".
    std::size_t found = std::string_view::npos;
    for (std::size_t p = body.find("\r\n--"); p != std::string_view::npos;
         p = body.find("\r\n--", p + 1)) {
      if (at_delimiter(p + 2)) {
        found = p + 2;
        break;
      }
    }
    if (found == std::string_view::npos) return "multipart body has no boundary delimiter";
    pos = found;
  }
  for (;;) {
    pos += 2 + boundary.size();                      // past "--boundary"
    if (body.compare(pos, 2, "--") == 0) return {};  // the close delimiter
    // Transport padding (spaces) may follow the delimiter, then CRLF.
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.compare(pos, 2, "\r\n") != 0) return "multipart delimiter not followed by CRLF";
    pos += 2;
    std::size_t headers_end = body.find("\r\n\r\n", pos - 2);
    if (headers_end == std::string_view::npos) return "multipart part headers not terminated";
    std::string_view headers = body.substr(pos, headers_end > pos ? headers_end - pos : 0);
    std::size_t content = headers_end + 4;
    // The part ends at the next "\r\n--boundary".
    std::size_t end = std::string_view::npos;
    for (std::size_t p = body.find("\r\n--", content); p != std::string_view::npos;
         p = body.find("\r\n--", p + 1)) {
      if (at_delimiter(p + 2)) {
        end = p;
        break;
      }
    }
    if (end == std::string_view::npos) return "multipart body ends inside a part";
    std::optional<std::string_view> name;
    while (!headers.empty()) {
      std::size_t eol = headers.find("\r\n");
      std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
      std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) return "malformed multipart part header";
      if (!ascii_iequals(trim(line.substr(0, colon)), "content-disposition")) continue;
      std::string_view value = trim(line.substr(colon + 1));
      std::size_t semi = value.find(';');
      if (!ascii_iequals(trim(value.substr(0, semi)), "form-data") ||
          semi == std::string_view::npos) {
        return "multipart part is not form-data";
      }
      name = parameter(value.substr(semi + 1), "name");
    }
    if (!name) return "multipart part without a Content-Disposition name";
    BodySpan span{content, end - content};
    if (*name == "event") {
      out.event = span;
    } else if (*name == "environment") {
      out.environment = span;
    } else if (*name == "fetch-body") {
      out.fetch_body = span;
    }
    pos = end + 2;  // at "--boundary"
  }
}

}  // namespace gbrt::net
