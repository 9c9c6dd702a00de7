// One PostgreSQL connection on one executor (a shard), over libpq's non-blocking API:
// connecting, sending and reading wait in the executor's reactor, statements are pipelined
// (many in flight, answered in order), and a lost connection is made again with back-off.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <gbrt/pg/error.hpp>
#include <gbrt/pg/rows.hpp>

namespace gbrt::pg {

using Deadline = std::chrono::steady_clock::time_point;
inline constexpr Deadline kNoDeadline = Deadline::max();

// A statement parameter, sent as text; NULL when made from nullptr or an empty optional.
// One made from a string_view or const char* borrows it: it must outlive the query.
// An integer that is a number: not bool, not char (a Param of its own kinds).
template <class T>
concept IntegerNumber =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>;

class Param {
 public:
  Param(std::nullptr_t) noexcept : null_(true) {}
  Param(std::string_view text) noexcept : view_(text) {}
  Param(const char* text) noexcept : view_(text) {}
  Param(std::string text) noexcept : owned_(std::move(text)), owns_(true) {}
  Param(bool value) noexcept : view_(value ? "t" : "f") {}
  template <IntegerNumber Int>
  Param(Int value) : owned_(std::to_string(value)), owns_(true) {}
  Param(double value);
  template <class T>
  Param(const std::optional<T>& value) : Param(value ? Param(*value) : Param(nullptr)) {}

  // Bytes in PostgreSQL's binary format for the parameter's type (an array built with
  // BinaryArray, say): sent as they are, with no text escaping on either side.
  static Param binary(std::string bytes) {
    Param param(std::move(bytes));
    param.binary_ = true;
    return param;
  }

  bool is_null() const noexcept { return null_; }
  bool is_binary() const noexcept { return binary_; }
  std::string_view text() const noexcept { return owns_ ? std::string_view(owned_) : view_; }

 private:
  std::string owned_;
  std::string_view view_;
  bool owns_ = false;
  bool null_ = false;
  bool binary_ = false;
};

// A prepared statement: prepared on a connection the first time it is used there (and
// again after a reconnect). `name` must be unique per connection.
struct Statement {
  std::string name;
  std::string sql;
};

struct ConnectionOptions {
  // A connection attempt taking longer than this fails (and is retried after back-off).
  std::chrono::milliseconds connect_timeout{5000};
  // Wait after a failed or lost connection before the next attempt; doubled each failure.
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
};

class Connection {
 public:
  // `url`: a libpq connection URI or key=value string (sslmode=require and friends for TLS).
  // `blocking`: where the blocking PQcancel runs (a small thread pool), never a shard.
  Connection(boost::asio::any_io_executor executor, boost::asio::any_io_executor blocking,
             std::string url, ConnectionOptions options = {});
  ~Connection();  // close()
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts connecting (and reconnecting whenever the connection is lost). Any thread.
  void start();
  // Closes the connection: queries in flight fail with 08006. On the executor's thread, or
  // when it no longer runs.
  void close();
  bool connected() const noexcept;
  std::size_t in_flight() const noexcept;  // statements sent and not yet answered
  const boost::asio::any_io_executor& executor() const noexcept;

  // Runs `sql` with `params` ($1, $2, …) and completes on the executor with its rows or an
  // error. Not connected: 08006 at once. Past `deadline`, or when the awaiting coroutine is
  // cancelled (a handler's deadline), it completes with 57014 and the statement is
  // cancelled on the server; the statements behind it on the connection go on.
  boost::asio::awaitable<Result<Rows>> query(std::string_view sql, std::vector<Param> params = {},
                                             Deadline deadline = kNoDeadline);
  boost::asio::awaitable<Result<Rows>> execute(const Statement& statement,
                                               std::vector<Param> params = {},
                                               Deadline deadline = kNoDeadline);

  // Runs one `COPY … FROM STDIN` (`copy_sql`, a simple query) and feeds it `data`, already
  // in that COPY's format; completes with the rows copied or the server's error. libpq
  // allows no COPY in pipeline mode: it runs only when nothing is in flight on the
  // connection (else 55000 at once), and statements sent while it runs wait for its end.
  // Outside a transaction block the COPY commits on its own: success means committed.
  // Past `deadline`, or when the awaiting coroutine is cancelled, it completes with 57014,
  // the COPY is cancelled on the server and the connection is made again (the protocol
  // cannot be resumed half-way): the outcome is unknown. A lost connection: 08006.
  boost::asio::awaitable<Result<std::uint64_t>> copy_in(std::string_view copy_sql, std::string data,
                                                        Deadline deadline = kNoDeadline);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace gbrt::pg
