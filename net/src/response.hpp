// The answer's HTTP/1.1 form: the header block formatted into a buffer the connection
// reuses, and the body beside it, sent with one gather write. Beast's generic serializer
// took ~11% of the server's CPU in a profile (its buffer-sequence machinery) for a
// response this simple; this one allocates nothing once warm.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>

#include <gbrt/runtime/answer.hpp>

namespace gbrt::net {

class ResponseWriter {
 public:
  // `allow` is sent with a 405; `head`: the headers of a GET, no body. HTTP/1.0 clients get
  // "Connection: keep-alive" when kept, HTTP/1.1 clients "Connection: close" when not.
  void format(runtime::Answer&& answer, unsigned version, bool keep_alive, std::string_view allow,
              bool head);
  std::array<boost::asio::const_buffer, 2> buffers() const noexcept {
    return {boost::asio::buffer(header_), boost::asio::buffer(body_)};
  }
  std::string_view header() const noexcept { return header_; }
  std::string_view body() const noexcept { return body_; }

 private:
  std::string header_;
  std::string body_;
};

}  // namespace gbrt::net
