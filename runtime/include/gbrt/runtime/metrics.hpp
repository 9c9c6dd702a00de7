// Counters, histograms and gauges for /metrics. Counters and histograms have one cell per
// shard, written only by that shard's thread (no lock, no shared cache line), summed when
// scraped. Rendered as Prometheus text.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gbrt/runtime/outcome.hpp>

namespace gbrt::runtime {

// A value one thread increments and any thread reads.
class alignas(64) ShardCell {
 public:
  void add(std::uint64_t n = 1) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::uint64_t load() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A counter with one cell per shard: inc() from shard `s`'s thread only.
class Counter {
 public:
  explicit Counter(std::size_t shards)
      : cells_(std::make_unique<ShardCell[]>(shards)), shards_(shards) {}
  void inc(std::size_t shard, std::uint64_t n = 1) noexcept { cells_[shard].add(n); }
  std::uint64_t value() const noexcept {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < shards_; ++i) sum += cells_[i].load();
    return sum;
  }

 private:
  std::unique_ptr<ShardCell[]> cells_;
  std::size_t shards_;
};

// Durations in base-2 buckets from 1 µs (le=1e-6 s, 2e-6, 4e-6, … 2^24 µs ≈ 16.8 s) and +Inf,
// one row of cells per shard.
class Histogram {
 public:
  static constexpr std::size_t kBuckets = 25;  // finite upper bounds: 2^0 .. 2^24 µs

  explicit Histogram(std::size_t shards)
      : rows_(std::make_unique<Row[]>(shards)), shards_(shards) {}

  void record(std::size_t shard, std::chrono::nanoseconds elapsed) noexcept;

  struct Snapshot {
    std::array<std::uint64_t, kBuckets + 1> buckets{};  // per bucket (not cumulative), last +Inf
    std::uint64_t count = 0;
    double sum_seconds = 0;
    // The smallest bucket bound (seconds) below which `q` of the samples fall.
    double quantile_upper_bound(double q) const noexcept;
  };
  Snapshot snapshot() const noexcept;
  static double bound_seconds(std::size_t bucket) noexcept { return double(1ull << bucket) * 1e-6; }

 private:
  struct alignas(64) Row {
    std::array<std::atomic<std::uint64_t>, kBuckets + 1> buckets{};
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_ns{0};
  };
  std::unique_ptr<Row[]> rows_;
  std::size_t shards_;
};

// The runtime's own series plus what applications register by name.
class Metrics {
 public:
  explicit Metrics(std::size_t shards);

  // A value of the `type` label; returns its type id (0, 1, ... in call order).
  // Before serving only.
  std::size_t add_type(std::string name);
  std::size_t type_count() const noexcept { return type_names_.size(); }
  const std::string& type_name(std::size_t type_id) const noexcept { return type_names_[type_id]; }

  void event_received(std::size_t shard, std::size_t type_id) noexcept {
    types_[type_id]->received.inc(shard);
  }
  void event_handled(std::size_t shard, std::size_t type_id, Outcome outcome) noexcept {
    types_[type_id]->handled[std::size_t(outcome)]->inc(shard);
  }
  void handler_duration(std::size_t shard, std::size_t type_id,
                        std::chrono::nanoseconds d) noexcept {
    types_[type_id]->duration.record(shard, d);
  }
  void queue_wait(std::size_t shard, std::size_t type_id, std::chrono::nanoseconds d) noexcept {
    types_[type_id]->queue_wait.record(shard, d);
  }
  void http_request(std::size_t shard, unsigned status) noexcept {
    http_[status < kStatusSlots ? status : 0]->inc(shard);
  }

  std::uint64_t received(std::size_t type_id) const noexcept {
    return types_[type_id]->received.value();
  }
  std::uint64_t handled(std::size_t type_id, Outcome o) const noexcept {
    return types_[type_id]->handled[std::size_t(o)]->value();
  }
  std::uint64_t handled_total(std::size_t type_id) const noexcept;
  Histogram::Snapshot handler_durations(std::size_t type_id) const noexcept {
    return types_[type_id]->duration.snapshot();
  }
  std::uint64_t http_requests(unsigned status) const noexcept {
    return http_[status < kStatusSlots ? status : 0]->value();
  }

  // A counter of the application's, exported as `series` (a metric name with optional
  // labels, e.g. `app_views_total{space="x"}`). Register before serving; stable address.
  Counter& counter(std::string series, std::string help);
  // A duration histogram of the application's (record() from shard `s`'s thread only), in
  // the same base-2 buckets as the runtime's; `series` as for counter().
  Histogram& histogram(std::string series, std::string help);
  // A gauge read when scraped (any thread: `read` must be thread-safe).
  void gauge(std::string series, std::string help, std::function<double()> read);
  // A counter kept elsewhere (the process's CPU time), read when scraped like a gauge.
  void counter(std::string series, std::string help, std::function<double()> read);

  // Prometheus text exposition format 0.0.4.
  std::string render() const;
  std::size_t shards() const noexcept { return shards_; }

 private:
  static constexpr unsigned kStatusSlots = 600;
  struct PerType {
    explicit PerType(std::size_t shards);
    Counter received;
    std::array<std::unique_ptr<Counter>, kOutcomeCount> handled;
    Histogram duration;
    Histogram queue_wait;
  };
  std::size_t shards_;
  std::vector<std::string> type_names_;
  std::vector<std::unique_ptr<PerType>> types_;
  std::vector<std::unique_ptr<Counter>> http_;
  struct Custom {
    std::string series, help;
    std::unique_ptr<Counter> counter;
    std::function<double()> gauge;
    std::unique_ptr<Histogram> histogram;
    bool gauge_is_counter = false;
  };
  std::deque<Custom> custom_;
};

}  // namespace gbrt::runtime
