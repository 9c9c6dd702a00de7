// gbrt-loadgen's connection kinds: plain TCP or TLS (Asio's ssl::stream), opened once per
// connection or once per request; with TLS, the last session kept to resume the next one.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

namespace gbrt::loadgen {

struct TlsOptions {
  bool enabled = false;
  std::string ca_file;      // trust these CAs; empty: the system's
  bool insecure = false;    // no certificate check (the bench's self-signed certificate)
  bool resume = false;      // offer the last connection's session (ticket) on the next one
  std::string server_name;  // SNI and the name the certificate must carry
};

// The client side's TLS settings, shared by every connection of a run. Throws with a
// message when the CA file cannot be used.
boost::asio::ssl::context make_tls_context(const TlsOptions& options);

// One client connection. An AsyncStream (async_read_some/async_write_some), so
// asio::async_write and Beast's http::async_read run on it whatever its kind.
class ClientStream {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;

  // `tls` null: plain TCP; else both outlive the stream.
  ClientStream(boost::asio::io_context& io, boost::asio::ssl::context* tls,
               const TlsOptions* options);
  ~ClientStream();
  ClientStream(const ClientStream&) = delete;
  ClientStream& operator=(const ClientStream&) = delete;

  executor_type get_executor() { return socket().get_executor(); }
  boost::asio::ip::tcp::socket& socket() { return tls_ ? tls_->next_layer() : plain_; }
  bool is_open() { return socket().is_open(); }
  bool is_tls() const { return tls_context_ != nullptr; }

  // Connects (no Nagle) and, with TLS, shakes hands, offering the kept session when
  // resuming. The error names the step that failed.
  boost::asio::awaitable<boost::system::error_code> open(
      const boost::asio::ip::tcp::endpoint& endpoint);
  // Whether the last handshake resumed a session (an abbreviated handshake).
  bool resumed() const { return resumed_; }
  // Closes without a close_notify (as a browser may); an exchange that ended cleanly
  // (`clean`) keeps its TLS session for the next open().
  void close(bool clean);

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    if (tls_) return tls_->async_read_some(buffers, std::forward<Token>(token));
    return plain_.async_read_some(buffers, std::forward<Token>(token));
  }
  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    if (tls_) return tls_->async_write_some(buffers, std::forward<Token>(token));
    return plain_.async_write_some(buffers, std::forward<Token>(token));
  }

 private:
  struct SessionFree {
    void operator()(SSL_SESSION* session) const;
  };

  boost::asio::io_context& io_;
  boost::asio::ssl::context* tls_context_;
  const TlsOptions* options_;
  boost::asio::ip::tcp::socket plain_;
  // A fresh stream per TLS connection: an SSL object shakes hands once.
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> tls_;
  std::unique_ptr<SSL_SESSION, SessionFree> session_;
  bool handshake_done_ = false;
  bool resumed_ = false;
};

}  // namespace gbrt::loadgen
