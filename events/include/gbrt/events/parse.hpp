// Parsing an event (or an environment) from padded bytes into a typed view.
// Malformed input is a ParseError value naming the field, what was expected and where.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/outcome/basic_result.hpp>
#include <boost/outcome/policy/terminate.hpp>

#include <gbrt/events/padded_buffer.hpp>
#include <gbrt/events/string_arena.hpp>
#include <gbrt/events/views.hpp>

namespace gbrt::events {

struct ParseError {
  enum class Code : std::uint8_t {
    empty,          // no bytes at all
    invalid_json,   // not JSON (syntax, bad escape, bad literal, trailing bytes, ...)
    invalid_utf8,   // bytes that are not UTF-8
    too_deep,       // nesting deeper than Parser::kMaxDepth
    too_large,      // more bytes than the parser's capacity
    not_an_object,  // the event (or a field that must be one) is not a JSON object
    missing_field,  // a required field is absent
    wrong_type,     // a field has another JSON type than the one required
  };
  Code code = Code::invalid_json;
  std::string_view object;    // enclosing object of `field` ("visitor"), empty at top level
  std::string_view field;     // the field ("ip"), empty when the error is not about one
  std::string_view expected;  // "string", "object", ... for missing_field and wrong_type
  std::string_view found;     // the JSON type that was there instead, for wrong_type
  std::string_view detail;    // what the JSON parser said, for invalid_json
  std::size_t offset = 0;     // byte offset in the parsed input

  // One sentence for people: `field "visitor.ip": expected string, got number (byte 134)`.
  std::string message() const;
  // "visitor.ip", or empty.
  std::string path() const;
};

template <class T>
using ParseResult =
    boost::outcome_v2::basic_result<T, ParseError, boost::outcome_v2::policy::terminate>;

// Parses events. Not thread-safe: one per shard, reused event after event. The views it
// returns do not refer to the Parser (only to the input bytes and the StringArena), so the
// next parse does not invalidate them.
class Parser {
 public:
  static constexpr std::size_t kMaxDepth = 128;              // JSON nesting limit
  static constexpr std::size_t kDefaultMaxBytes = 1u << 20;  // matches --max-body

  explicit Parser(std::size_t max_bytes = kDefaultMaxBytes);
  ~Parser();
  Parser(Parser&&) noexcept;
  Parser& operator=(Parser&&) noexcept;

  // The whole input must be one valid JSON object (UTF-8, nothing after it). Strings with
  // escapes are unescaped into `arena`; everything else borrows `input`.
  ParseResult<Event> parse_event(PaddedView input, StringArena& arena);
  ParseResult<Environment> parse_environment(PaddedView input, StringArena& arena);

  std::size_t max_bytes() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gbrt::events
