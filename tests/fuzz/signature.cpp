// Fuzzes X-GitBook-Signature parsing and verification: the first line is the header, the
// rest the body. Only the signature made with the secret may verify.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <gbrt/net/signature.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t eol = input.find('\n');
  std::string_view header = input.substr(0, eol);
  std::string_view body = eol == input.npos ? std::string_view() : input.substr(eol + 1);
  static const gbrt::net::SignatureVerifier verifier({"fuzz-secret", "other-secret"});
  auto parsed = gbrt::net::parse_signature_header(header);
  auto status = verifier.verify(header, body, parsed ? parsed->timestamp : 0);
  if (status == gbrt::net::SignatureStatus::valid) {
    // Valid only if the header carries the real MAC of this body under one of the secrets.
    bool real = false;
    for (const char* secret : {"fuzz-secret", "other-secret"}) {
      auto digest = gbrt::net::webhook_digest(secret, parsed->timestamp, body);
      for (const auto& given : parsed->v1) real |= given == digest;
    }
    if (!real) std::abort();
  }
  return 0;
}
