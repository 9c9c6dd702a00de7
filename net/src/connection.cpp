// The TCP (or TLS) connection around serve(): its registration in the shard's list (for the
// drain and the timeout sweep), the TLS handshake, and noticing a client that leaves while
// its event's handlers run.
#include <sys/socket.h>

#include <cerrno>
#include <optional>

#include <boost/asio/ip/tcp.hpp>

#include "serve.hpp"
#include "tls_socket.hpp"

namespace gbrt::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

static_assert(TakesAwaitOp<TlsSocket<Socket>>, "HTTPS connections await without frames");

// A TCP connection's state, shared with the callback that watches for the client leaving.
struct Connection : ConnectionEvents {
  Connection(Socket socket, std::size_t read_ahead, asio::ssl::context* tls_context,
             const CoarseClock& clock)
      : buffer(read_ahead) {
    if (tls_context != nullptr) {
      tls.emplace(std::move(socket), tls_context->native_handle());
    } else {
      plain.emplace(std::move(socket));
      boost::system::error_code ignored;
      plain->non_blocking(true, ignored);  // serve() writes answers at once (write_now)
    }
    deadline.clock = &clock;
  }
  void handling_started() override { handling = true; }
  void handling_finished() override;
  void start_watching() override;
  Socket& socket() { return tls ? tls->next_layer() : *plain; }

  // A plain socket, not beast::tcp_stream: its timeouts are the shard's sweep.
  std::optional<Socket> plain;           // HTTP
  std::optional<TlsSocket<Socket>> tls;  // HTTPS (--tls-cert)
  beast::flat_buffer buffer;
  std::weak_ptr<Connection> self;
  bool handling = false;  // an event's handlers run
  bool watching = false;  // a wait for readability is pending
  Connection* prev = nullptr;
  Connection* next = nullptr;
};

namespace {

using Peer = TlsSocket<Socket>::Peer;

// What a readable socket means: the next pipelined request (sending), the client leaving
// (closed), or, over TLS, bytes that are neither yet (quiet: a partial record, a key update).
// Plain HTTP: a peek finds EOF or data. TLS: a polite client's close_notify comes before its
// FIN, so only OpenSSL can tell a close from a request.
Peer peer_of(Connection& connection) {
  if (connection.tls) return connection.tls->peek_peer();
  char byte;
  const ssize_t n = ::recv(connection.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return Peer::sending;
  if (n < 0 && for_now(errno)) return Peer::quiet;
  return Peer::closed;
}

// While handlers run, a readable socket means either the next pipelined request or the
// client leaving: only the second cancels the handlers.
void watch_for_departure(const std::shared_ptr<Connection>& connection) {
  connection->watching = true;
  connection->socket().async_wait(tcp::socket::wait_read,
                                  [connection](boost::system::error_code ec) {
                                    connection->watching = false;
                                    if (ec || !connection->handling) return;
                                    switch (peer_of(*connection)) {
                                      case Peer::closed:
                                        connection->gone.emit(asio::cancellation_type::terminal);
                                        break;
                                      case Peer::quiet:
                                        watch_for_departure(connection);
                                        break;
                                      case Peer::sending:
                                        break;
                                    }
                                  });
}

// The shard's list of connections, for the drain.
struct Registration {
  Registration(Server::State& state, std::size_t shard, Connection* c)
      : list(*state.connections[shard]), head(list.head), open(state.open), connection(c) {
    c->next = head;
    if (head != nullptr) head->prev = c;
    head = c;
    open.fetch_add(1);
  }
  ~Registration() {
    if (connection->prev != nullptr) connection->prev->next = connection->next;
    if (connection->next != nullptr) connection->next->prev = connection->prev;
    if (head == connection) head = connection->next;
    open.fetch_sub(1);
    // The server stopped and this was the shard's last connection: no sweep needed.
    if (list.server_stopped && head == nullptr) list.timer.cancel();
  }
  ShardConnections& list;
  Connection*& head;
  std::atomic<std::size_t>& open;
  Connection* connection;
};

}  // namespace

void close_idle_connections(ShardConnections& connections) {
  for (Connection* c = connections.head; c != nullptr; c = c->next) {
    if (c->idle) {
      boost::system::error_code ignored;
      c->socket().close(ignored);
    }
  }
}

void sweep_connections(const std::shared_ptr<ShardConnections>& connections) {
  const SweepClock::time_point now = connections->clock.now = SweepClock::now();
  for (Connection* c = connections->head; c != nullptr; c = c->next) {
    if (c->deadline.at <= now) {
      c->deadline.expired = true;
      c->deadline.expires_never();
      boost::system::error_code ignored;
      c->socket().close(ignored);  // its pending operation ends with operation_aborted
    }
  }
  if (connections->server_stopped && connections->head == nullptr) return;  // the shard may end
  connections->timer.expires_at(now + kSweepTick);
  connections->timer.async_wait([connections](boost::system::error_code ec) {
    if (!ec) sweep_connections(connections);
  });
}

void Connection::start_watching() {
  if (handling && !watching) {
    if (auto shared = self.lock()) watch_for_departure(shared);
  }
}

void Connection::handling_finished() {
  handling = false;
  if (watching) {
    boost::system::error_code ignored;
    socket().cancel(ignored);
  }
}

runtime::ShardAwaitable<void> run_session(std::shared_ptr<Server::State> state, Socket socket,
                                          runtime::Shard& shard) {
  auto connection = std::make_shared<Connection>(std::move(socket), state->options.read_ahead,
                                                 state->tls ? &*state->tls : nullptr,
                                                 state->connections[shard.index()]->clock);
  connection->self = connection;
  Registration registration(*state, shard.index(), connection.get());
  if (!connection->tls) {
    co_await serve(*state, shard, *connection->plain, connection->buffer, *connection);
    co_return;
  }
  // The handshake gets the header timeout: a client that stalls in it is a slow loris too.
  auto& tls = *connection->tls;
  connection->deadline.expires_after(state->options.header_timeout);
  connection->idle = true;
  auto [handshake_ec] = co_await tls.async_handshake(await_op<decltype(tls)>);
  connection->idle = false;
  if (handshake_ec) co_return;
  co_await serve(*state, shard, tls, connection->buffer, *connection);
}

}  // namespace gbrt::net
