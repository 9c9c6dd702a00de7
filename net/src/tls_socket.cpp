#include "tls_socket.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <new>

#include <boost/asio/ssl/error.hpp>

namespace gbrt::net::tls_detail {

boost::system::error_code error(SSL* ssl, int result, int saved_errno) {
  switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_ZERO_RETURN:
      return boost::asio::error::eof;
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() == 0) {
        if (saved_errno == 0) return end_of_stream(ssl);
        return {saved_errno, boost::system::system_category()};
      }
      [[fallthrough]];
    default: {
      const unsigned long e = ERR_get_error();
      if (e == 0) return boost::asio::ssl::error::unexpected_result;
      // OpenSSL 3.2 and later queue the socket's own errors (ECONNRESET…) as such.
      if (ERR_GET_LIB(e) == ERR_LIB_SYS)
        return {ERR_GET_REASON(e), boost::system::system_category()};
      return {static_cast<int>(e), boost::asio::error::get_ssl_category()};
    }
  }
}

boost::system::error_code end_of_stream(SSL* ssl) {
  if ((SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN) != 0) return boost::asio::error::eof;
  return boost::asio::ssl::error::stream_truncated;
}

void clear_errors() {
  ERR_clear_error();
}

char* read_scratch() {
  thread_local std::array<char, kReadChunk> scratch;
  return scratch.data();
}

std::pair<const void*, std::size_t> one_buffer(const boost::asio::const_buffer* begin,
                                               const boost::asio::const_buffer* end) {
  if (end - begin == 1) return {begin->data(), begin->size()};
  // A TLS record's worth: OpenSSL would cut a longer write into records anyway.
  thread_local std::array<char, 16384> scratch;
  std::size_t size = 0;
  for (auto* b = begin; b != end && size < scratch.size(); ++b) {
    const std::size_t take = std::min(b->size(), scratch.size() - size);
    std::memcpy(scratch.data() + size, b->data(), take);
    size += take;
  }
  return {scratch.data(), size};
}

namespace {

Channel& channel_of(BIO* bio) {
  return *static_cast<Channel*>(BIO_get_data(bio));
}

// Sends what is held, then `size` bytes of `data`, in one call: how many of `data` went, or
// -1 and errno (EAGAIN when what is held did not all go, or none of `data` did).
ssize_t send_after_held(Channel& channel, const char* data, std::size_t size) {
  const std::size_t held = channel.held.size();
  if (held == 0) return ::send(channel.fd, data, size, MSG_NOSIGNAL);
  std::array<iovec, 2> parts{iovec{channel.held.data(), held},
                             iovec{const_cast<char*>(data), size}};
  msghdr message{};
  message.msg_iov = parts.data();
  message.msg_iovlen = size == 0 ? 1 : 2;
  const ssize_t n = ::sendmsg(channel.fd, &message, MSG_NOSIGNAL);
  if (n < 0) return n;
  const auto sent = static_cast<std::size_t>(n);
  if (sent < held) {
    channel.held.erase(0, sent);
    errno = EAGAIN;
    return -1;
  }
  std::string().swap(channel.held);  // an idle connection keeps no buffer
  if (sent == held && size != 0) {
    errno = EAGAIN;
    return -1;
  }
  return static_cast<ssize_t>(sent - held);
}

int channel_write(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  Channel& channel = channel_of(bio);
  const auto length = static_cast<std::size_t>(size);
  if (channel.hold && channel.held.size() + length <= kHoldLimit) {
    try {
      channel.held.append(data, length);
      return size;
    } catch (const std::bad_alloc&) {  // not through OpenSSL's C: sent now instead
    }
  }
  const ssize_t n = send_after_held(channel, data, length);
  if (n < 0 && for_now(errno)) BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

// The bytes the socket gave; none: try again once more are read (never the socket itself).
int channel_read(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  Channel& channel = channel_of(bio);
  if (channel.size == 0) {
    BIO_set_retry_read(bio);
    return -1;
  }
  const std::size_t n = std::min(channel.size, static_cast<std::size_t>(size));
  std::memcpy(data, channel.data, n);
  channel.data += n;
  channel.size -= n;
  return static_cast<int>(n);
}

// Only a flush needs an answer; what is held waits for its send on purpose. No other
// control applies.
long channel_control(BIO*, int command, long, void*) {
  return command == BIO_CTRL_FLUSH ? 1 : 0;
}

int channel_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* channel_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "gbrt channel");
    if (m != nullptr) {
      BIO_meth_set_write(m, channel_write);
      BIO_meth_set_read(m, channel_read);
      BIO_meth_set_ctrl(m, channel_control);
      BIO_meth_set_create(m, channel_create);
    }
    return m;
  }();
  return method;
}

}  // namespace

boost::system::error_code flush(Channel& channel) {
  if (channel.held.empty() || send_after_held(channel, nullptr, 0) >= 0) return {};
  if (for_now(errno)) return boost::asio::error::would_block;
  return {errno, boost::system::system_category()};
}

bool attach(SSL* ssl, Channel* channel) {
  BIO_METHOD* method = channel_method();
  BIO* bio = method != nullptr ? BIO_new(method) : nullptr;
  if (bio == nullptr) return false;
  BIO_set_data(bio, channel);
  SSL_set_bio(ssl, bio, bio);  // one BIO both ways: SSL_free frees it once
  return true;
}

}  // namespace gbrt::net::tls_detail
