#include "tls_socket.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>

#include <boost/asio/ssl/error.hpp>

namespace gbrt::net::tls_detail {

boost::system::error_code error(SSL* ssl, int result, int saved_errno) {
  switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_ZERO_RETURN:
      return boost::asio::error::eof;
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() == 0) {
        if (saved_errno == 0) return boost::asio::ssl::error::stream_truncated;
        return {saved_errno, boost::system::system_category()};
      }
      [[fallthrough]];
    default: {
      const unsigned long e = ERR_get_error();
      if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        return boost::asio::ssl::error::stream_truncated;
      }
      return {static_cast<int>(e), boost::asio::error::get_ssl_category()};
    }
  }
}

void clear_errors() {
  ERR_clear_error();
}

namespace {

int descriptor(BIO* bio) {
  return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(bio)));
}

bool retryable(int error) {
  return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

int socket_write(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::send(descriptor(bio), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  if (n < 0 && retryable(errno)) BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

int socket_read(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::recv(descriptor(bio), data, static_cast<std::size_t>(size), 0);
  if (n < 0 && retryable(errno)) BIO_set_retry_read(bio);
  return static_cast<int>(n);
}

// Only a flush needs an answer (nothing is buffered here); no other control applies.
long socket_control(BIO*, int command, long, void*) {
  return command == BIO_CTRL_FLUSH ? 1 : 0;
}

int socket_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* socket_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "gbrt socket");
    if (m != nullptr) {
      BIO_meth_set_write(m, socket_write);
      BIO_meth_set_read(m, socket_read);
      BIO_meth_set_ctrl(m, socket_control);
      BIO_meth_set_create(m, socket_create);
    }
    return m;
  }();
  return method;
}

}  // namespace

bool attach(SSL* ssl, int fd) {
  BIO_METHOD* method = socket_method();
  BIO* bio = method != nullptr ? BIO_new(method) : nullptr;
  if (bio == nullptr) return false;
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
  SSL_set_bio(ssl, bio, bio);  // one BIO both ways: SSL_free frees it once
  return true;
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

}  // namespace gbrt::net::tls_detail
