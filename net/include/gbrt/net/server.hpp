// gbrt's HTTP/1.1 server (Boost.Beast): accepts connections, spreads them over the
// runtime's shards, and answers GitBook's two wire formats, NDJSON batches (/v1/batch),
// /healthz, /readyz and /metrics.
// Construct it before the runtime starts serving (it registers its metrics).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gbrt/net/recorder.hpp>
#include <gbrt/runtime/runtime.hpp>

namespace gbrt::net {

struct ServerOptions {
  std::string host = "127.0.0.1";   // IP address or host name (its first IPv4 address)
  std::uint16_t port = 8080;        // 0: an ephemeral port (see Server::port())
  std::size_t max_body = 1u << 20;  // bytes; a larger body is answered 413
  // Bytes that bodies still being received may add to their buffers, all connections
  // together (buffers grow with the bytes that arrive, never on a declared length). A body
  // that would go past it is answered 503 with Retry-After, and its connection closes.
  std::size_t max_body_memory = 256u << 20;
  std::size_t max_batch_events = 10000;  // events in one /v1/batch body; more is 413
  // Webhook signing secrets (any may sign). Empty: signatures are not checked.
  std::vector<std::string> secrets;
  std::chrono::seconds signature_tolerance{300};  // replay window around `t`
  std::chrono::seconds idle_timeout{60};          // keep-alive connection waiting for a request
  std::chrono::seconds header_timeout{10};        // from a request's first byte to its last header
  std::chrono::seconds body_timeout{30};          // to receive the body once the header is in
  std::chrono::seconds write_timeout{30};         // time to send one answer
  std::size_t max_connections = 10000;            // open at once; past it: 503, then close
  // With secrets: multipart/form-data (GitBook's integration dispatcher, which does not sign)
  // is accepted unsigned too. Off by default: every request must then be signed. Turn it on
  // only where nothing but the dispatcher can reach the port (docs/security.md).
  bool unsigned_dispatcher = false;
  // HTTPS: a PEM certificate chain and its private key. Empty: plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  // --record: every accepted event (a 2xx, not a duplicate) appended to a file (path empty:
  // off). While it cannot be written: /readyz 503, and with `record.required` events 503.
  RecorderOptions record;
  // Request bytes a connection reads ahead of the request being handled (pipelining); a
  // client that sends faster waits for TCP back-pressure, it is never buffered further.
  std::size_t read_ahead = 64 * 1024;
  // One info line per request through gbrt::log (method, path, status, bytes, duration,
  // event id and type when known). Off: nothing is measured or copied.
  bool access_log = false;
};

class Server {
 public:
  Server(runtime::Runtime& runtime, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting on the runtime's first shard. Throws if it cannot bind.
  void start();
  // The bound port (useful with port 0).
  std::uint16_t port() const noexcept;
  // Stops accepting and closes idle keep-alive connections; a connection busy with a
  // request answers it (with Connection: close) and then closes. /readyz answers 503.
  void stop();
  std::size_t open_connections() const noexcept;
  // Replaces the signing secrets while serving (rotation): each shard switches between two
  // requests; no connection is dropped.
  void set_secrets(std::vector<std::string> secrets);
  // Writes what --record still buffers and closes the file; call once the runtime has
  // stopped. False if the record misses accepted events (they are logged and counted).
  bool close_recording();
  // Connections between reading a request and writing its answer.
  std::size_t busy_connections() const noexcept;
  // Bytes that bodies still being received hold now (bounded by max_body_memory).
  std::size_t receiving_body_bytes() const noexcept;

  struct State;  // shared with the connections

 private:
  std::shared_ptr<State> state_;
};

}  // namespace gbrt::net
