#include <gbrt/runtime/answer.hpp>

#include <cstdint>
#include <cstdio>

namespace gbrt {

namespace {

// Length of the valid UTF-8 sequence at the start of `s`, or 0 if it is not one.
std::size_t utf8_sequence(std::string_view s) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  std::uint32_t min = 0;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() < length) return 0;
  std::uint32_t cp = lead & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return length;
}

}  // namespace

// Escapes for JSON and replaces bytes that are not UTF-8 with U+FFFD, so the result is
// valid JSON text whatever the input bytes were.
void append_json_escaped(std::string& out, std::string_view text, JsonEscapes style) {
  const bool javascript = style == JsonEscapes::javascript;
  while (!text.empty()) {
    const unsigned char c = static_cast<unsigned char>(text.front());
    if (c >= 0x80) {
      std::size_t n = utf8_sequence(text);
      if (n == 0) {
        out += "\ufffd";
        n = 1;
      } else {
        out.append(text.data(), n);
      }
      text.remove_prefix(n);
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += javascript ? "\\b" : "\\u0008";
        break;
      case '\f':
        out += javascript ? "\\f" : "\\u000c";
        break;
      default:
        if (c < 0x20 || (c == 0x7F && !javascript)) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += char(c);
        }
    }
    text.remove_prefix(1);
  }
}

std::string_view clip_for_echo(std::string_view input) noexcept {
  return input.substr(0, kMaxEcho);
}

namespace runtime {

Answer Answer::error(unsigned status, std::string_view message) {
  std::string body = "{\"error\":\"";
  const std::size_t at = body.size();
  append_json_escaped(body, message);
  const std::size_t size = body.size() - at;
  body += "\"}";
  Answer answer = json(status, std::move(body));
  answer.outcome = Outcome::rejected;
  answer.message_at = std::uint32_t(at);
  answer.message_size = std::uint32_t(size);
  return answer;
}

Answer Answer::parse_error(const events::ParseError& error, std::string_view what) {
  std::string body = "{\"error\":\"";
  const std::size_t at = body.size();
  if (!what.empty()) {
    append_json_escaped(body, what);
    body += ": ";
  }
  append_json_escaped(body, error.message());
  const std::size_t size = body.size() - at;
  body += '"';
  if (!error.field.empty()) {
    body += ",\"field\":\"";
    append_json_escaped(body, error.path());
    body += "\",\"expected\":\"";
    body += error.expected;
    body += '"';
  }
  body += ",\"offset\":" + std::to_string(error.offset) + "}";
  Answer answer = json(400, std::move(body));
  answer.outcome = Outcome::rejected;
  answer.message_at = std::uint32_t(at);
  answer.message_size = std::uint32_t(size);
  return answer;
}

Answer Answer::from(Response response) {
  Answer answer{response.status, "",           std::move(response.body),
                std::nullopt,    std::nullopt, std::move(response.headers)};
  return answer;
}

Answer Answer::unavailable(std::string_view message, std::chrono::seconds retry_after) {
  Answer answer = error(503, message);
  answer.retry_after = retry_after;
  answer.outcome = Outcome::shed;
  return answer;
}

Retry retry_of(const Answer& answer) noexcept {
  const unsigned status = answer.status;
  if (status < 300) return Retry::no;
  if (status == 503) return Retry::now;  // this process refused it: not the handlers' fault
  // No handler or component here (another version may have one), a handler's timeout or
  // rate limit: worth trying again.
  if (status == 406 || status == 404 || status == 408 || status == 429) return Retry::later;
  if (status >= 400 && status < 500) return Retry::never;  // the handler's own verdict
  return Retry::later;
}

ComponentResponse ComponentResponse::element(std::string_view element_json,
                                             std::string_view state_json,
                                             std::string_view props_json) {
  ComponentResponse r;
  r.json.reserve(64 + element_json.size() + state_json.size() + props_json.size());
  r.json += "{\"type\":\"element\",\"state\":";
  r.json += state_json;
  r.json += ",\"props\":";
  r.json += props_json;
  r.json += ",\"element\":";
  r.json += element_json;
  r.json += '}';
  return r;
}

ComponentResponse ComponentResponse::complete(std::string_view return_value_json) {
  ComponentResponse r;
  r.json = "{\"type\":\"complete\",\"returnValue\":";
  r.json += return_value_json;
  r.json += '}';
  return r;
}

}  // namespace runtime
}  // namespace gbrt
