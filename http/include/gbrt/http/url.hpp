// An absolute http:// or https:// URL split into what a connection and a request need:
// scheme, host, port and the request target (path and query).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gbrt::http {

struct Url {
  bool tls = false;    // https
  std::string host;    // without brackets for an IPv6 literal
  std::uint16_t port;  // the scheme's default when the URL names none
  std::string target;  // "/path?query", at least "/"

  // "host" or "host:port" when the port is not the scheme's default (the Host header).
  std::string authority() const;
  // Where a pooled connection to this URL may be reused: scheme, host and port.
  std::string origin() const;
};

// nullopt for anything but an absolute http(s) URL with a host (userinfo is refused).
std::optional<Url> parse_url(std::string_view text);

}  // namespace gbrt::http
