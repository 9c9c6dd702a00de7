// Fuzzes X-GitBook-Signature parsing and verification: the first line is the header, the
// rest the body. Only the signature made with the secret, within the window, may verify.
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string_view>

#include <gbrt/net/signature.hpp>

namespace {

constexpr std::int64_t kTolerance = 300;

// Exact: a 128-bit difference of two int64 cannot overflow.
bool within_window(std::int64_t now, std::int64_t t) {
  const __int128 age = __int128(now) - __int128(t);
  return age <= kTolerance && -age <= kTolerance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t eol = input.find('\n');
  std::string_view header = input.substr(0, eol);
  std::string_view body = eol == input.npos ? std::string_view() : input.substr(eol + 1);
  static const gbrt::net::SignatureVerifier verifier({"fuzz-secret", "other-secret"},
                                                     std::chrono::seconds(kTolerance));
  auto parsed = gbrt::net::parse_signature_header(header);
  const std::int64_t t = parsed ? parsed->timestamp : 0;
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  // The header's own time, the window's edges, and clocks as far from t as an int64 goes
  // (t ^ kMin is exactly 2^63 away).
  const auto early = std::int64_t(std::uint64_t(t) - kTolerance);  // wraps, never overflows
  for (std::int64_t now : {t, early, t ^ kMin, kMin, kMax, std::int64_t(0)}) {
    if (verifier.verify(header, body, now) != gbrt::net::SignatureStatus::valid) continue;
    // Valid only within the window, and if the header carries the real MAC of this body
    // under one of the secrets.
    if (!within_window(now, t)) std::abort();
    bool real = false;
    for (const char* secret : {"fuzz-secret", "other-secret"}) {
      auto digest = gbrt::net::webhook_digest(secret, t, body);
      for (const auto& given : parsed->v1) real |= given == digest;
    }
    if (!real) std::abort();
  }
  return 0;
}
