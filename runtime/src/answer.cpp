#include <gbrt/runtime/answer.hpp>

#include <cstdio>

namespace gbrt {

void append_json_escaped(std::string& out, std::string_view text) {
  for (unsigned char c : text) {
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
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += char(c);
        }
    }
  }
}

namespace runtime {

Answer Answer::error(unsigned status, std::string_view message) {
  std::string body = "{\"error\":\"";
  append_json_escaped(body, message);
  body += "\"}";
  return json(status, std::move(body));
}

Answer Answer::parse_error(const events::ParseError& error, std::string_view what) {
  std::string body = "{\"error\":\"";
  if (!what.empty()) {
    append_json_escaped(body, what);
    body += ": ";
  }
  append_json_escaped(body, error.message());
  body += '"';
  if (!error.field.empty()) {
    body += ",\"field\":\"";
    append_json_escaped(body, error.path());
    body += "\",\"expected\":\"";
    body += error.expected;
    body += '"';
  }
  body += ",\"offset\":" + std::to_string(error.offset) + "}";
  return json(400, std::move(body));
}

Answer Answer::unavailable(std::string_view message, std::chrono::seconds retry_after) {
  Answer answer = error(503, message);
  answer.retry_after = retry_after;
  return answer;
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
