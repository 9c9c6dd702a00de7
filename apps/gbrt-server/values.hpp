// gbrt-server's option values that are more than a number: HOST:PORT, TYPE=VALUE, whole
// numbers in text, ack modes. Each parser returns the value, or nothing when malformed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/program_options/variables_map.hpp>

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
// "handled", "queued", "forwarded" or "stored".
std::optional<runtime::AckMode> parse_ack_mode(const std::string& text);
// A repeatable option's items from every source; none when unset.
std::vector<std::string> items(const boost::program_options::variables_map& vm, const char* name);

}  // namespace gbrt::app
