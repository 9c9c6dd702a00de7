// The runtime's store for events acknowledged `stored`: each shard groups the events of all
// its connections into one transaction (size and time bounds) and answers them after COMMIT.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include <gbrt/pg/pool.hpp>
#include <gbrt/runtime/forwarder.hpp>
#include <gbrt/runtime/metrics.hpp>

namespace gbrt::pg {

// How a group is written (--store-write). `insert` stays the default: measured on a shared
// 2-core machine (docs/deployment.md), `copy` cost PostgreSQL less CPU per event in every
// run, but its rate was no better and its open-loop p99 was worse in every run.
enum class StoreWrite {
  // One COPY … FROM STDIN (FORMAT binary); a group with an eventId already in the table (or
  // twice in it) fails with 23505 and is written again with `insert`.
  copy,
  // INSERT … SELECT FROM unnest(arrays) ON CONFLICT (event_id) DO NOTHING RETURNING.
  insert,
};

struct EventStoreOptions {
  // The table (created by gbrt-server --store-migrate; see schema.hpp) (--store-table).
  std::string table = "gbrt_events";
  // A group is committed at the end of the shard's turn while one of the shard's
  // connections has no commit in flight, else when one frees up, when it holds this many
  // events (--store-group-events) ...
  std::size_t group_events = 512;
  // ... or this long after its first event arrived (--store-group-ms).
  std::chrono::milliseconds group_wait{2};
  // Events waiting for their commit per shard; past it: 503 (--store-max-waiting).
  std::size_t max_waiting = 10000;
  // A commit not confirmed within this: 503, its outcome unknown (--store-commit-timeout).
  std::chrono::milliseconds commit_timeout{5000};
  StoreWrite write = StoreWrite::insert;
};

class EventStore final : public runtime::Forwarder {
 public:
  // Uses `pool`'s connections (one group per shard); registers its series in `metrics`.
  EventStore(Pool& pool, runtime::Metrics& metrics, EventStoreOptions options = {});
  ~EventStore() override;

  // Completes once the transaction holding the event committed: 200 {"status":"stored"}
  // (with "duplicate":true when the eventId was there already); 503 with Retry-After when
  // PostgreSQL is down, the commit failed or its outcome is unknown, or too many wait;
  // 400 for an event PostgreSQL cannot store (jsonb refuses \u0000, say), 413 for one whose
  // eventId is too long for the table's key (over about 2,700 bytes).
  runtime::ShardAwaitable<runtime::Answer> forward(const runtime::EventSlot& slot,
                                                   runtime::Shard& shard) override;
  // False while a shard has no connection (/readyz fails).
  bool ready() const noexcept override;

 private:
  struct Entry;
  struct Group;
  void seal(std::size_t shard);
  boost::asio::awaitable<void> write(std::size_t shard, std::vector<Entry*> batch);
  // True when the group was settled (committed, or a fault answered); false: write it again
  // with the INSERT (an eventId repeated, or no idle connection for COPY).
  boost::asio::awaitable<bool> copy(std::size_t shard, const std::vector<Entry*>& batch,
                                    std::chrono::steady_clock::time_point started);
  // A group's transaction committed: its metrics (its answers are the caller's).
  void committed(std::size_t shard, std::chrono::steady_clock::time_point started,
                 std::size_t new_rows);
  void fail(std::size_t shard, const std::vector<Entry*>& batch, const Error& error);
  void answer(std::size_t shard, Entry& entry, runtime::Answer answer);
  void log_failure(const Error& error);

  Pool& pool_;
  EventStoreOptions options_;
  Statement insert_;
  std::string copy_sql_;
  std::size_t connections_per_shard_ = 1;       // groups committing at once per shard
  std::vector<std::unique_ptr<Group>> groups_;  // by shard
  std::atomic<std::int64_t> next_log_at_{0};    // failures are logged at most once a second
  runtime::Counter& stored_;
  runtime::Counter& duplicates_;
  runtime::Counter& groups_committed_;
  runtime::Counter& errors_;
  runtime::Counter& copy_fallbacks_;
  runtime::Histogram& commit_latency_;
};

}  // namespace gbrt::pg
