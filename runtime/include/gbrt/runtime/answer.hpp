// What an event gets back: an HTTP-like status and body, with GitBook's semantics
// (200 "OK", 406 unhandled type, 404 unknown component, ExposableError's code, 500).
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gbrt/events/parse.hpp>
#include <gbrt/runtime/outcome.hpp>
#include <gbrt/runtime/response.hpp>

namespace gbrt {

// Thrown by a handler to answer with `code` and {"error": message}, as GitBook's
// runtime does for its ExposableError. Any other exception answers 500.
class ExposableError : public std::runtime_error {
 public:
  explicit ExposableError(const std::string& message, unsigned code = 400)
      : std::runtime_error(message), code_(code) {}
  unsigned code() const noexcept { return code_; }

 private:
  unsigned code_;
};

// How control characters are written: gbrt's answers escape DEL too; `javascript` writes
// what JSON.stringify writes (\b and \f short, DEL as it is).
enum class JsonEscapes : unsigned char { answer, javascript };

// Appends `text` to `out` as the inside of a JSON string (quotes not included); bytes that
// are not UTF-8 become U+FFFD, so the result is valid JSON whatever `text` holds.
void append_json_escaped(std::string& out, std::string_view text,
                         JsonEscapes style = JsonEscapes::answer);

// Error messages repeat at most this many bytes of what a client sent.
inline constexpr std::size_t kMaxEcho = 200;
std::string_view clip_for_echo(std::string_view input) noexcept;

namespace runtime {

struct Answer {
  unsigned status = 200;
  std::string_view content_type = "text/plain";  // a string literal; empty: none (see headers)
  std::string body = "OK";
  std::optional<std::chrono::seconds> cache_max_age;  // ui_render: Cache-Control: max-age
  std::optional<std::chrono::seconds> retry_after;    // 503: when the sender may retry
  // A handler's own headers (Response::headers), written after the ones above.
  std::vector<std::pair<std::string, std::string>> headers;
  // A 2xx for an event accepted before (--dedup-window, JetStream's duplicate window): not
  // new work, not run or stored again.
  bool duplicate = false;
  // What became of the event, as the runtime counted it; a forwarder's or store's refusal
  // says rejected or shed. Net maps it to HTTP through `status`, forward to ack/nak/term.
  Outcome outcome = Outcome::ok;
  // Where error() and parse_error() put the message in `body` (JSON-escaped), so that a
  // batch reports it without parsing the body again; 0: no message.
  std::uint32_t message_at = 0;
  std::uint32_t message_size = 0;

  // The message of an error answer, JSON-escaped; empty when it has none.
  std::string_view escaped_message() const noexcept {
    return std::string_view(body).substr(message_at, message_size);
  }
  bool has_message() const noexcept { return message_at != 0; }

  static Answer ok() { return {}; }
  // {"error": message}, the message escaped; outcome rejected (a caller that knows better,
  // the runtime for a handler's error, says so).
  static Answer error(unsigned status, std::string_view message);
  // 400 naming the problem: {"error":…, "field":…, "expected":…, "offset":…}; `what` says
  // which document ("environment") when there are several.
  static Answer parse_error(const events::ParseError& error, std::string_view what = {});
  // 503 with Retry-After: the sender retries (GitBook's does on 5xx), nothing is lost;
  // outcome shed.
  static Answer unavailable(std::string_view message, std::chrono::seconds retry_after);
  static Answer json(unsigned status, std::string body) {
    return {status, "application/json", std::move(body), std::nullopt, std::nullopt, {}};
  }
  // A handler's own response, as it is.
  static Answer from(Response response);
};

// Whether and when the sender should send `answer`'s event again: GitBook's semantics of
// the runtime's statuses, in one place.
Retry retry_of(const Answer& answer) noexcept;

// What a ui_render component returns (a ContentKit answer).
struct ComponentResponse {
  std::string json;  // the whole answer body
  std::optional<std::chrono::seconds> cache_max_age;

  // {"type":"element","state":…,"props":…,"element":…}; each argument is JSON text.
  static ComponentResponse element(std::string_view element_json,
                                   std::string_view state_json = "{}",
                                   std::string_view props_json = "{}");
  // {"type":"complete","returnValue":…}: an action that closes the component.
  static ComponentResponse complete(std::string_view return_value_json = "{}");
};

}  // namespace runtime
}  // namespace gbrt
