// GitBook's Webhook signature: `X-GitBook-Signature: t=<unix seconds>,v1=<hex>` where hex is
// HMAC-SHA256(secret, "<t>.<raw body>"). Verified over the raw bytes, before any parse.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/container/static_vector.hpp>

namespace gbrt::net {

using Digest = std::array<unsigned char, 32>;

enum class SignatureStatus : std::uint8_t {
  valid,
  missing,    // no X-GitBook-Signature header
  malformed,  // not `t=<digits>,v1=<64 hex>`
  stale,      // t outside the tolerance window (replay protection)
  mismatch,   // no secret produces this signature
};
std::string_view to_string(SignatureStatus status) noexcept;

struct SignatureHeader {
  static constexpr std::size_t kMaxV1 = 4;  // more v1 values: malformed
  std::int64_t timestamp = 0;
  boost::container::static_vector<Digest, kMaxV1> v1;  // GitBook sends one; several are accepted
};
std::optional<SignatureHeader> parse_signature_header(std::string_view header);

// HMAC-SHA256(key, "<timestamp>.<body>").
Digest webhook_digest(std::string_view secret, std::int64_t timestamp, std::string_view body);
// The header value GitBook would send for `body` at `timestamp`.
std::string sign_webhook(std::string_view secret, std::int64_t timestamp, std::string_view body);

class SignatureVerifier {
 public:
  // Any of `secrets` may have signed (rotation). Empty: enabled() is false.
  explicit SignatureVerifier(std::vector<std::string> secrets = {},
                             std::chrono::seconds tolerance = std::chrono::seconds(300));
  ~SignatureVerifier();
  SignatureVerifier(const SignatureVerifier&);
  SignatureVerifier& operator=(const SignatureVerifier&);
  bool enabled() const noexcept { return !keys_.empty(); }
  // Compares in constant time; allocates nothing. `now` in Unix seconds.
  SignatureStatus verify(std::string_view header, std::string_view body, std::int64_t now) const;

  // A secret's HMAC-SHA256 key schedule, computed once (signature.cpp).
  class Key;

 private:
  std::vector<Key> keys_;
  std::chrono::seconds tolerance_;
};

}  // namespace gbrt::net
