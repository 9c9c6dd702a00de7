#include <gbrt/net/signature.hpp>

#include <cctype>
#include <limits>

#include <gtest/gtest.h>

#include "support/fixtures.hpp"

namespace {

using gbrt::net::parse_signature_header;
using gbrt::net::sign_webhook;
using gbrt::net::SignatureStatus;
using gbrt::net::SignatureVerifier;

// tests/fixtures/site_view-1.signature: secret=…, t=…, X-GitBook-Signature: …
struct Vector {
  std::string secret, header;
  std::int64_t t = 0;
};
Vector test_vector() {
  std::string text = "\n";  // not `"\n" + string&&`: g++ 12 warns (-Wrestrict)
  text += gbrt::test::fixture("site_view-1.signature");
  auto value = [&](const std::string& key) {  // `key` at the start of a line
    auto at = text.find("\n" + key) + 1 + key.size();
    return text.substr(at, text.find('\n', at) - at);
  };
  return {value("secret="), value("X-GitBook-Signature: "), std::stoll(value("t="))};
}

TEST(Signature, MatchesGitBooksTestVector) {
  Vector v = test_vector();
  std::string body = gbrt::test::fixture("site_view-1.json");
  EXPECT_EQ(sign_webhook(v.secret, v.t, body), v.header);
  SignatureVerifier verifier({v.secret});
  EXPECT_EQ(verifier.verify(v.header, body, v.t + 10), SignatureStatus::valid);
}

TEST(Signature, RejectsAChangedBodyOrSecret) {
  Vector v = test_vector();
  std::string body = gbrt::test::fixture("site_view-1.json");
  SignatureVerifier verifier({v.secret});
  EXPECT_EQ(verifier.verify(v.header, body + " ", v.t), SignatureStatus::mismatch);
  SignatureVerifier other({"another secret"});
  EXPECT_EQ(other.verify(v.header, body, v.t), SignatureStatus::mismatch);
}

TEST(Signature, RejectsTimestampsOutsideTheWindowBothWays) {
  Vector v = test_vector();
  std::string body = gbrt::test::fixture("site_view-1.json");
  SignatureVerifier verifier({v.secret}, std::chrono::seconds(300));
  EXPECT_EQ(verifier.verify(v.header, body, v.t + 300), SignatureStatus::valid);
  EXPECT_EQ(verifier.verify(v.header, body, v.t + 301), SignatureStatus::stale);
  EXPECT_EQ(verifier.verify(v.header, body, v.t - 301), SignatureStatus::stale);
}

// A correct MAC with a timestamp 2^63 seconds or more away: the distance must not overflow.
TEST(Signature, RejectsTimestampsAsFarAsTheIntegerAllows) {
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const std::int64_t now = 1'767'225'600;
  SignatureVerifier verifier({"secret"});
  for (std::int64_t t : {kMin + now, kMin, kMin + 1, kMax, now - kMax}) {
    EXPECT_EQ(verifier.verify(sign_webhook("secret", t, "{}"), "{}", now), SignatureStatus::stale)
        << t;
  }
  EXPECT_EQ(verifier.verify(sign_webhook("secret", kMax, "{}"), "{}", kMin),
            SignatureStatus::stale);
  EXPECT_EQ(verifier.verify(sign_webhook("secret", kMin, "{}"), "{}", kMax),
            SignatureStatus::stale);
  EXPECT_EQ(verifier.verify(sign_webhook("secret", kMin, "{}"), "{}", kMin + 300),
            SignatureStatus::valid);
}

TEST(Signature, AcceptsAnyOfSeveralSecrets) {
  SignatureVerifier verifier({"old", "new"});
  EXPECT_EQ(verifier.verify(sign_webhook("old", 100, "{}"), "{}", 100), SignatureStatus::valid);
  EXPECT_EQ(verifier.verify(sign_webhook("new", 100, "{}"), "{}", 100), SignatureStatus::valid);
  EXPECT_EQ(verifier.verify(sign_webhook("other", 100, "{}"), "{}", 100),
            SignatureStatus::mismatch);
}

TEST(Signature, HeaderParsing) {
  std::string hex(64, 'a');
  auto parsed = parse_signature_header(" t=12 , v1=" + hex + ",v0=zz");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->timestamp, 12);
  ASSERT_EQ(parsed->v1.size(), 1u);
  EXPECT_EQ(parsed->v1[0][0], 0xaa);
  EXPECT_FALSE(parse_signature_header("v1=" + hex));                        // no t
  EXPECT_FALSE(parse_signature_header("t=12"));                             // no v1
  EXPECT_FALSE(parse_signature_header("t=x,v1=" + hex));                    // t not a number
  EXPECT_FALSE(parse_signature_header("t=12,v1=" + hex + "0"));             // wrong length
  EXPECT_FALSE(parse_signature_header("t=12,v1=" + std::string(64, 'g')));  // not hex
  EXPECT_FALSE(parse_signature_header("garbage"));
  SignatureVerifier verifier({"s"});
  EXPECT_EQ(verifier.verify("", "{}", 0), SignatureStatus::missing);
  EXPECT_EQ(verifier.verify("t=1", "{}", 0), SignatureStatus::malformed);
}

// Digits of either case are read, at any position; every other byte makes the header malformed.
TEST(Signature, DigestDigitsOfEitherCaseAndNothingElse) {
  const std::string lower = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  std::string upper = lower;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto from_lower = parse_signature_header("t=1,v1=" + lower);
  auto from_upper = parse_signature_header("t=1,v1=" + upper);
  ASSERT_TRUE(from_lower && from_upper);
  EXPECT_EQ(from_lower->v1[0], from_upper->v1[0]);
  EXPECT_EQ(from_lower->v1[0][0], 0x01);
  EXPECT_EQ(from_lower->v1[0][7], 0xef);
  for (int byte = 0; byte < 256; ++byte) {
    if (std::isxdigit(byte) || byte == ',') continue;
    for (std::size_t at : {std::size_t{0}, std::size_t{31}, std::size_t{63}}) {
      std::string digits = lower;
      digits[at] = static_cast<char>(byte);
      EXPECT_FALSE(parse_signature_header("t=1,v1=" + digits)) << "byte " << byte << " at " << at;
    }
  }
}

}  // namespace
