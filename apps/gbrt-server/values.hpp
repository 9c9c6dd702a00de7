// gbrt-server's option values that are more than a number: HOST:PORT, TYPE=VALUE, whole
// numbers in text, durations, ack modes, store writes. Each parser returns the value, or nothing
// when malformed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/any.hpp>
#include <boost/program_options/errors.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <boost/program_options/variables_map.hpp>

#include <gbrt/pg/event_store.hpp>
#include <gbrt/runtime/options.hpp>

namespace gbrt::app {

struct ListenAddress {
  std::string host;  // a name or an IP literal, without brackets; "0.0.0.0" for ":port"
  std::uint16_t port = 0;
};

// "host:port", "[v6]:port" or ":port".
std::optional<ListenAddress> parse_listen(const std::string& text);
// "TYPE=VALUE" -> (TYPE, VALUE), neither empty.
std::optional<std::pair<std::string, std::string>> split_assignment(const std::string& text);
// "123" -> 123; no sign, no spaces, nothing after the digits.
std::optional<std::size_t> parse_count(const std::string& text);
// A duration: a whole number and its unit, "250ms", "10s", "5min", "2h", "7d"; or a bare
// whole number, read in `base_unit` (how configurations written before units were
// accepted read). Nothing when malformed or not a whole number of `base_unit`s.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text,
                                                        std::chrono::milliseconds base_unit);

// A duration option's value (docs/configuration.md: Durations): `Base` is the unit of a bare
// number. The text is kept as written, so --print-config prints it back as given.
template <class Base>
struct Duration {
  Base value{};
  std::string text;
};
using Milliseconds = Duration<std::chrono::milliseconds>;
using Seconds = Duration<std::chrono::seconds>;

// The table's default: the option struct's value, written as a bare number.
template <class Base>
Duration<Base> duration_default(Base value) {
  return {value, std::to_string(value.count())};
}

// Program_options reads a Duration through this (found by argument-dependent lookup).
template <class Base>
void validate(boost::any& out, const std::vector<std::string>& values, Duration<Base>*, int) {
  boost::program_options::validators::check_first_occurrence(out);
  const std::string& text = boost::program_options::validators::get_single_string(values);
  const auto parsed =
      parse_duration(text, std::chrono::duration_cast<std::chrono::milliseconds>(Base(1)));
  if (!parsed) throw boost::program_options::invalid_option_value(text);
  out = Duration<Base>{std::chrono::duration_cast<Base>(*parsed), text};
}

// "handled", "queued", "forwarded" or "stored".
std::optional<runtime::AckMode> parse_ack_mode(const std::string& text);
// "insert" or "copy" (--store-write).
std::optional<pg::StoreWrite> parse_store_write(const std::string& text);
// A repeatable option's items from every source; none when unset.
std::vector<std::string> items(const boost::program_options::variables_map& vm, const char* name);

}  // namespace gbrt::app
