// The low-level SHA-256 calls (deprecated in OpenSSL 3 in favour of EVP) let a key's HMAC
// states be computed once and copied per message: EVP_MAC would allocate on every verify.
#define OPENSSL_API_COMPAT 10101

#include <gbrt/net/signature.hpp>

#include "header_text.hpp"

#include <array>
#include <charconv>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace gbrt::net {

std::string_view to_string(SignatureStatus status) noexcept {
  switch (status) {
    case SignatureStatus::valid:
      return "valid";
    case SignatureStatus::missing:
      return "missing X-GitBook-Signature header";
    case SignatureStatus::malformed:
      return "malformed X-GitBook-Signature header";
    case SignatureStatus::stale:
      return "signature timestamp outside the tolerance window";
    case SignatureStatus::mismatch:
      return "signature does not match";
  }
  return "invalid signature";
}

namespace {

// A hex digit's value, or -1: a table, as a digest's 64 digits are read on every request.
constexpr auto kHexValues = [] {
  std::array<signed char, 256> values{};
  values.fill(-1);
  for (int i = 0; i < 10; ++i) values['0' + i] = static_cast<signed char>(i);
  for (int i = 0; i < 6; ++i) {
    values['a' + i] = values['A' + i] = static_cast<signed char>(10 + i);
  }
  return values;
}();

int hex_digit(char c) noexcept {
  return kHexValues[static_cast<unsigned char>(c)];
}

// |a - b| without overflow: the difference of two int64 always fits in a uint64.
std::uint64_t distance(std::int64_t a, std::int64_t b) noexcept {
  return a >= b ? std::uint64_t(a) - std::uint64_t(b) : std::uint64_t(b) - std::uint64_t(a);
}

std::optional<Digest> parse_hex_digest(std::string_view hex) noexcept {
  Digest out{};
  if (hex.size() != out.size() * 2) return std::nullopt;
  int invalid = 0;  // one check at the end: no branch per digit
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    invalid |= hi | lo;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  if (invalid < 0) return std::nullopt;
  return out;
}

}  // namespace

std::optional<SignatureHeader> parse_signature_header(std::string_view header) {
  SignatureHeader out;
  bool have_t = false;
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "t") {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out.timestamp);
      if (ec != std::errc() || end != value.data() + value.size() || value.empty()) {
        return std::nullopt;
      }
      have_t = true;
    } else if (key == "v1") {
      auto digest = parse_hex_digest(value);
      if (!digest || out.v1.size() == out.v1.capacity()) return std::nullopt;
      out.v1.push_back(*digest);
    }  // other schemes (v0, a future v2) are ignored, as Stripe-style schemes do
  }
  if (!have_t || out.v1.empty()) return std::nullopt;
  return out;
}

// RFC 2104: HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)). The states after the padded
// key blocks are kept, so a message costs two SHA-256 runs from copies, no allocation.
class SignatureVerifier::Key {
 public:
  explicit Key(std::string_view secret) {
    unsigned char block[SHA256_CBLOCK] = {};
    if (secret.size() > sizeof block) {
      SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), block);
    } else {
      std::memcpy(block, secret.data(), secret.size());
    }
    unsigned char pad[SHA256_CBLOCK];
    for (std::size_t i = 0; i < sizeof block; ++i) pad[i] = block[i] ^ 0x36;
    SHA256_Init(&inner_);
    SHA256_Update(&inner_, pad, sizeof pad);
    for (std::size_t i = 0; i < sizeof block; ++i) pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&outer_);
    SHA256_Update(&outer_, pad, sizeof pad);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
  }
  ~Key() {
    OPENSSL_cleanse(&inner_, sizeof inner_);
    OPENSSL_cleanse(&outer_, sizeof outer_);
  }
  Key(const Key&) = default;
  Key& operator=(const Key&) = default;

  // HMAC-SHA256 of "<timestamp>.<body>".
  Digest webhook_digest(std::int64_t timestamp, std::string_view body) const {
    char prefix[24];
    auto [end, ec] = std::to_chars(prefix, prefix + sizeof prefix - 1, timestamp);
    *end++ = '.';
    SHA256_CTX ctx = inner_;
    SHA256_Update(&ctx, prefix, std::size_t(end - prefix));
    SHA256_Update(&ctx, body.data(), body.size());
    Digest inner_digest;
    SHA256_Final(inner_digest.data(), &ctx);
    ctx = outer_;
    SHA256_Update(&ctx, inner_digest.data(), inner_digest.size());
    Digest out;
    SHA256_Final(out.data(), &ctx);
    OPENSSL_cleanse(&ctx, sizeof ctx);
    return out;
  }

 private:
  SHA256_CTX inner_;
  SHA256_CTX outer_;
};

Digest webhook_digest(std::string_view secret, std::int64_t timestamp, std::string_view body) {
  return SignatureVerifier::Key(secret).webhook_digest(timestamp, body);
}

std::string sign_webhook(std::string_view secret, std::int64_t timestamp, std::string_view body) {
  static constexpr char kHex[] = "0123456789abcdef";
  Digest digest = webhook_digest(secret, timestamp, body);
  std::string out = "t=" + std::to_string(timestamp) + ",v1=";
  for (unsigned char byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

SignatureVerifier::SignatureVerifier(std::vector<std::string> secrets,
                                     std::chrono::seconds tolerance)
    : tolerance_(tolerance) {
  keys_.reserve(secrets.size());
  for (const std::string& secret : secrets) keys_.emplace_back(secret);
}

SignatureVerifier::~SignatureVerifier() = default;
SignatureVerifier::SignatureVerifier(const SignatureVerifier&) = default;
SignatureVerifier& SignatureVerifier::operator=(const SignatureVerifier&) = default;

SignatureStatus SignatureVerifier::verify(std::string_view header, std::string_view body,
                                          std::int64_t now) const {
  if (header.empty()) return SignatureStatus::missing;
  auto parsed = parse_signature_header(header);
  if (!parsed) return SignatureStatus::malformed;
  if (distance(now, parsed->timestamp) > std::uint64_t(tolerance_.count())) {
    return SignatureStatus::stale;
  }
  bool match = false;
  for (const Key& key : keys_) {
    Digest expected = key.webhook_digest(parsed->timestamp, body);
    for (const Digest& given : parsed->v1) {
      // Every comparison runs (no early exit) so timing says nothing about the secrets.
      match |= CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
    }
  }
  return match ? SignatureStatus::valid : SignatureStatus::mismatch;
}

}  // namespace gbrt::net
