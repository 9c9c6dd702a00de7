// TLS read and written by OpenSSL on the socket's own descriptor, as nginx does: the
// connection waits for readiness and OpenSSL moves the records between the kernel and the
// caller's buffer. Asio's ssl::stream instead passes every byte through a BIO pair and two
// 17 KB buffers of its own (about 70 KB per connection, kept while it idles), in layers of
// composed operations per read and write.
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/system/error_code.hpp>

namespace gbrt::net {

namespace tls_detail {

// What an SSL_* call that returned `result` (0 or less) failed with, as an error_code:
// asio::error::eof for the peer's close_notify, asio::ssl::error::stream_truncated for a
// TCP close without it (as Asio's ssl::stream says), else the system's or OpenSSL's error.
boost::system::error_code error(SSL* ssl, int result, int saved_errno);

// Clears OpenSSL's error queue for the next call (its errors are per thread).
void clear_errors();

// Gives `ssl` the descriptor `fd` to read and write, with send(MSG_NOSIGNAL): OpenSSL's own
// socket BIO writes with write(), whose SIGPIPE on a closed peer would end the process.
// False when OpenSSL could not allocate.
bool attach(SSL* ssl, int fd);

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
    if (!ssl_ || !tls_detail::attach(ssl_.get(), static_cast<int>(socket_.native_handle()))) {
      throw std::bad_alloc();
    }
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
    // Buffers only while a record is in flight: an idle connection holds none.
    SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                 SSL_MODE_RELEASE_BUFFERS);
    // One recv per request rather than one for the record's header and one for the rest;
    // what it reads beyond the record waits in OpenSSL (has_pending()).
    SSL_set_read_ahead(ssl_.get(), 1);
    SSL_set_accept_state(ssl_.get());
  }

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  Socket& next_layer() noexcept { return socket_; }

  // Whether OpenSSL holds bytes read from the socket and not yet given to the caller.
  bool has_pending() const noexcept { return SSL_has_pending(ssl_.get()) == 1; }

  template <class Token>
  auto async_handshake(Token&& token) {
    return run<void(boost::system::error_code)>(
        [](SSL* ssl, std::size_t&) { return SSL_do_handshake(ssl); }, std::forward<Token>(token));
  }

  template <class Token>
  auto async_read_some(const boost::asio::mutable_buffer& buffer, Token&& token) {
    return run<void(boost::system::error_code, std::size_t)>(
        [buffer](SSL* ssl, std::size_t& n) {
          return buffer.size() == 0 ? 1 : SSL_read_ex(ssl, buffer.data(), buffer.size(), &n);
        },
        std::forward<Token>(token));
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return run<void(boost::system::error_code, std::size_t)>(
        [buffers](SSL* ssl, std::size_t& n) { return write(ssl, buffers, n); },
        std::forward<Token>(token));
  }

  // Sends close_notify; does not wait for the peer's (TLS 1.3 does not ask it to).
  template <class Token>
  auto async_shutdown(Token&& token) {
    return run<void(boost::system::error_code)>(
        [](SSL* ssl, std::size_t&) { return SSL_shutdown(ssl) >= 0 ? 1 : -1; },
        std::forward<Token>(token));
  }

  // For serve()'s write_now: what OpenSSL takes without waiting; would_block when nothing.
  bool non_blocking() const noexcept { return true; }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, boost::system::error_code& ec) {
    std::size_t n = 0;
    bool want_write = false;
    ec = attempt([&buffers](SSL* ssl, std::size_t& n) { return write(ssl, buffers, n); }, n,
                 want_write);
    return ec ? 0 : n;
  }

 private:
  template <class ConstBuffers>
  static int write(SSL* ssl, const ConstBuffers& buffers, std::size_t& n) {
    const auto begin = boost::asio::buffer_sequence_begin(buffers);
    const auto end = boost::asio::buffer_sequence_end(buffers);
    std::array<boost::asio::const_buffer, 4> list;
    std::size_t count = 0;
    for (auto it = begin; it != end && count < list.size(); ++it) {
      if (boost::asio::const_buffer b(*it); b.size() != 0) list[count++] = b;
    }
    if (count == 0) return 1;
    const auto [data, size] = tls_detail::one_buffer(list.data(), list.data() + count);
    return SSL_write_ex(ssl, data, size, &n);
  }

  // One OpenSSL call: {} when done, would_block when it must wait (for the socket to be
  // writable if `want_write`, else readable), or the error. Never touches a closed socket's
  // descriptor, which the kernel may already have given to another connection.
  template <class Call>
  boost::system::error_code attempt(const Call& call, std::size_t& n, bool& want_write) {
    if (!socket_.is_open()) return boost::asio::error::bad_descriptor;
    tls_detail::clear_errors();
    const int result = call(ssl_.get(), n);
    if (result > 0) return {};
    const int saved_errno = errno;
    switch (SSL_get_error(ssl_.get(), result)) {
      case SSL_ERROR_WANT_READ:
        want_write = false;
        return boost::asio::error::would_block;
      case SSL_ERROR_WANT_WRITE:
        want_write = true;
        return boost::asio::error::would_block;
      default:
        return tls_detail::error(ssl_.get(), result, saved_errno);
    }
  }

  // `call` until it succeeds or fails, waiting for the socket in between as OpenSSL asks.
  template <class Signature, class Call, class Token>
  auto run(Call call, Token&& token) {
    return boost::asio::async_compose<Token, Signature>(
        [this, call](auto& self, boost::system::error_code ec = {}) mutable {
          std::size_t n = 0;
          bool want_write = false;
          if (!ec) ec = attempt(call, n, want_write);
          if (ec == boost::asio::error::would_block) {
            socket_.async_wait(want_write ? boost::asio::socket_base::wait_write
                                          : boost::asio::socket_base::wait_read,
                               std::move(self));
            return;
          }
          if constexpr (std::is_same_v<Signature, void(boost::system::error_code)>) {
            self.complete(ec);
          } else {
            self.complete(ec, n);
          }
        },
        token, socket_);
  }

  Socket socket_;
  std::unique_ptr<SSL, tls_detail::SslFree> ssl_;
};

}  // namespace gbrt::net
