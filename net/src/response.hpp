// The answer's HTTP/1.1 form: the header block formatted into a buffer the connection
// reuses (header and at most 1 KiB of body: the usual 200 OK is one constant), sent with one
// send(); a longer body beside it, not copied, sent with the header in one gather write. Beast's
// generic serializer took ~11% of the server's CPU in a profile (its buffer-sequence machinery) for
// a response this simple; this one allocates nothing once warm.
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
  ResponseWriter(const ResponseWriter&) = delete;  // head_ may point into formatted_
  ResponseWriter& operator=(const ResponseWriter&) = delete;

  // `allow` is sent with a 405; `head`: the headers of a GET, no body. HTTP/1.0 clients get
  // "Connection: keep-alive" when kept, HTTP/1.1 clients "Connection: close" when not.
  // Takes the answer's body: `answer` keeps no memory of it, nor the writer of an earlier one.
  void format(runtime::Answer&& answer, unsigned version, bool keep_alive, std::string_view allow,
              bool head);
  // The header, then the body; the second is empty when the first holds the whole answer.
  std::array<boost::asio::const_buffer, 2> buffers() const noexcept {
    return {boost::asio::buffer(head_.data(), head_.size()), boost::asio::buffer(body_)};
  }
  std::string_view head() const noexcept { return head_; }
  std::string_view body() const noexcept { return body_; }
  std::size_t body_bytes() const noexcept { return body_bytes_; }  // what is sent of the body

 private:
  // The header, and the body when it is short. The usual 200 OK's is a constant, sent as it
  // is: no header text allocated or copied.
  std::string_view head_;
  std::string formatted_;  // any other header, formatted here (head_ then points at it)
  std::string body_;       // a long body (head_ holds a short one)
  std::size_t body_bytes_ = 0;
};

}  // namespace gbrt::net
