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

// The header of the answer to most events (Answer::ok() over HTTP/1.1), whole.
constexpr std::string_view kOkHeader =
    "HTTP/1.1 200 OK\r\nServer: gbrt\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n";
constexpr std::string_view kOkHeaderClosing =
    "HTTP/1.1 200 OK\r\nServer: gbrt\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
    "Connection: close\r\n\r\n";

bool is_plain_ok(const runtime::Answer& answer) noexcept {
  return answer.status == 200 && answer.content_type == "text/plain" && answer.body == "OK" &&
         !answer.cache_max_age && !answer.retry_after && answer.headers.empty();
}

}  // namespace

void ResponseWriter::format(runtime::Answer&& answer, unsigned version, bool keep_alive,
                            std::string_view allow, bool head) {
  if (version == 11 && !head && is_plain_ok(answer)) {
    header_.assign(keep_alive ? kOkHeader : kOkHeaderClosing);
    body_.swap(answer.body);
    return;
  }
  header_.clear();
  header_ += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  append_number(header_, answer.status);
  header_ += ' ';
  header_ += boost::beast::http::obsolete_reason(boost::beast::http::int_to_status(answer.status));
  header_ += "\r\n";
  append_field(header_, "Server", "gbrt");
  if (!answer.content_type.empty()) append_field(header_, "Content-Type", answer.content_type);
  if (!allow.empty() && answer.status == 405) append_field(header_, "Allow", allow);
  if (answer.cache_max_age) {
    header_ += "Cache-Control: max-age=";
    append_number(header_, std::uint64_t(answer.cache_max_age->count()));
    header_ += "\r\n";
  }
  if (answer.retry_after) {
    header_ += "Retry-After: ";
    append_number(header_, std::uint64_t(answer.retry_after->count()));
    header_ += "\r\n";
  }
  for (const auto& [name, value] : answer.headers) append_handler_field(header_, name, value);
  header_ += "Content-Length: ";
  append_number(header_, answer.body.size());
  header_ += "\r\n";
  if (!keep_alive && version != 10) header_ += "Connection: close\r\n";
  if (keep_alive && version == 10) header_ += "Connection: keep-alive\r\n";
  header_ += "\r\n";
  body_.swap(answer.body);  // both keep their memory for the next answer
  if (head) body_.clear();
}

}  // namespace gbrt::net
