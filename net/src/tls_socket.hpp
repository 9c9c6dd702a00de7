// TLS by OpenSSL over the connection's socket, with no stream of Asio's in between. Asio's
// ssl::stream moves every byte through a BIO pair and two 17 KB buffers of its own (about
// 70 KB per connection, kept while it idles), in layers of composed operations per read
// and write. Here OpenSSL writes to the socket itself (MSG_NOSIGNAL; a few records may be
// held to go with the next ones, see Channel), and what it reads comes from the socket's
// own async_read_some into the caller's buffer, handed to OpenSSL through a small BIO:
// Asio's reactor keeps tracking readiness (no epoll_ctl per read, as an async_wait would
// cost), and OpenSSL never meets an empty socket.
#pragma once

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/system/error_code.hpp>

namespace gbrt::net {

// Whether a socket call failed with `error` only for now (nothing to read or no room to
// write yet, or a signal): the call is retried once the socket is ready.
inline bool for_now(int error) noexcept {
  return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

namespace tls_detail {

// What OpenSSL's BIO reads (bytes the socket gave, not yet OpenSSL's) and where it writes.
struct Channel {
  int fd = -1;
  // Records held to go out in one send with the next ones (a session ticket with the first
  // answer, the last answer with close_notify): each send is a system call and a TCP
  // segment for both ends. Written to `held`, up to kHoldLimit bytes, while `hold`.
  bool hold = false;
  const char* data = nullptr;  // the next unread byte
  std::size_t size = 0;        // unread bytes
  std::string held;
};
inline constexpr std::size_t kRecord = 16384;             // TLS's largest plaintext record
inline constexpr std::size_t kHoldLimit = kRecord + 512;  // and its overhead

// Sends what `channel` holds: {} once all went, would_block while the socket takes no more
// (what it did not take stays held), or the error.
boost::system::error_code flush(Channel& channel);

// Gives `ssl` a BIO over `channel`: reads take the channel's bytes (none: "retry"), never
// the socket's; writes go to `held` or out with MSG_NOSIGNAL (OpenSSL's own socket BIO uses
// write(), whose SIGPIPE on a closed peer would end the process). False when OpenSSL could
// not allocate.
bool attach(SSL* ssl, Channel* channel);

// What an SSL_* call that returned `result` (0 or less) failed with: asio::error::eof for the
// peer's close_notify, else the system's or OpenSSL's error.
boost::system::error_code error(SSL* ssl, int result, int saved_errno);

// What the socket's end of stream means: eof after the peer's close_notify, else (as Asio's
// ssl::stream says) asio::ssl::error::stream_truncated.
boost::system::error_code end_of_stream(SSL* ssl);

// Clears OpenSSL's error queue for the next call (its errors are per thread).
void clear_errors();

// The per-thread copy of bytes just read, for OpenSSL to take from while the caller's
// buffer receives the plaintext (the two may be the same memory).
inline constexpr std::size_t kReadChunk = 16384;
char* read_scratch();

// One buffer for a gather write: OpenSSL writes one buffer per call, and an answer's header
// and body belong in one record. Short sequences are copied into a per-thread scratch
// buffer (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER lets a retry come from another copy).
std::pair<const void*, std::size_t> one_buffer(const boost::asio::const_buffer* begin,
                                               const boost::asio::const_buffer* end);

struct SslFree {
  void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
};

}  // namespace tls_detail

// The server side of a TLS connection over `Socket` (a stream socket). Its operations have
// the shape of Asio's and Beast's streams (async_handshake, async_read_some,
// async_write_some, async_shutdown, next_layer), so serve() takes it like Beast's ssl_stream.
template <class Socket>
class TlsSocket {
 public:
  using executor_type = typename Socket::executor_type;
  using next_layer_type = Socket;

  TlsSocket(Socket socket, SSL_CTX* context) : socket_(std::move(socket)), ssl_(SSL_new(context)) {
    channel_.fd = static_cast<int>(socket_.native_handle());
    if (!ssl_ || !tls_detail::attach(ssl_.get(), &channel_)) throw std::bad_alloc();
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
    // Buffers only while a record is in flight: an idle connection holds none.
    SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                 SSL_MODE_RELEASE_BUFFERS);
    // OpenSSL takes all the bytes read at once, not a record's header and then the rest.
    SSL_set_read_ahead(ssl_.get(), 1);
    SSL_set_accept_state(ssl_.get());
  }
  TlsSocket(const TlsSocket&) = delete;  // the BIO points at channel_
  TlsSocket& operator=(const TlsSocket&) = delete;

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  Socket& next_layer() noexcept { return socket_; }

  // Whether bytes already read from the socket wait in OpenSSL or here, or the peer's
  // close_notify has come (the departure watch takes it in): a read answers at once.
  bool has_pending() const noexcept {
    return SSL_has_pending(ssl_.get()) == 1 || !unread_.empty() ||
           (SSL_get_shutdown(ssl_.get()) & SSL_RECEIVED_SHUTDOWN) != 0;
  }

  // Its last records (TLS 1.3's session tickets; TLS 1.2's ticket and Finished, which go
  // before the first read waits) wait for the first answer's.
  template <class Token>
  auto async_handshake(Token&& token) {
    return run<void(boost::system::error_code)>(
        [](SSL* ssl, std::size_t&) { return SSL_do_handshake(ssl); }, {}, Op::handshake,
        std::forward<Token>(token));
  }

  // Takes what OpenSSL holds, up to the buffer's size, in one go: a flood of tiny records
  // is one completion, not one (nested, when inline) per record.
  template <class Token>
  auto async_read_some(const boost::asio::mutable_buffer& buffer, Token&& token) {
    return run<void(boost::system::error_code, std::size_t)>(
        [buffer](SSL* ssl, std::size_t& n) {
          if (buffer.size() == 0) return 1;
          auto* data = static_cast<char*>(buffer.data());
          const int result = SSL_read_ex(ssl, data, buffer.size(), &n);
          for (std::size_t more = 0; result == 1 && n < buffer.size() &&
                                     SSL_has_pending(ssl) == 1 &&
                                     SSL_read_ex(ssl, data + n, buffer.size() - n, &more) == 1;) {
            n += more;
          }
          return result;
        },
        buffer, Op::read, std::forward<Token>(token));
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return run<void(boost::system::error_code, std::size_t)>(
        [buffers](SSL* ssl, std::size_t& n) { return write(ssl, buffers, n); }, {},
        holds(buffers) ? Op::held_write : Op::write, std::forward<Token>(token));
  }

  // From now on a write of at most a record (an answer's last) goes out with close_notify,
  // in one send: for the last answer on a connection that closes after it.
  void hold_writes_until_shutdown() noexcept { hold_writes_ = true; }
  // Whether records wait for the next send (then async_shutdown sends them).
  bool holds_output() const noexcept { return !channel_.held.empty(); }

  // Sends close_notify, once; does not wait for the peer's (TLS 1.3 does not ask it to). A
  // retry after WANT_WRITE calls SSL_shutdown again, which sends the alert still pending.
  template <class Token>
  auto async_shutdown(Token&& token) {
    const bool sent_before = (SSL_get_shutdown(ssl_.get()) & SSL_SENT_SHUTDOWN) != 0;
    return run<void(boost::system::error_code)>(
        [sent_before](SSL* ssl, std::size_t&) {
          if (sent_before) return 1;
          return SSL_shutdown(ssl) >= 0 ? 1 : -1;
        },
        {}, Op::shutdown, std::forward<Token>(token));
  }

  // What the peer did, for the departure watch while no operation of this socket runs: the
  // socket's bytes move into OpenSSL (at most a record's worth a call), which says whether
  // they carry data, a close (close_notify, or the stream's end), or not a whole record yet.
  enum class Peer { quiet, sending, closed };
  Peer peek_peer() {
    if (!socket_.is_open()) return Peer::closed;
    char chunk[4096];
    bool ended = false;  // the stream's end came after what was read: data first, as for HTTP
    for (std::size_t taken = 0; taken < tls_detail::kReadChunk; taken += sizeof chunk) {
      const ssize_t n = ::recv(channel_.fd, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n <= 0) {
        ended = n == 0 || !for_now(errno);
        break;
      }
      unread_.append(chunk, static_cast<std::size_t>(n));
    }
    std::size_t n = 0;
    Want want = Want::nothing;
    const auto ec = attempt(
        [](SSL* ssl, std::size_t& n) {
          char byte;
          return SSL_peek_ex(ssl, &byte, 1, &n);
        },
        n, want);
    if (!ec && want == Want::nothing) return Peer::sending;
    return ec || ended ? Peer::closed : Peer::quiet;
  }

  // For serve()'s write_now: what OpenSSL takes without waiting (0 and no error: nothing).
  bool non_blocking() const noexcept { return true; }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, boost::system::error_code& ec) {
    std::size_t n = 0;
    Want want = Want::nothing;
    ec = attempt([&buffers](SSL* ssl, std::size_t& n) { return write(ssl, buffers, n); }, n, want,
                 holds(buffers));
    if (ec) return 0;
    if (want != Want::nothing) ec = boost::asio::error::would_block;
    return want == Want::nothing ? n : 0;
  }

 private:
  enum class Want { nothing, read, write };
  // Which operation calls OpenSSL. A handshake's, a read's and a held write's records wait
  // for the next send, or go before the operation waits for the peer.
  enum class Op { handshake, read, write, held_write, shutdown };

  // Whether a write of `buffers` is held for close_notify: a larger one would be copied
  // into `held` a record at a time, for nothing.
  template <class ConstBuffers>
  bool holds(const ConstBuffers& buffers) const {
    return hold_writes_ && boost::asio::buffer_size(buffers) <= tls_detail::kRecord;
  }
  static constexpr std::size_t kOwnChunk = 2048;

  template <class ConstBuffers>
  static int write(SSL* ssl, const ConstBuffers& buffers, std::size_t& n) {
    std::array<boost::asio::const_buffer, 4> list;
    std::size_t count = 0;
    const auto end = boost::asio::buffer_sequence_end(buffers);
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != end && count < list.size();
         ++it) {
      if (boost::asio::const_buffer b(*it); b.size() != 0) list[count++] = b;
    }
    if (count == 0) return 1;
    const auto [data, size] = tls_detail::one_buffer(list.data(), list.data() + count);
    return SSL_write_ex(ssl, data, size, &n);
  }

  // One OpenSSL call over the bytes unread so far: {} and `want` nothing when done, `want`
  // read or write when it must wait, or the error. What it writes is held while `hold`.
  // Never touches a closed socket's descriptor, which the kernel may already have given to
  // another connection.
  template <class Call>
  boost::system::error_code attempt(const Call& call, std::size_t& n, Want& want,
                                    bool hold = false) {
    want = Want::nothing;
    if (!socket_.is_open()) {
      channel_.data = nullptr;
      channel_.size = 0;
      return boost::asio::error::bad_descriptor;
    }
    const bool from_unread = !unread_.empty();
    if (from_unread) {
      channel_.data = unread_.data();
      channel_.size = unread_.size();
    }
    tls_detail::clear_errors();
    errno = 0;  // an SSL_ERROR_SYSCALL must not report an older call's errno
    channel_.hold = hold;
    const int result = call(ssl_.get(), n);
    const int saved_errno = errno;
    channel_.hold = false;
    keep_unread(from_unread);
    if (result > 0) return {};
    switch (SSL_get_error(ssl_.get(), result)) {
      case SSL_ERROR_WANT_READ:
        want = Want::read;
        return {};
      case SSL_ERROR_WANT_WRITE:
        want = Want::write;
        return {};
      default:
        return tls_detail::error(ssl_.get(), result, saved_errno);
    }
  }

  // What OpenSSL left of the bytes read (rarely any: it takes them all at once) moves into
  // unread_, as the scratch they may be in belongs to the next read on this thread.
  void keep_unread(bool from_unread) {
    if (channel_.size == 0) {
      if (from_unread) std::string().swap(unread_);  // an idle connection keeps no buffer
    } else if (from_unread) {
      unread_.erase(0, unread_.size() - channel_.size);
    } else {
      unread_.assign(channel_.data, channel_.size);
    }
    channel_.data = nullptr;
    channel_.size = 0;
  }

  // `call` until it succeeds or fails; in between, the socket's bytes are read (into `into`,
  // or a buffer of this operation's when it is small or none) or its writability awaited, as
  // OpenSSL asks. A read reads first unless bytes wait in OpenSSL or here. Held records go
  // before a read that would wait for the peer, and, best effort, when the operation fails.
  template <class Signature, class Call, class Token>
  auto run(Call call, boost::asio::mutable_buffer into, Op op, Token&& token) {
    return boost::asio::async_compose<Token, Signature>(
        [this, call, into, op, first = op == Op::read, own = std::unique_ptr<char[]>(),
         waiting = Want::nothing](auto& self, boost::system::error_code ec = {},
                                  std::size_t got = 0) mutable {
          std::size_t n = 0;
          Want want = first && into.size() != 0 && !has_pending() ? Want::read : Want::nothing;
          first = false;
          if (waiting == Want::read) {
            if (ec == boost::asio::error::eof) ec = tls_detail::end_of_stream(ssl_.get());
            if (!ec) stage(into.data(), got);
          }
          waiting = Want::nothing;
          if (!ec && want == Want::nothing) {
            ec = attempt(call, n, want,
                         op == Op::handshake || op == Op::read || op == Op::held_write);
          }
          // A handshake that waits has sent a flight the peer needs before it answers.
          if (!ec && want == Want::read && !channel_.held.empty() &&
              (op == Op::handshake || !peer_bytes_waiting()) &&
              (ec = tls_detail::flush(channel_)) == boost::asio::error::would_block) {
            ec = {};
            want = Want::write;
          }
          if (!ec && want == Want::read) {
            // A handshake's messages (a ClientHello is about 500 bytes), or a body's last few
            // bytes: records are read in chunks of at least this, not a few bytes at a time.
            if (into.size() < kOwnChunk) {
              own.reset(new char[kOwnChunk]);
              into = boost::asio::buffer(own.get(), kOwnChunk);
            }
            waiting = Want::read;
            socket_.async_read_some(boost::asio::buffer(into, tls_detail::kReadChunk),
                                    std::move(self));
            return;
          }
          if (!ec && want == Want::write) {
            waiting = Want::write;
            socket_.async_wait(boost::asio::socket_base::wait_write, std::move(self));
            return;
          }
          own.reset();
          if (ec && !channel_.held.empty() && socket_.is_open()) tls_detail::flush(channel_);
          if constexpr (std::is_same_v<Signature, void(boost::system::error_code)>) {
            self.complete(ec);
          } else {
            self.complete(ec, n);
          }
        },
        token, socket_);
  }

  // Whether the socket has bytes to read: a read then does not wait for the peer. Asked only
  // while records are held (a system call, cheaper than a send and its segment).
  bool peer_bytes_waiting() {
    boost::system::error_code ec;
    return socket_.available(ec) != 0 && !ec;
  }

  // The bytes just read, for OpenSSL's next call: copied aside first, as the plaintext may
  // be written over them.
  void stage(const void* data, std::size_t size) {
    if (unread_.empty()) {
      char* scratch = tls_detail::read_scratch();
      std::memcpy(scratch, data, size);
      channel_.data = scratch;
      channel_.size = size;
    } else {
      unread_.append(static_cast<const char*>(data), size);
    }
  }

  Socket socket_;
  tls_detail::Channel channel_;
  std::unique_ptr<SSL, tls_detail::SslFree> ssl_;
  std::string unread_;  // bytes read that OpenSSL has not taken yet (rarely any)
  bool hold_writes_ = false;
};

}  // namespace gbrt::net
