// The http://HOST:PORT/PATH that gbrt-loadgen and gbrt-send POST to, and the secret they
// sign with (X-GitBook-Signature, as GitBook does).
#pragma once

#include <optional>
#include <string>

namespace gbrt::client {

struct Url {
  std::string host;
  std::string port = "80";
  std::string path;  // empty: the caller's default
  // HOST:PORT for the Host header ([v6]:PORT for an IPv6 literal).
  std::string authority() const;
};

// nullopt unless `text` is http://HOST[:PORT][/PATH] (HOST may be [v6]).
std::optional<Url> parse_url(const std::string& text);

// The first secret of `secret`, else of the file `secret_file` (its first non-blank line),
// else of $GBRT_SECRET (comma-separated, as for the server); empty: unsigned. Throws when
// the file cannot be read or holds none.
std::string load_secret(const std::string& secret, const std::string& secret_file);

}  // namespace gbrt::client
