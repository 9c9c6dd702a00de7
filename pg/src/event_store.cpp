// Group commit: a shard's events wait in its open group, which is written as one INSERT …
// SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING, its own transaction in pipeline mode
// (the sync commits it), so the answers go out after COMMIT. While one of the shard's
// connections has no commit in flight, the group is sealed at the end of the shard's turn
// (the events that arrived together go together; a lone event waits for nothing); while
// all are committing it grows until one is free, it is full, or its time is up: groups grow
// with the load by themselves, and each WAL flush carries as many events as arrived during
// the one before. The arrays go in PostgreSQL's binary format: no escaping on either side.
// With StoreWrite::copy a group goes as one binary COPY instead (less CPU for PostgreSQL):
// it fails whole on a repeated eventId (23505), and then that group is written with the
// INSERT, which stores each eventId once and says which were there already.
#include <gbrt/pg/event_store.hpp>

#include <algorithm>
#include <stdexcept>
#include <unordered_set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gbrt/runtime/log.hpp>
#include <gbrt/runtime/runtime.hpp>
#include <gbrt/runtime/wakeup.hpp>

#include <gbrt/pg/binary_array.hpp>
#include <gbrt/pg/binary_copy.hpp>

#include "identifier.hpp"

namespace gbrt::pg {

namespace asio = boost::asio;
using runtime::Answer;

namespace {

constexpr char kStored[] = R"({"status":"stored"})";
constexpr char kStoredDuplicate[] = R"({"status":"stored","duplicate":true})";

// forward() runs on the runtime's shards, whose executor is an io_context's (concrete): so
// must the pool's connections be that the groups share them.
runtime::ShardExecutor shard_executor(const asio::any_io_executor& executor) {
  const auto* concrete = executor.target<runtime::ShardExecutor>();
  if (concrete == nullptr) {
    throw std::invalid_argument("EventStore: the pool's executors must be io_contexts' (shards)");
  }
  return *concrete;
}
constexpr std::chrono::seconds kRetryAfter{1};

}  // namespace

// An event waiting for its commit, in its forward()'s frame: the group holds pointers.
// Cancellable only while its group is open (then it is taken out of it); once sealed, it
// waits for the commit's outcome, which comes within commit_timeout.
struct EventStore::Entry {
  Entry(runtime::WakeupService& service, const runtime::ShardExecutor& executor)
      : wake(service, executor) {}
  runtime::Wakeup wake;
  // Views into the event's slot, valid while its forward() waits (and read only then).
  std::string_view event_id, type, event_json, environment_json;
  Answer answer;
  bool done = false;
};

struct EventStore::Group {
  explicit Group(const asio::any_io_executor& executor)
      : executor(shard_executor(executor)),
        wakeups(runtime::WakeupService::of(this->executor)),
        timer(this->executor) {}
  runtime::ShardExecutor executor;
  runtime::WakeupService& wakeups;
  std::vector<Entry*> open;
  runtime::ShardTimer timer;          // seals the open group at its time limit
  std::uint64_t open_generation = 0;  // a timer of an earlier group does nothing
  bool timer_armed = false;
  bool seal_posted = false;    // a seal at the end of this turn is on its way
  std::size_t committing = 0;  // sealed groups not answered yet
  std::size_t waiting = 0;     // events not answered yet: open and committing
};

EventStore::EventStore(Pool& pool, runtime::Metrics& metrics, EventStoreOptions options)
    : pool_(pool),
      options_(std::move(options)),
      stored_(metrics.counter("gbrt_store_events_total",
                              "events written to PostgreSQL (committed, new rows)")),
      duplicates_(metrics.counter("gbrt_store_duplicates_total",
                                  "stored events whose eventId was in the table already")),
      groups_committed_(metrics.counter("gbrt_store_groups_total",
                                        "transactions committed (events / groups: group size)")),
      errors_(metrics.counter("gbrt_store_errors_total",
                              "groups not committed: PostgreSQL down, a failed or timed-out "
                              "commit (their events answered 503)")),
      copy_fallbacks_(metrics.counter(
          "gbrt_store_copy_fallbacks_total",
          "COPY groups written again with the INSERT (an eventId stored already or repeated, "
          "data PostgreSQL refused, no idle connection)")),
      commit_latency_(metrics.histogram("gbrt_store_commit_seconds",
                                        "from sending a group to PostgreSQL's COMMIT")) {
  const std::string table = quote_identifier(options_.table);
  insert_ = Statement{
      "gbrt_store_insert",
      "INSERT INTO " + table +
          " (event_id, type, received_at, event, environment) SELECT id, type, now(), event, "
          "environment FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::jsonb[]) AS "
          "e(id, type, event, environment) ON CONFLICT (event_id) DO NOTHING RETURNING event_id"};
  copy_sql_ = "COPY " + table +
              " (event_id, type, received_at, event, environment) FROM STDIN (FORMAT binary)";
  connections_per_shard_ = std::max<std::size_t>(1, pool_.size() / pool_.shard_count());
  for (std::size_t i = 0; i < pool_.shard_count(); ++i) {
    groups_.push_back(std::make_unique<Group>(pool_.connection(i).executor()));
  }
  Pool* pool_ptr = &pool_;
  metrics.gauge("gbrt_store_connections{state=\"up\"}", "PostgreSQL connections",
                [pool_ptr] { return double(pool_ptr->connected()); });
  metrics.gauge("gbrt_store_connections{state=\"down\"}", "PostgreSQL connections",
                [pool_ptr] { return double(pool_ptr->size() - pool_ptr->connected()); });
}

EventStore::~EventStore() = default;

bool EventStore::ready() const noexcept {
  return pool_.connected() == pool_.size();
}

runtime::ShardAwaitable<Answer> EventStore::forward(const runtime::EventSlot& slot,
                                                    runtime::Shard& shard) {
  // Already cancelled: its wait below would throw with the entry still in the group.
  if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) {
    co_return Answer::unavailable("Shutting down", kRetryAfter);
  }
  const std::size_t index = shard.index();
  Group& group = *groups_[index];
  if (!pool_.connection(index).connected()) {
    errors_.inc(index);
    co_return Answer::unavailable("Event store unavailable: PostgreSQL unreachable", kRetryAfter);
  }
  if (group.waiting >= options_.max_waiting) {
    co_return Answer::unavailable("Event store busy: too many events waiting for a commit",
                                  kRetryAfter);
  }
  Entry entry(group.wakeups, group.executor);
  const events::EventBase& event = events::base(*slot.event);
  entry.event_id = event.event_id;
  entry.type = event.type;
  entry.event_json = slot.event_json;
  entry.environment_json = slot.environment_json;
  group.open.push_back(&entry);
  ++group.waiting;
  if (group.open.size() >= options_.group_events) {
    seal(index);
  } else if (group.committing < connections_per_shard_) {
    if (!group.seal_posted) {
      group.seal_posted = true;
      asio::post(group.executor, [this, index] {
        groups_[index]->seal_posted = false;
        if (groups_[index]->committing < connections_per_shard_) seal(index);
      });
    }
  } else if (!group.timer_armed) {
    group.timer_armed = true;
    group.timer.expires_after(options_.group_wait);
    group.timer.async_wait(
        [this, index, generation = group.open_generation](boost::system::error_code ec) {
          if (!ec && groups_[index]->open_generation == generation) seal(index);
        });
  }
  co_await entry.wake.async_wait(runtime::shard_await);
  if (!entry.done) {  // cancelled while its group was open (shutdown)
    if (std::erase(group.open, &entry) != 0) {
      --group.waiting;
      co_return Answer::unavailable("Shutting down", kRetryAfter);
    }
    // Sealed between the cancellation and now: the group holds this entry, so wait for its
    // commit (no longer cancellable) rather than leave it a dangling pointer. This coroutine
    // is cancelled now, so its co_awaits would throw: not this one.
    const bool throws = co_await asio::this_coro::throw_if_cancelled();
    co_await asio::this_coro::throw_if_cancelled(false);
    co_await entry.wake.async_wait(runtime::shard_await);
    co_await asio::this_coro::throw_if_cancelled(throws);
  }
  co_return std::move(entry.answer);
}

void EventStore::seal(std::size_t shard) {
  Group& group = *groups_[shard];
  ++group.open_generation;
  group.timer_armed = false;
  group.timer.cancel();
  if (group.open.empty()) return;
  for (Entry* entry : group.open) entry->wake.set_cancellable(false);
  ++group.committing;
  asio::co_spawn(group.executor, write(shard, std::move(group.open)),
                 [this, shard](std::exception_ptr) {
                   Group& done = *groups_[shard];
                   --done.committing;
                   if (!done.open.empty()) seal(shard);
                 });
  group.open.clear();
}

void EventStore::answer(std::size_t shard, Entry& entry, Answer answer) {
  if (entry.done) return;
  entry.answer = std::move(answer);
  entry.done = true;
  entry.wake.fire();
  --groups_[shard]->waiting;
}

asio::awaitable<bool> EventStore::copy(std::size_t shard, const std::vector<Entry*>& batch,
                                       std::chrono::steady_clock::time_point started) {
  Connection& connection = pool_.connection(shard);
  if (connection.in_flight() != 0) co_return false;  // a handler's query, or a split insert
  std::size_t bytes = 0;
  for (const Entry* entry : batch) {
    bytes += entry->event_id.size() + entry->type.size() + entry->event_json.size() +
             entry->environment_json.size() + 40;
  }
  // One received_at for the group, as now() is one for the INSERT's transaction.
  const auto received_at = std::chrono::system_clock::now();
  BinaryCopy data(bytes);
  for (const Entry* entry : batch) {
    data.start_row(5);
    data.push(entry->event_id);
    data.push(entry->type);
    data.push_timestamptz(received_at);
    data.push_jsonb(entry->event_json);
    if (entry->environment_json.empty()) {
      data.push_null();
    } else {
      data.push_jsonb(entry->environment_json);
    }
  }
  Result<std::uint64_t> copied = co_await connection.copy_in(copy_sql_, std::move(data).finish(),
                                                             started + options_.commit_timeout);
  if (copied) {
    committed(shard, started, batch.size());
    for (Entry* entry : batch) answer(shard, *entry, Answer::json(200, kStored));
    co_return true;
  }
  const Error& error = copied.error();
  // A connection that could not take the COPY (55000), an eventId there already: the INSERT.
  if (error.sqlstate == sqlstate::kUniqueViolation || error.sqlstate == "55000") co_return false;
  // Refused data goes to the INSERT, which finds the event(s) at fault; but data the server
  // cannot read as binary COPY (22P03, 22P04) is our fault, not the events': a 503, logged.
  const bool ours = error.sqlstate == "22P03" || error.sqlstate == "22P04";
  if (!ours && (error.sqlstate.starts_with("22") || error.sqlstate.starts_with("54"))) {
    co_return false;
  }
  fail(shard, batch, error);
  co_return true;
}

asio::awaitable<void> EventStore::write(std::size_t shard, std::vector<Entry*> batch) {
  // One commit_timeout for the group, whether it goes as a COPY, an INSERT, or both.
  const auto started = std::chrono::steady_clock::now();
  if (options_.write == StoreWrite::copy) {
    const bool settled = co_await copy(shard, batch, started);
    if (settled) co_return;
    copy_fallbacks_.inc(shard);
  }
  std::size_t bytes = 0;
  for (const Entry* entry : batch) bytes += entry->event_json.size() + 4;
  BinaryArray ids(kTextOid, batch.size() * 40), types(kTextOid, batch.size() * 20),
      events(kJsonbOid, bytes), environments(kJsonbOid);
  for (const Entry* entry : batch) {
    ids.push(entry->event_id);
    types.push(entry->type);
    events.push_jsonb(entry->event_json);
    if (entry->environment_json.empty()) {
      environments.push_null();
    } else {
      environments.push_jsonb(entry->environment_json);
    }
  }
  std::vector<Param> params;
  params.reserve(4);
  for (BinaryArray* array : {&ids, &types, &events, &environments}) {
    params.push_back(std::move(*array).param());
  }
  Result<Rows> result = co_await pool_.connection(shard).execute(insert_, std::move(params),
                                                                 started + options_.commit_timeout);
  if (result) {
    const Rows& rows = result.value();
    committed(shard, started, rows.size());
    std::unordered_set<std::string_view> fresh;
    for (std::size_t i = 0; i < rows.size(); ++i) fresh.insert(rows.at(i, 0).text());
    duplicates_.inc(shard, batch.size() - std::min(batch.size(), rows.size()));
    for (Entry* entry : batch) {
      answer(shard, *entry,
             Answer::json(200, fresh.contains(entry->event_id) ? kStored : kStoredDuplicate));
    }
    co_return;
  }
  const Error& error = result.error();
  // Data PostgreSQL refuses (class 22, or 54: an eventId too long for the key's index):
  // find the event(s) at fault, store the others.
  const bool bad_data = error.sqlstate.starts_with("22");
  if (bad_data || error.sqlstate.starts_with("54")) {
    if (batch.size() > 1) {
      for (Entry* entry : batch) {
        asio::co_spawn(groups_[shard]->executor, write(shard, {entry}), asio::detached);
      }
    } else {
      answer(shard, *batch.front(),
             Answer::error(bad_data ? 400 : 413,
                           "PostgreSQL cannot store this event: " + error.message));
    }
    co_return;
  }
  fail(shard, batch, error);
}

void EventStore::committed(std::size_t shard, std::chrono::steady_clock::time_point started,
                           std::size_t new_rows) {
  commit_latency_.record(shard, std::chrono::steady_clock::now() - started);
  groups_committed_.inc(shard);
  stored_.inc(shard, new_rows);
}

// A fault of ours or PostgreSQL's, not the events': 503, the retry is safe.
void EventStore::fail(std::size_t shard, const std::vector<Entry*>& batch, const Error& error) {
  errors_.inc(shard);
  log_failure(error);
  std::string why = error.canceled()          ? "commit not confirmed in time, retry"
                    : error.connection_lost() ? "PostgreSQL connection lost, retry"
                                              : error.message;
  for (Entry* entry : batch) {
    answer(shard, *entry, Answer::unavailable("Event store unavailable: " + why, kRetryAfter));
  }
}

void EventStore::log_failure(const Error& error) {
  const std::int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  std::int64_t due = next_log_at_.load();
  if (now >= due &&
      next_log_at_.compare_exchange_strong(
          due, now + std::chrono::steady_clock::duration(std::chrono::seconds(1)).count())) {
    gbrt::log::warn("store commit failed: answering 503",
                    {{"sqlstate", error.sqlstate}, {"error", error.message}});
  }
}

}  // namespace gbrt::pg
