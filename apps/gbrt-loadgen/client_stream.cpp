#include "client_stream.hpp"

#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gbrt::loadgen {

namespace asio = boost::asio;
using asio::ip::tcp;

asio::ssl::context make_tls_context(const TlsOptions& options) {
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1);
  if (options.insecure) {
    context.set_verify_mode(asio::ssl::verify_none);
    return context;
  }
  boost::system::error_code ec;
  if (options.ca_file.empty()) {
    context.set_default_verify_paths(ec);
  } else {
    context.load_verify_file(options.ca_file, ec);
  }
  if (ec) {
    throw std::runtime_error("cannot use the CA file " + options.ca_file + ": " + ec.message());
  }
  context.set_verify_mode(asio::ssl::verify_peer);
  context.set_verify_callback(asio::ssl::host_name_verification(options.server_name));
  return context;
}

void ClientStream::SessionFree::operator()(SSL_SESSION* session) const {
  SSL_SESSION_free(session);
}

ClientStream::ClientStream(asio::io_context& io, asio::ssl::context* tls, const TlsOptions* options)
    : io_(io), tls_context_(tls), options_(options), plain_(io) {}

ClientStream::~ClientStream() = default;

asio::awaitable<boost::system::error_code> ClientStream::open(const tcp::endpoint& endpoint) {
  constexpr auto token = asio::as_tuple(asio::use_awaitable);
  handshake_done_ = resumed_ = false;
  if (tls_context_ != nullptr) tls_.emplace(io_, *tls_context_);
  tcp::socket& tcp_socket = socket();
  auto [connect_ec] = co_await tcp_socket.async_connect(endpoint, token);
  if (connect_ec) co_return connect_ec;
  boost::system::error_code ignored;
  tcp_socket.set_option(tcp::no_delay(true), ignored);
  if (!tls_) co_return boost::system::error_code{};

  SSL* ssl = tls_->native_handle();
  SSL_set_tlsext_host_name(ssl, options_->server_name.c_str());
  if (options_->resume && session_) SSL_set_session(ssl, session_.get());
  auto [handshake_ec] = co_await tls_->async_handshake(asio::ssl::stream_base::client, token);
  if (handshake_ec) co_return handshake_ec;
  handshake_done_ = true;
  resumed_ = SSL_session_reused(ssl) == 1;
  co_return boost::system::error_code{};
}

void ClientStream::close(bool clean) {
  boost::system::error_code ignored;
  if (tls_ && handshake_done_ && clean && options_->resume) {
    SSL* ssl = tls_->native_handle();
    // Freed without a close_notify sent, OpenSSL would mark the session not resumable.
    SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    // TLS 1.3 tickets arrive after the handshake: the session now holds the newest one.
    session_.reset(SSL_get1_session(ssl));
  }
  socket().close(ignored);
  handshake_done_ = false;
}

}  // namespace gbrt::loadgen
