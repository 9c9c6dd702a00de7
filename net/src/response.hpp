// The answer's HTTP/1.1 form: the header block formatted into a buffer the connection
// reuses (the usual 200 OK's is a constant), and the body beside it, sent with one gather
// write. Beast's generic serializer took ~11% of the server's CPU in a profile (its
// buffer-sequence machinery) for a response this simple; this one allocates nothing once
// warm.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>

#include <gbrt/runtime/answer.hpp>

namespace gbrt::net {

class ResponseWriter {
 public:
  ResponseWriter() = default;
  ResponseWriter(const ResponseWriter&) = delete;  // header_ may point into formatted_
  ResponseWriter& operator=(const ResponseWriter&) = delete;

  // `allow` is sent with a 405; `head`: the headers of a GET, no body. HTTP/1.0 clients get
  // "Connection: keep-alive" when kept, HTTP/1.1 clients "Connection: close" when not.
  void format(runtime::Answer&& answer, unsigned version, bool keep_alive, std::string_view allow,
              bool head);
  std::array<boost::asio::const_buffer, 2> buffers() const noexcept {
    return {boost::asio::buffer(header_.data(), header_.size()), boost::asio::buffer(body_)};
  }
  std::string_view header() const noexcept { return header_; }
  std::string_view body() const noexcept { return body_; }

 private:
  // The usual 200 OK's header is a constant, sent as it is: a new connection's first answer
  // allocates no header text, and no answer copies it.
  std::string_view header_;
  std::string formatted_;  // any other header, formatted here (header_ then points at it)
  std::string body_;
};

}  // namespace gbrt::net
