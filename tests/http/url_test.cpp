#include <gbrt/http/url.hpp>

#include <gtest/gtest.h>

using gbrt::http::parse_url;

TEST(HttpUrl, SplitsSchemeHostPortAndTarget) {
  auto url = parse_url("HTTPS://API.GitBook.com/v1/integrations?x=1#frag");
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "api.gitbook.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/v1/integrations?x=1");
  EXPECT_EQ(url->authority(), "api.gitbook.com");
  EXPECT_EQ(url->origin(), "https://api.gitbook.com");
}

TEST(HttpUrl, PortsPathsAndIpv6) {
  auto url = parse_url("http://127.0.0.1:8080");
  ASSERT_TRUE(url);
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->target, "/");
  EXPECT_EQ(url->authority(), "127.0.0.1:8080");
  auto v6 = parse_url("http://[::1]:81/a?b");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->target, "/a?b");
  EXPECT_EQ(v6->authority(), "[::1]:81");
  EXPECT_EQ(parse_url("https://h?q=1")->target, "/?q=1");
}

TEST(HttpUrl, RefusesWhatIsNotAnAbsoluteHttpUrl) {
  for (const char* bad : {"/relative", "ftp://h/", "http://", "http://:80/", "http://h:0/",
                          "http://h:70000/", "http://h:8a/", "http://user@h/", "http://[::1/"}) {
    EXPECT_FALSE(parse_url(bad)) << bad;
  }
}
