#include "request_parser.hpp"

#include <memory_resource>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <boost/asio/buffer.hpp>

#include <gbrt/events/padded_buffer.hpp>

namespace {

namespace http = boost::beast::http;
using gbrt::net::FieldAllocator;
using gbrt::net::RequestParser;

// One request, parsed whole from `text` by the server's parser, from a buffer that is then
// overwritten, as serve()'s read buffer is reused: what the parser keeps must be its own.
struct Parsed {
  explicit Parsed(std::string_view text) : parser(allocator) {
    parser.get().body() = {&body};
    parser.eager(true);
    std::string bytes(text);
    boost::beast::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(bytes), ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(used, bytes.size());
    EXPECT_TRUE(parser.is_done());
    bytes.assign(bytes.size(), '#');
  }
  std::pmr::monotonic_buffer_resource memory;
  FieldAllocator allocator{&memory};
  gbrt::events::PaddedBuffer body;
  RequestParser parser;
};

std::size_t field_count(const gbrt::net::Request& request) {
  return static_cast<std::size_t>(std::distance(request.begin(), request.end()));
}

TEST(RequestParser, KeepsTheFieldsGbrtReadsInAnyCase) {
  Parsed parsed(
      "POST /v1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: GitBook\r\n"
      "content-TYPE: application/json\r\nx-gitbook-SIGNATURE: t=1,v1=ab\r\n"
      "Expect: 100-continue\r\nAccept: */*\r\nX-Other: 1\r\nContent-Length: 2\r\n\r\n{}");
  const RequestParser& parser = parsed.parser;
  EXPECT_EQ(parser.content_type(), "application/json");
  EXPECT_EQ(parser.signature(), "t=1,v1=ab");
  EXPECT_EQ(parser.expect(), "100-continue");
  EXPECT_EQ(field_count(parser.get()), 0u);  // none of these goes into Beast's field set
  EXPECT_EQ(parser.get().target(), "/v1");
  EXPECT_EQ(parsed.body.str(), "{}");
}

// As Beast's field set answered: the first of several, and empty when absent.
TEST(RequestParser, TheFirstOfSeveralAndEmptyWhenAbsent) {
  Parsed parsed(
      "GET / HTTP/1.1\r\nX-GitBook-Signature: first\r\nX-GitBook-Signature: second\r\n"
      "Content-Type:\r\nContent-Type: second\r\n\r\n");
  EXPECT_EQ(parsed.parser.signature(), "first");
  EXPECT_EQ(parsed.parser.content_type(), "");  // sent empty: the first still counts
  EXPECT_EQ(parsed.parser.expect(), "");        // absent
}

// Keep-alive is the message's (Connection and the version), as with Beast's own parser.
TEST(RequestParser, KeepAliveAsTheRequestSays) {
  EXPECT_TRUE(Parsed("GET / HTTP/1.1\r\n\r\n").parser.keep_alive());
  EXPECT_FALSE(Parsed("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").parser.keep_alive());
  EXPECT_FALSE(Parsed("GET / HTTP/1.1\r\nConnection: x, Close\r\n\r\n").parser.keep_alive());
  EXPECT_FALSE(Parsed("GET / HTTP/1.0\r\n\r\n").parser.keep_alive());
  EXPECT_TRUE(Parsed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").parser.keep_alive());
  // Every Connection field counts (a close anywhere closes), and Proxy-Connection as Beast reads
  // it.
  EXPECT_FALSE(Parsed("GET / HTTP/1.1\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n")
                   .parser.keep_alive());
  EXPECT_TRUE(Parsed("GET / HTTP/1.0\r\nProxy-Connection: keep-alive\r\n\r\n").parser.keep_alive());
}

TEST(RequestParser, KeepsEveryTransferEncodingField) {
  Parsed parsed(
      "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
      "2\r\n{}\r\n0\r\n\r\n");
  const auto [begin, end] = parsed.parser.get().equal_range(http::field::transfer_encoding);
  EXPECT_EQ(std::distance(begin, end), 2);
}

}  // namespace
