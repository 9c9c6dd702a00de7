// A Beast Body that reads a request body straight into an events::PaddedBuffer owned by
// the connection, so simdjson parses it in place and the buffer's capacity is reused.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <boost/system/errc.hpp>

#include <gbrt/events/padded_buffer.hpp>

namespace gbrt::net {

// The memory that bodies still being received have added to their buffers, across a
// server's connections, and its bound (ServerOptions::max_body_memory). A buffer's capacity
// from an earlier event costs nothing: the slot pool bounds that memory already.
struct BodyMemory {
  std::atomic<std::size_t> held{0};
  std::size_t limit = std::numeric_limits<std::size_t>::max();

  bool take(std::size_t bytes) noexcept {
    if (held.fetch_add(bytes, std::memory_order_relaxed) + bytes <= limit) return true;
    held.fetch_sub(bytes, std::memory_order_relaxed);
    return false;
  }
  void give_back(std::size_t bytes) noexcept { held.fetch_sub(bytes, std::memory_order_relaxed); }
};

// The read's error when a body would take BodyMemory past its limit (answered 503).
inline boost::system::error_code body_memory_exhausted() noexcept {
  return boost::system::errc::make_error_code(boost::system::errc::not_enough_memory);
}

struct PaddedBody {
  struct value_type {
    events::PaddedBuffer* buffer = nullptr;  // set before reading
    BodyMemory* memory = nullptr;            // charged while the body grows; null: no bound
    std::size_t max_size = std::numeric_limits<std::size_t>::max();  // the parser's body limit
  };

  static std::uint64_t size(const value_type& body) { return body.buffer->size(); }

  // Beast constructs the reader with the parser, before the caller can point the body at
  // its buffer: the buffer is looked up at init(), once the header has been read. The
  // buffer grows with the bytes that arrive, never ahead of them on a declared length.
  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}
    reader(const reader&) = delete;
    reader& operator=(const reader&) = delete;
    ~reader() { give_back(); }

    void init(const boost::optional<std::uint64_t>& length, boost::system::error_code& ec) {
      buffer_ = body_.buffer;
      memory_ = body_.memory;
      buffer_->clear();
      // Beast refuses a declared length over the limit before this.
      most_ = length && *length < body_.max_size ? std::size_t(*length) : body_.max_size;
      ec = {};
    }
    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
      const std::size_t n = boost::asio::buffer_size(buffers);
      const std::size_t size = buffer_->size() + n;
      const std::size_t before = buffer_->capacity();
      const std::size_t after = buffer_->capacity_for(size, most_);
      if (after > before) {
        if (memory_ != nullptr && !memory_->take(after - before)) {
          ec = body_memory_exhausted();
          return 0;
        }
        held_ += after - before;
        buffer_->reserve(size, most_);
      }
      char* const to = buffer_->prepare(n);
      // Bytes read in place (read_in_place) are where they belong already.
      const auto first = boost::asio::buffer_sequence_begin(buffers);
      if (n != 0 && (first->data() != to || first->size() != n)) {
        boost::asio::buffer_copy(boost::asio::buffer(to, n), buffers);
      }
      buffer_->commit(n);
      ec = {};
      return n;
    }
    void finish(boost::system::error_code& ec) {
      give_back();  // whole: answered next, its memory is the event's
      ec = {};
    }

   private:
    void give_back() noexcept {
      if (memory_ != nullptr && held_ != 0) memory_->give_back(held_);
      held_ = 0;
    }

    value_type& body_;
    events::PaddedBuffer* buffer_ = nullptr;
    BodyMemory* memory_ = nullptr;
    std::size_t most_ = 0;  // bytes the body can have at most
    std::size_t held_ = 0;  // charged to memory_
  };
};

// Where the rest of a Content-Length body can be read straight from the socket: the free
// space of its padded buffer when that already holds the whole body (a warm slot's buffer),
// so the bytes skip the connection's buffer and a copy; else an empty buffer (read as
// usual). The parser is then given that same span, which its reader leaves in place.
template <class Parser>
boost::asio::mutable_buffer read_in_place(const Parser& parser,
                                          events::PaddedBuffer& buffer) noexcept {
  if (!parser.is_header_done() || parser.chunked()) return {};
  const auto remaining = parser.content_length_remaining();
  if (!remaining || *remaining == 0) return {};
  const std::size_t size = buffer.size() + std::size_t(*remaining);
  if (size + events::kJsonPadding > buffer.capacity()) return {};  // to grow: charged by put
  return {buffer.prepare(std::size_t(*remaining)), std::size_t(*remaining)};
}

}  // namespace gbrt::net
