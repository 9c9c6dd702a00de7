#include "response.hpp"

#include <charconv>

#include <boost/beast/http/status.hpp>

#include "header_text.hpp"

namespace gbrt::net {

namespace {

void append_number(std::string& out, std::uint64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

// A handler's header: the server owns framing, and a line break would split the response.
void append_handler_field(std::string& out, std::string_view name, std::string_view value) {
  if (name.empty() || ascii_iequals(name, "Content-Length") ||
      ascii_iequals(name, "Transfer-Encoding") || ascii_iequals(name, "Connection")) {
    return;
  }
  for (char c : name) {
    if (c <= ' ' || c == ':' || c == 0x7F) return;  // not a token: dropped
  }
  out += name;
  out += ": ";
  for (char c : value) out += c == '\r' || c == '\n' || c == '\0' ? ' ' : c;
  out += "\r\n";
}

// The answer to most events (Answer::ok() over HTTP/1.1), whole: header and body.
constexpr std::string_view kOk =
    "HTTP/1.1 200 OK\r\nServer: gbrt\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK";
constexpr std::string_view kOkClosing =
    "HTTP/1.1 200 OK\r\nServer: gbrt\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
    "Connection: close\r\n\r\nOK";

// A body this short goes in the header's buffer: one buffer, sent with send() rather than
// sendmsg(), which costs the kernel more than the copy.
constexpr std::size_t kBodyInHead = 1024;

// Frees a string's buffer: clear() keeps it, and so does assigning a short string.
void release(std::string& text) noexcept {
  std::string().swap(text);
}

bool is_plain_ok(const runtime::Answer& answer) noexcept {
  return answer.status == 200 && answer.content_type == "text/plain" && answer.body == "OK" &&
         !answer.cache_max_age && !answer.retry_after && answer.headers.empty();
}

}  // namespace

void ResponseWriter::format(runtime::Answer&& answer, unsigned version, bool keep_alive,
                            std::string_view allow, bool head) {
  if (version == 11 && !head && is_plain_ok(answer)) {
    head_ = keep_alive ? kOk : kOkClosing;
    release(body_);  // a connection keeps no long body's memory
    body_bytes_ = 2;
    return;
  }
  std::string& out = formatted_;
  out.clear();
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  append_number(out, answer.status);
  out += ' ';
  out += boost::beast::http::obsolete_reason(boost::beast::http::int_to_status(answer.status));
  out += "\r\n";
  append_field(out, "Server", "gbrt");
  if (!answer.content_type.empty()) append_field(out, "Content-Type", answer.content_type);
  if (!allow.empty() && answer.status == 405) append_field(out, "Allow", allow);
  if (answer.cache_max_age) {
    out += "Cache-Control: max-age=";
    append_number(out, std::uint64_t(answer.cache_max_age->count()));
    out += "\r\n";
  }
  if (answer.retry_after) {
    out += "Retry-After: ";
    append_number(out, std::uint64_t(answer.retry_after->count()));
    out += "\r\n";
  }
  for (const auto& [name, value] : answer.headers) append_handler_field(out, name, value);
  out += "Content-Length: ";
  append_number(out, answer.body.size());
  out += "\r\n";
  if (!keep_alive && version != 10) out += "Connection: close\r\n";
  if (keep_alive && version == 10) out += "Connection: keep-alive\r\n";
  out += "\r\n";
  release(body_);
  body_.swap(answer.body);  // the writer's now: `answer` is left holding no memory
  body_bytes_ = head ? 0 : body_.size();
  if (body_bytes_ <= kBodyInHead) {
    out.append(body_, 0, body_bytes_);
    release(body_);
  }
  head_ = out;
}

}  // namespace gbrt::net
