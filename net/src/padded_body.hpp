// A Beast Body that reads a request body straight into an events::PaddedBuffer owned by
// the connection, so simdjson parses it in place and the buffer's capacity is reused.
#pragma once

#include <cstdint>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include <gbrt/events/padded_buffer.hpp>

namespace gbrt::net {

struct PaddedBody {
  struct value_type {
    events::PaddedBuffer* buffer = nullptr;  // set before reading
  };

  static std::uint64_t size(const value_type& body) { return body.buffer->size(); }

  // Beast constructs the reader with the parser, before the caller can point the body at
  // its buffer: the buffer is looked up at init(), once the header has been read.
  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, boost::system::error_code& ec) {
      buffer_ = body_.buffer;
      buffer_->clear();
      if (length) buffer_->reserve(static_cast<std::size_t>(*length));
      ec = {};
    }
    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
      std::size_t n = boost::asio::buffer_size(buffers);
      boost::asio::buffer_copy(boost::asio::buffer(buffer_->prepare(n), n), buffers);
      buffer_->commit(n);
      ec = {};
      return n;
    }
    void finish(boost::system::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
    events::PaddedBuffer* buffer_ = nullptr;
  };
};

}  // namespace gbrt::net
