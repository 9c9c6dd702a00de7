// A libpq connection in pipeline mode on an Asio executor. Three coroutines share the
// state, all on the executor: maintain() (connect, read, reconnect with back-off),
// flush_out() (while libpq has unsent bytes), and each query() awaiting its answer.
// Every statement is followed by a sync, so each is its own implicit transaction and one
// failing never aborts the next; answers come back in the order sent (pending_).
// copy_in() leaves pipeline mode for one COPY (libpq allows none in it): it is the only
// entry in pending while it runs, read_answers() and flush_out() wake it instead of
// answering, and statements submitted meanwhile wait for it (within their deadline).
#include <gbrt/pg/connection.hpp>

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <unordered_set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gbrt/runtime/log.hpp>

namespace gbrt::pg {

namespace asio = boost::asio;
using Wait = asio::posix::descriptor_base::wait_type;

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
// A cancel request can arrive between two statements and be ignored. One sent before its
// statement had been the one running this long may have: sent again this long after the
// last one was delivered, while the cancelled statement is still the one running.
constexpr std::chrono::milliseconds kCancelRepeat{250};

// What PQcancel needs to cancel what `conn` runs (null without a connection): usable from any
// thread, independent of the connection.
PGcancel* cancel_request(PGconn* conn) {
  return conn != nullptr ? PQgetCancel(conn) : nullptr;
}

// Connects to the server, sends the request and frees it: blocks (the blocking pool runs it).
// False when the request could not be sent.
bool send_cancel(PGcancel* cancel) {
  char error[256];
  const bool sent = PQcancel(cancel, error, sizeof error) == 1;
  PQfreeCancel(cancel);
  return sent;
}

// libpq's messages end with a line break; ours are one line.
std::string one_line(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

Error error_of(const PGresult* result) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  return Error{state != nullptr ? state : "XX000",
               one_line(primary != nullptr ? primary : PQresultErrorMessage(result))};
}

// Notices ("already exists, skipping") are not errors; libpq would print them on stderr.
void ignore_notice(void*, const char*) {}

bool failed(const PGresult* result) {
  const auto status = PQresultStatus(result);
  return status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK && status != PGRES_EMPTY_QUERY;
}

}  // namespace

Param::Param(double value) : owns_(true) {
  char text[32];
  owned_.assign(text, std::size_t(std::snprintf(text, sizeof text, "%.17g", value)));
}

// One statement sent and not yet answered.
struct Pending {
  explicit Pending(const asio::any_io_executor& executor) : wake(executor) {}
  asio::steady_timer wake;  // cancelled when the answer is in
  std::unique_ptr<PGresult, decltype(&PQclear)> result{nullptr, &PQclear};
  std::optional<Result<Rows>> outcome;
  bool done = false;
  bool abandoned = false;      // nobody awaits the answer any more
  bool cancel_wanted = false;  // cancel it on the server once it runs
  // Since when it is the statement the server runs (the first pending one).
  std::chrono::steady_clock::time_point front_since;
};

struct Connection::State : std::enable_shared_from_this<State> {
  State(asio::any_io_executor executor, asio::any_io_executor blocking, std::string url,
        ConnectionOptions options)
      : executor(executor),
        blocking(std::move(blocking)),
        url(std::move(url)),
        options(options),
        socket(executor),
        backoff(executor) {}
  ~State() { drop_connection(); }

  asio::awaitable<void> maintain();
  asio::awaitable<std::optional<std::string>> connect();
  asio::awaitable<void> read_answers(std::uint64_t generation);
  asio::awaitable<void> flush_out(std::uint64_t generation);
  asio::awaitable<void> cancel_running(std::shared_ptr<Pending> pending);
  void request_cancel();
  asio::awaitable<bool> deliver_cancel();
  asio::awaitable<Result<Rows>> submit(const Statement* statement, std::string_view sql,
                                       std::vector<Param> params, Deadline deadline);
  asio::awaitable<Result<std::uint64_t>> copy(std::string sql, std::string data, Deadline deadline);
  asio::awaitable<Result<std::uint64_t>> run_copy(std::shared_ptr<Pending> p,
                                                  const std::string& sql, const std::string& data,
                                                  Deadline deadline);
  asio::awaitable<bool> copy_wait(std::shared_ptr<Pending> p, Deadline deadline, bool output);
  asio::awaitable<Result<std::uint64_t>> copy_results(std::shared_ptr<Pending> p, Deadline deadline,
                                                      std::optional<Error> first);
  Error abandon_copy(const Pending& p, Deadline deadline);
  void wake_copy();
  std::shared_ptr<Pending> push(bool internal);
  void flush();
  bool read_input();
  void take_answers();
  void finish_front();
  void lost(const std::string& reason);
  void drop_connection() noexcept;
  void watch(std::uint64_t generation, Wait wait);

  asio::any_io_executor executor, blocking;
  std::string url;
  ConnectionOptions options;
  asio::posix::stream_descriptor socket;
  asio::steady_timer backoff;
  // Statements waiting for a COPY to end, each on a timer at its deadline: cancelled early
  // when the COPY ends.
  std::vector<asio::steady_timer*> behind_copy;
  PGconn* conn = nullptr;
  std::uint64_t generation = 0;  // a new one for every connection made
  bool ready = false, closed = false, started = false, flushing = false, logged_down = false;
  bool copying = false;  // a COPY runs, out of pipeline mode
  std::atomic<bool> is_connected{false};
  std::atomic<std::size_t> in_flight{0};
  std::deque<std::shared_ptr<Pending>> pending;
  std::unordered_set<std::string> prepared;  // on this connection
};

// The socket belongs to libpq: Asio only waits on it and must never close it.
void Connection::State::drop_connection() noexcept {
  if (socket.is_open()) {
    boost::system::error_code ignored;
    socket.cancel(ignored);
    socket.release();
  }
  if (conn != nullptr) PQfinish(conn);
  conn = nullptr;
  ready = false;
  flushing = false;
  is_connected = false;
}

void Connection::State::lost(const std::string& reason) {
  if (ready && !closed) gbrt::log::warn("PostgreSQL connection lost", {{"error", reason}});
  ++generation;
  drop_connection();
  prepared.clear();
  if (copying) {
    copying = false;
    for (asio::steady_timer* waiting : behind_copy) waiting->cancel();
  }
  auto failed_ones = std::move(pending);
  pending.clear();
  in_flight = 0;
  for (auto& p : failed_ones) {
    if (p->abandoned) continue;
    p->outcome.emplace(Error{std::string(sqlstate::kConnectionFailure),
                             "connection to PostgreSQL lost: " + reason});
    p->done = true;
    p->wake.cancel();
  }
}

asio::awaitable<void> Connection::State::maintain() {
  auto self = shared_from_this();
  auto wait = options.min_backoff;
  while (!closed) {
    std::optional<std::string> failure = co_await connect();
    if (closed) break;
    if (!failure) {
      if (logged_down) gbrt::log::info("PostgreSQL connection made again");
      logged_down = false;
      wait = options.min_backoff;
      co_await read_answers(generation);
      if (closed) break;
    } else {
      if (!logged_down) {
        gbrt::log::warn("cannot connect to PostgreSQL; retrying with back-off",
                        {{"error", *failure}});
      }
      logged_down = true;
    }
    backoff.expires_after(wait);
    co_await backoff.async_wait(kAwait);
    wait = std::min(wait * 2, options.max_backoff);
  }
}

// PQconnectPoll may replace the socket (another address, SSL then not): it is waited on
// afresh at every step, and a timer cancels the wait at connect_timeout.
asio::awaitable<std::optional<std::string>> Connection::State::connect() {
  ++generation;
  conn = PQconnectStart(url.c_str());
  if (conn == nullptr) co_return "out of memory";
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  if (PQstatus(conn) == CONNECTION_BAD || PQsetnonblocking(conn, 1) != 0) {
    std::string reason = one_line(PQerrorMessage(conn));
    drop_connection();
    co_return reason;
  }
  asio::steady_timer limit(executor, options.connect_timeout);
  bool timed_out = false;
  limit.async_wait([this, &timed_out](boost::system::error_code ec) {
    if (ec) return;
    timed_out = true;
    boost::system::error_code ignored;
    socket.cancel(ignored);
  });
  PostgresPollingStatusType poll = PGRES_POLLING_WRITING;
  while (poll != PGRES_POLLING_OK) {
    if (poll == PGRES_POLLING_FAILED || closed || timed_out) break;
    if (socket.is_open()) socket.release();
    boost::system::error_code assigned;
    socket.assign(PQsocket(conn), assigned);
    if (assigned) break;
    auto [ec] = co_await socket.async_wait(
        poll == PGRES_POLLING_READING ? Wait::wait_read : Wait::wait_write, kAwait);
    if (ec || closed || timed_out) break;
    poll = PQconnectPoll(conn);
  }
  limit.cancel();
  if (poll == PGRES_POLLING_OK && !closed && PQenterPipelineMode(conn) == 1) {
    ready = true;
    is_connected = true;
    co_return std::nullopt;
  }
  std::string reason = closed      ? "closed"
                       : timed_out ? "no connection within " +
                                         std::to_string(options.connect_timeout.count()) + " ms"
                                   : one_line(PQerrorMessage(conn));
  drop_connection();
  co_return reason;
}

asio::awaitable<void> Connection::State::read_answers(std::uint64_t current) {
  while (current == generation) {
    auto [ec] = co_await socket.async_wait(Wait::wait_read, kAwait);
    if (current != generation) co_return;
    if (ec) {
      lost(ec.message());
      co_return;
    }
    if (!read_input()) co_return;
  }
}

// Reads what the server sent and takes the answers in it; false, the connection lost, when
// the read failed.
bool Connection::State::read_input() {
  if (PQconsumeInput(conn) == 0 || PQstatus(conn) == CONNECTION_BAD) {
    lost(one_line(PQerrorMessage(conn)));
    return false;
  }
  take_answers();
  return true;
}

// In pipeline mode a statement's answer is its result(s), a null, then the sync's result;
// a second null in a row means nothing more has arrived.
void Connection::State::take_answers() {
  if (copying) {  // the COPY reads its own results
    wake_copy();
    return;
  }
  int nulls = 0;
  while (!pending.empty() && conn != nullptr && PQisBusy(conn) == 0) {
    PGresult* result = PQgetResult(conn);
    if (result == nullptr) {
      if (++nulls > 1) break;
      continue;
    }
    nulls = 0;
    Pending& front = *pending.front();
    if (PQresultStatus(result) == PGRES_PIPELINE_SYNC) {
      PQclear(result);
      finish_front();
    } else if (!front.result || (failed(result) && !failed(front.result.get()))) {
      front.result.reset(result);  // the statement's rows, or its error
    } else {
      PQclear(result);
    }
  }
}

void Connection::State::finish_front() {
  std::shared_ptr<Pending> p = std::move(pending.front());
  pending.pop_front();
  --in_flight;
  if (!p->abandoned) {
    if (!p->result) {
      p->outcome.emplace(Error{"XX000", "PostgreSQL sent no result"});
    } else if (failed(p->result.get())) {
      p->outcome.emplace(error_of(p->result.get()));
    } else {
      p->outcome.emplace(Rows(p->result.release()));
    }
    p->done = true;
    p->wake.cancel();
  }
  if (pending.empty()) return;
  pending.front()->front_since = std::chrono::steady_clock::now();
  if (pending.front()->cancel_wanted) {
    asio::co_spawn(executor, cancel_running(pending.front()), asio::detached);
  }
}

// Asks the server to cancel what runs on this connection, without waiting.
void Connection::State::request_cancel() {
  if (PGcancel* cancel = cancel_request(conn)) {
    asio::post(blocking, [cancel] { send_cancel(cancel); });
  }
}

// The same, resumed once PQcancel returned: true when the server has the request.
asio::awaitable<bool> Connection::State::deliver_cancel() {
  PGcancel* cancel = cancel_request(conn);
  if (cancel == nullptr) co_return false;
  auto [error, sent] = co_await asio::co_spawn(
      blocking, [cancel]() -> asio::awaitable<bool> { co_return send_cancel(cancel); }, kAwait);
  co_return !error && sent;
}

// A cancel reaches whatever the server runs when it arrives, so a repeat may reach the
// statement after `target`. Only a cancel that may have come between two statements (sent
// before `target` had run kCancelRepeat) or that failed goes again; a repeat waits
// kCancelRepeat from the delivery of the one before (not from its sending, which a busy
// blocking pool can delay), and what the server has sent meanwhile is read first (an answer
// already in the socket ends it).
asio::awaitable<void> Connection::State::cancel_running(std::shared_ptr<Pending> target) {
  auto self = shared_from_this();
  const std::uint64_t current = generation;
  auto still_running = [&] {
    return current == generation && !pending.empty() && pending.front() == target;
  };
  asio::steady_timer again(executor);
  while (still_running()) {
    const bool ran_a_while =
        std::chrono::steady_clock::now() - target->front_since >= kCancelRepeat;
    if (co_await deliver_cancel() && ran_a_while) co_return;  // it lands on `target`
    if (!still_running()) break;
    again.expires_after(kCancelRepeat);
    co_await again.async_wait(kAwait);
    if (!still_running()) break;
    // A connection that failed here may never wake read_answers(): lost here, then.
    if (!read_input()) co_return;
  }
}

void Connection::State::flush() {
  if (flushing) return;
  const int rc = PQflush(conn);
  if (rc < 0) {
    lost(one_line(PQerrorMessage(conn)));
  } else if (rc == 1) {
    flushing = true;
    asio::co_spawn(executor, flush_out(generation), asio::detached);
  }
}

asio::awaitable<void> Connection::State::flush_out(std::uint64_t current) {
  auto self = shared_from_this();
  while (current == generation) {
    auto [ec] = co_await socket.async_wait(Wait::wait_write, kAwait);
    if (current != generation) co_return;
    const int rc = ec ? -1 : PQflush(conn);
    if (rc < 0) {
      lost(ec ? ec.message() : one_line(PQerrorMessage(conn)));
      co_return;
    }
    if (rc == 0) {
      flushing = false;
      if (copying) wake_copy();
      co_return;
    }
  }
}

std::shared_ptr<Pending> Connection::State::push(bool internal) {
  auto p = std::make_shared<Pending>(executor);
  p->abandoned = internal;
  if (pending.empty()) p->front_since = std::chrono::steady_clock::now();
  pending.push_back(p);
  ++in_flight;
  return p;
}

asio::awaitable<Result<Rows>> Connection::State::submit(const Statement* statement,
                                                        std::string_view sql,
                                                        std::vector<Param> params,
                                                        Deadline deadline) {
  auto self = shared_from_this();
  while (copying) {
    asio::steady_timer wait(executor, deadline);
    behind_copy.push_back(&wait);
    co_await wait.async_wait(kAwait);
    std::erase(behind_copy, &wait);
    if ((co_await asio::this_coro::cancellation_state).cancelled() !=
        asio::cancellation_type::none) {
      co_return Error{std::string(sqlstate::kQueryCanceled), "query cancelled"};
    }
    if (copying && std::chrono::steady_clock::now() >= deadline) break;
  }
  if (!ready) {
    co_return Error{std::string(sqlstate::kConnectionFailure), "not connected to PostgreSQL"};
  }
  if (std::chrono::steady_clock::now() >= deadline) {
    co_return Error{std::string(sqlstate::kQueryCanceled), "query deadline passed"};
  }
  std::vector<const char*> values(params.size());
  std::vector<int> lengths(params.size());
  std::vector<int> formats(params.size());
  std::vector<std::string> texts;  // NUL-terminated copies: libpq reads text ones as C strings
  texts.reserve(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i].is_null()) continue;
    lengths[i] = int(params[i].text().size());
    formats[i] = params[i].is_binary() ? 1 : 0;
    values[i] = params[i].is_binary() ? params[i].text().data()
                                      : texts.emplace_back(params[i].text()).c_str();
  }
  if (statement != nullptr && !prepared.contains(statement->name)) {
    if (PQsendPrepare(conn, statement->name.c_str(), statement->sql.c_str(), 0, nullptr) == 0 ||
        PQpipelineSync(conn) == 0) {
      co_return Error{"XX000", one_line(PQerrorMessage(conn))};
    }
    push(true);
    prepared.insert(statement->name);
  }
  const int n = int(params.size());
  const int sent = statement != nullptr
                       ? PQsendQueryPrepared(conn, statement->name.c_str(), n, values.data(),
                                             lengths.data(), formats.data(), 0)
                       : PQsendQueryParams(conn, std::string(sql).c_str(), n, nullptr,
                                           values.data(), lengths.data(), formats.data(), 0);
  if (sent == 0 || PQpipelineSync(conn) == 0) {
    co_return Error{"XX000", one_line(PQerrorMessage(conn))};
  }
  std::shared_ptr<Pending> p = push(false);
  flush();
  p->wake.expires_at(deadline);
  co_await p->wake.async_wait(kAwait);
  if (p->done) co_return std::move(*p->outcome);
  // The deadline passed or the awaiting coroutine was cancelled.
  p->abandoned = true;
  p->cancel_wanted = true;
  if (!pending.empty() && pending.front() == p) {
    asio::co_spawn(executor, cancel_running(p), asio::detached);
  }
  const bool expired = std::chrono::steady_clock::now() >= deadline;
  co_return Error{std::string(sqlstate::kQueryCanceled),
                  expired ? "query deadline passed" : "query cancelled"};
}

void Connection::State::wake_copy() {
  if (!pending.empty()) pending.front()->wake.cancel();
}

asio::awaitable<Result<std::uint64_t>> Connection::State::copy(std::string sql, std::string data,
                                                               Deadline deadline) {
  auto self = shared_from_this();
  if (!ready) {
    co_return Error{std::string(sqlstate::kConnectionFailure), "not connected to PostgreSQL"};
  }
  if (copying || !pending.empty()) {
    co_return Error{"55000", "COPY needs a connection with nothing in flight"};
  }
  if (PQexitPipelineMode(conn) != 1) {
    co_return Error{"55000",
                    "cannot leave pipeline mode for COPY: " + one_line(PQerrorMessage(conn))};
  }
  copying = true;
  std::shared_ptr<Pending> p = push(false);
  const std::uint64_t current = generation;
  std::optional<Result<std::uint64_t>> outcome;
  try {
    outcome.emplace(co_await run_copy(p, sql, data, deadline));
  } catch (...) {
    // Half a COPY cannot be resumed: the connection is made anew (which ends `copying`).
    if (current == generation) lost("COPY failed: an exception in gbrt");
    throw;
  }
  if (current == generation) {  // the same connection: back to pipelining
    pending.pop_front();
    --in_flight;
    copying = false;
    for (asio::steady_timer* waiting : behind_copy) waiting->cancel();
    if (PQenterPipelineMode(conn) != 1) lost("cannot re-enter pipeline mode after COPY");
  }
  co_return std::move(*outcome);
}

// Query → CopyInResponse → the data and CopyDone → the command's result, ReadyForQuery.
asio::awaitable<Result<std::uint64_t>> Connection::State::run_copy(std::shared_ptr<Pending> p,
                                                                   const std::string& sql,
                                                                   const std::string& data,
                                                                   Deadline deadline) {
  constexpr std::size_t kChunk = 64 * 1024;  // libpq's buffer grows to what it is given
  if (PQsendQuery(conn, sql.c_str()) == 0) {
    lost(one_line(PQerrorMessage(conn)));
    co_return abandon_copy(*p, deadline);
  }
  flush();
  if (!co_await copy_wait(p, deadline, false)) co_return abandon_copy(*p, deadline);
  std::optional<Error> refused;  // before any data: no such table, say
  PGresult* started = PQgetResult(conn);
  if (PQresultStatus(started) != PGRES_COPY_IN) {
    refused = started != nullptr ? error_of(started) : Error{"XX000", "PostgreSQL sent no result"};
  }
  PQclear(started);
  if (refused) co_return co_await copy_results(p, deadline, std::move(refused));
  bool ended = false;  // the server refused the data: its error is among the results
  for (std::size_t at = 0; at < data.size();) {
    const std::size_t n = std::min(kChunk, data.size() - at);
    const int rc = PQputCopyData(conn, data.data() + at, int(n));
    if (rc < 0) {
      ended = true;
      break;
    }
    if (rc == 1) at += n;
    flush();
    if (!co_await copy_wait(p, deadline, true)) co_return abandon_copy(*p, deadline);
  }
  while (!ended) {
    const int rc = PQputCopyEnd(conn, nullptr);
    if (rc < 0) break;
    flush();
    if (!co_await copy_wait(p, deadline, true)) co_return abandon_copy(*p, deadline);
    if (rc == 1) break;
  }
  if (PQstatus(conn) == CONNECTION_BAD) {
    lost(one_line(PQerrorMessage(conn)));
    co_return abandon_copy(*p, deadline);
  }
  co_return co_await copy_results(p, deadline, std::nullopt);
}

// Reads the COPY's results up to the end of the command: the first error, or the count.
asio::awaitable<Result<std::uint64_t>> Connection::State::copy_results(std::shared_ptr<Pending> p,
                                                                       Deadline deadline,
                                                                       std::optional<Error> first) {
  std::uint64_t rows = 0;
  while (true) {
    if (!co_await copy_wait(p, deadline, false)) co_return abandon_copy(*p, deadline);
    PGresult* result = PQgetResult(conn);
    if (result == nullptr) break;
    const auto status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK) {
      rows = std::strtoull(PQcmdTuples(result), nullptr, 10);
    } else if (status == PGRES_COPY_IN) {
      PQputCopyEnd(conn, "no data sent");  // refused before the data went: end it
      flush();
    } else if (!first) {
      first = error_of(result);
    }
    PQclear(result);
  }
  if (first) co_return std::move(*first);
  co_return rows;
}

// Waits, woken by read_answers() and flush_out(), until libpq holds a whole result (or,
// with `output`, has sent all it holds). False when the connection was lost, the deadline
// passed or the awaiting coroutine was cancelled.
asio::awaitable<bool> Connection::State::copy_wait(std::shared_ptr<Pending> p, Deadline deadline,
                                                   bool output) {
  const asio::cancellation_state cancellation = co_await asio::this_coro::cancellation_state;
  while (true) {
    if (p->done) co_return false;
    if (output ? !flushing : PQisBusy(conn) == 0) co_return true;
    if (std::chrono::steady_clock::now() >= deadline) co_return false;
    p->wake.expires_at(deadline);
    co_await p->wake.async_wait(kAwait);
    if (cancellation.cancelled() != asio::cancellation_type::none) co_return false;
  }
}

// A COPY cannot be left half-way and the connection used again: past its deadline (or
// cancelled) it is cancelled on the server and the connection is made anew.
Error Connection::State::abandon_copy(const Pending& p, Deadline deadline) {
  if (p.done && p.outcome && !p.outcome->has_value()) return p.outcome->error();
  request_cancel();
  const bool expired = std::chrono::steady_clock::now() >= deadline;
  if (ready) lost(expired ? "COPY past its deadline" : "COPY cancelled");
  return Error{std::string(sqlstate::kQueryCanceled),
               expired ? "COPY deadline passed; its outcome is unknown"
                       : "COPY cancelled; its outcome is unknown"};
}

Connection::Connection(asio::any_io_executor executor, asio::any_io_executor blocking,
                       std::string url, ConnectionOptions options)
    : state_(std::make_shared<State>(std::move(executor), std::move(blocking), std::move(url),
                                     options)) {}

Connection::~Connection() {
  close();
}

void Connection::start() {
  if (state_->started) return;
  state_->started = true;
  asio::co_spawn(state_->executor, state_->maintain(), asio::detached);
}

void Connection::close() {
  if (state_->closed) return;
  state_->closed = true;
  state_->backoff.cancel();
  state_->lost("closed");
}

bool Connection::connected() const noexcept {
  return state_->is_connected.load();
}

std::size_t Connection::in_flight() const noexcept {
  return state_->in_flight.load();
}

const asio::any_io_executor& Connection::executor() const noexcept {
  return state_->executor;
}

asio::awaitable<Result<Rows>> Connection::query(std::string_view sql, std::vector<Param> params,
                                                Deadline deadline) {
  return state_->submit(nullptr, sql, std::move(params), deadline);
}

asio::awaitable<Result<Rows>> Connection::execute(const Statement& statement,
                                                  std::vector<Param> params, Deadline deadline) {
  return state_->submit(&statement, {}, std::move(params), deadline);
}

asio::awaitable<Result<std::uint64_t>> Connection::copy_in(std::string_view copy_sql,
                                                           std::string data, Deadline deadline) {
  return state_->copy(std::string(copy_sql), std::move(data), deadline);
}

}  // namespace gbrt::pg
