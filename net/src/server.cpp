#include <gbrt/net/server.hpp>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "await_op.hpp"
#include "server_state.hpp"

namespace gbrt::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Past --max-connections: a short 503 (so clients and balancers know to back off), close.
runtime::ShardAwaitable<void> refuse(Socket socket) {
  static constexpr std::string_view kBody = R"({"error":"Too many connections, retry later"})";
  static const std::string kAnswer =
      "HTTP/1.1 503 Service Unavailable\r\nServer: gbrt\r\nContent-Type: application/json\r\n"
      "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
      std::to_string(kBody.size()) + "\r\n\r\n" + std::string(kBody);
  co_await asio::async_write(socket, asio::buffer(kAnswer), kAwaitOp);
  boost::system::error_code ignored;
  socket.shutdown(Socket::shutdown_send, ignored);
  socket.close(ignored);
}

runtime::ShardAwaitable<void> accept_loop(std::shared_ptr<Server::State> state) {
  std::size_t next = 0;
  for (;;) {
    runtime::Shard& shard = state->runtime.shard(next++ % state->runtime.shard_count());
    auto [ec, socket] = co_await state->acceptor.async_accept(shard.executor(), kAwaitOp);
    if (ec == asio::error::operation_aborted || !state->acceptor.is_open()) co_return;
    if (ec) {
      // Out of descriptors or a connection reset while queued: wait a little, go on.
      runtime::ShardTimer pause(state->acceptor.get_executor(), std::chrono::milliseconds(10));
      co_await pause.async_wait(kAwaitOp);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (state->open.load() >= state->options.max_connections) {
      asio::co_spawn(shard.executor(), refuse(std::move(socket)), asio::detached);
      continue;
    }
    asio::co_spawn(shard.executor(), run_session(state, std::move(socket), shard), asio::detached);
  }
}

// A host name ("localhost") listens on its first IPv4 address (IPv6 when it has none),
// like the default 127.0.0.1; an IP literal stays itself.
tcp::endpoint resolve(const asio::any_io_executor& executor, const std::string& host,
                      std::uint16_t port, const std::string& address) {
  tcp::resolver resolver(executor);
  boost::system::error_code ec;
  auto resolved = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || resolved.empty()) {
    throw std::runtime_error("cannot resolve " + host + " (of " + address + "): " + ec.message() +
                             "; listen on HOST:PORT, e.g. 127.0.0.1:8080");
  }
  for (const auto& entry : resolved) {
    if (entry.endpoint().address().is_v4()) return entry.endpoint();
  }
  return resolved.begin()->endpoint();
}

}  // namespace

asio::ssl::context make_tls_context(const ServerOptions& options) {
  asio::ssl::context context(asio::ssl::context::tls_server);
  context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  try {
    context.use_certificate_chain_file(options.tls_cert_file);
    context.use_private_key_file(
        options.tls_key_file.empty() ? options.tls_cert_file : options.tls_key_file,
        asio::ssl::context::pem);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot use the TLS certificate or key: " + std::string(e.what()));
  }
  return context;
}

Server::Server(runtime::Runtime& runtime, ServerOptions options)
    : state_(std::make_shared<State>(runtime, std::move(options))) {
  runtime.metrics().gauge("gbrt_open_connections", "HTTP connections open now.",
                          [state = state_.get()] { return double(state->open.load()); });
  runtime.metrics().gauge(
      "gbrt_receiving_body_bytes",
      "Bytes that request bodies still being received hold (bounded by --max-body-memory).",
      [state = state_.get()] { return double(state->body_memory.held.load()); });
}

Server::~Server() {
  stop();
}

void Server::start() {
  const ServerOptions& o = state_->options;
  const std::string address =
      (o.host.find(':') == std::string::npos ? o.host : '[' + o.host + ']') + ':' +
      std::to_string(o.port);
  Acceptor& acceptor = state_->acceptor;
  const tcp::endpoint endpoint = resolve(acceptor.get_executor(), o.host, o.port, address);
  boost::system::error_code ec;
  // The system's reason, without Boost's source location.
  auto fail = [&](const char* step) {
    if (!ec) return;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    throw std::runtime_error("cannot " + std::string(step) + " " + address + ": " + ec.message() +
                             (ec == asio::error::address_in_use
                                  ? " (another process listens there: stop it or pick another port)"
                                  : ""));
  };
  acceptor.open(endpoint.protocol(), ec);
  fail("open a socket for");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  fail("set SO_REUSEADDR on");
  acceptor.bind(endpoint, ec);
  fail("listen on");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  fail("listen on");
  state_->port = acceptor.local_endpoint().port();
  for (std::size_t i = 0; i < state_->runtime.shard_count(); ++i) {
    asio::post(state_->runtime.shard(i).executor(),
               [connections = state_->connections[i]] { sweep_connections(connections); });
  }
  asio::co_spawn(acceptor.get_executor(), accept_loop(state_), asio::detached);
}

std::uint16_t Server::port() const noexcept {
  return state_->port.load();
}

std::size_t Server::open_connections() const noexcept {
  return state_->open.load();
}
void Server::set_secrets(std::vector<std::string> secrets) {
  auto verifier = std::make_shared<const SignatureVerifier>(std::move(secrets),
                                                            state_->options.signature_tolerance);
  for (std::size_t i = 0; i < state_->runtime.shard_count(); ++i) {
    asio::post(state_->runtime.shard(i).executor(),
               [state = state_, i, verifier] { state->verifiers[i] = verifier; });
  }
}

bool Server::close_recording() {
  return !state_->recorder || state_->recorder->close();
}

std::size_t Server::busy_connections() const noexcept {
  std::size_t busy = 0;
  for (const auto& shard : state_->connections) busy += shard->busy.load();
  return busy;
}

std::size_t Server::receiving_body_bytes() const noexcept {
  return state_->body_memory.held.load();
}

void Server::stop() {
  if (state_->stopping.exchange(true)) return;
  asio::post(state_->acceptor.get_executor(), [state = state_] {
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
  });
  for (std::size_t i = 0; i < state_->runtime.shard_count(); ++i) {
    asio::post(state_->runtime.shard(i).executor(), [connections = state_->connections[i]] {
      connections->server_stopped = true;
      close_idle_connections(*connections);
      // No connection left to time out: the sweep's timer must not keep the shard up.
      if (connections->head == nullptr) connections->timer.cancel();
    });
  }
}

}  // namespace gbrt::net
