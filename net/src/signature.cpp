#include <gbrt/net/signature.hpp>

#include "header_text.hpp"

#include <charconv>
#include <memory>
#include <stdexcept>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

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

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Digest> parse_hex_digest(std::string_view hex) noexcept {
  Digest out{};
  if (hex.size() != out.size() * 2) return std::nullopt;
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return out;
}

struct MacDeleter {
  void operator()(EVP_MAC* mac) const noexcept { EVP_MAC_free(mac); }
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};

EVP_MAC* hmac() {
  static std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) throw std::runtime_error("OpenSSL: HMAC is not available");
  return mac.get();
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
      if (!digest) return std::nullopt;
      out.v1.push_back(*digest);
    }  // other schemes (v0, a future v2) are ignored, as Stripe-style schemes do
  }
  if (!have_t || out.v1.empty()) return std::nullopt;
  return out;
}

Digest webhook_digest(std::string_view secret, std::int64_t timestamp, std::string_view body) {
  std::unique_ptr<EVP_MAC_CTX, MacDeleter> ctx(EVP_MAC_CTX_new(hmac()));
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                         OSSL_PARAM_construct_end()};
  char prefix[32];
  auto [end, ec] = std::to_chars(prefix, prefix + sizeof prefix - 1, timestamp);
  *end++ = '.';
  Digest out{};
  std::size_t out_size = 0;
  if (!ctx ||
      !EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                    params) ||
      !EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(prefix),
                      std::size_t(end - prefix)) ||
      !EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(body.data()),
                      body.size()) ||
      !EVP_MAC_final(ctx.get(), out.data(), &out_size, out.size()) || out_size != out.size()) {
    throw std::runtime_error("OpenSSL: HMAC-SHA256 failed");
  }
  return out;
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
    : secrets_(std::move(secrets)), tolerance_(tolerance) {}

SignatureStatus SignatureVerifier::verify(std::string_view header, std::string_view body,
                                          std::int64_t now) const {
  if (header.empty()) return SignatureStatus::missing;
  auto parsed = parse_signature_header(header);
  if (!parsed) return SignatureStatus::malformed;
  std::int64_t age = now - parsed->timestamp;
  if (age > tolerance_.count() || -age > tolerance_.count()) return SignatureStatus::stale;
  bool match = false;
  for (const std::string& secret : secrets_) {
    Digest expected = webhook_digest(secret, parsed->timestamp, body);
    for (const Digest& given : parsed->v1) {
      // Every comparison runs (no early exit) so timing says nothing about the secrets.
      match |= CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
    }
  }
  return match ? SignatureStatus::valid : SignatureStatus::mismatch;
}

}  // namespace gbrt::net
