// The outbound HTTP(S) client a handler awaits: one per shard, on the shard's executor, with
// its own pool of keep-alive connections per origin, certificate checks, timeouts, retries.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/system/error_code.hpp>

namespace gbrt::http {

using Method = boost::beast::http::verb;

struct ClientOptions {
  // A PEM file of certificate authorities trusted besides the system's (a private CA, or
  // the test CA of the tests). Empty: only the system's (/etc/ssl/certs).
  std::string ca_file;
  // Check the server's certificate chain and that it names the URL's host. Off only for
  // a server whose identity does not matter; never for GitBook's API.
  bool verify_peer = true;
  // A whole call, retries and back-off included, unless the Request sets its own. The
  // handler's deadline cancels a call sooner: its cancellation reaches the pending I/O.
  std::chrono::milliseconds timeout{30000};
  // A response whose body is larger fails with boost::beast::http::error::body_limit.
  std::size_t max_response_bytes = 8 * 1024 * 1024;
  // Idle keep-alive connections kept per origin (scheme, host, port); more are closed.
  std::size_t max_idle_per_origin = 16;
  // An idle connection older than this is closed rather than reused.
  std::chrono::milliseconds idle_timeout{30000};
  // Attempts in all, the first included; a Request may say otherwise.
  int max_attempts = 3;
  // Back-off before the second attempt, doubled for each further one (with jitter), at most
  // max_backoff; a longer Retry-After from the server is honoured, and a retry that
  // would start past the call's deadline is not made.
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  // Sent unless the request has its own User-Agent.
  std::string user_agent = "gbrt";
};

struct Request {
  Method method = Method::get;
  std::string url;  // absolute: http://host[:port]/path?query or https://…
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::chrono::milliseconds> timeout;  // default: ClientOptions::timeout
  std::optional<int> max_attempts;                   // default: ClientOptions::max_attempts
  // Whether the call may be sent again after a failure the server may have acted on (a
  // 5xx, a connection lost after the request went out). Default: the method is idempotent
  // (GET, HEAD, PUT, DELETE, OPTIONS). A 429 or a connection that could not be opened is
  // retried whatever this says: the server did not act on the request.
  std::optional<bool> idempotent;
};

struct Reply {
  // A transport failure (then status is 0): timeout (boost::beast::error::timeout),
  // cancelled (operation_aborted), refused, TLS or certificate failure, body_limit, a URL
  // that is not http(s) (invalid_argument).
  boost::system::error_code error;
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int attempts = 0;  // requests sent or tried, retries included

  bool ok() const noexcept { return !error && status >= 200 && status < 300; }
  // The first header of that name (compared ignoring case).
  std::optional<std::string_view> header(std::string_view name) const noexcept;
};

// RFC 9110's idempotent methods: GET, HEAD, PUT, DELETE, OPTIONS, TRACE.
bool is_idempotent(Method method) noexcept;

// Not thread-safe: one per executor (Context::http() gives the shard's). Destroy it before
// its executor's io_context.
class Client {
 public:
  explicit Client(boost::asio::any_io_executor executor, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `request`, retrying as ClientOptions and Request say, and completes on this
  // client's executor. Never throws for a failure of the call (Reply::error), but a
  // cancelled coroutine throws at its next co_await, as Asio's operations do.
  boost::asio::awaitable<Reply> send(Request request);

  const ClientOptions& options() const noexcept;
  // Connections opened so far, and idle ones in the pool now (tests, metrics).
  std::uint64_t connections_opened() const noexcept;
  std::size_t idle_connections() const noexcept;
  // Closes every idle connection.
  void close_idle() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gbrt::http
