// Counters for /metrics: one cell per shard, written only by that shard's thread (no
// lock, no contended cache line), summed when scraped. Rendered as Prometheus text.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

enum class Outcome : std::uint8_t {
  ok,        // every handler succeeded
  error,     // a handler threw (ExposableError or anything else)
  rejected,  // no handler for the type, or no such component
};
inline constexpr std::size_t kOutcomeCount = 3;
std::string_view to_string(Outcome outcome) noexcept;

// The runtime's own series plus counters that applications register by name.
class Metrics {
 public:
  explicit Metrics(std::size_t shards);

  // A value of the `type` label; returns its type id (0, 1, ... in call order).
  // Before serving only.
  std::size_t add_type(std::string name);

  void event_received(std::size_t shard, std::size_t type_id) noexcept {
    received_[type_id]->inc(shard);
  }
  void event_handled(std::size_t shard, std::size_t type_id, Outcome outcome) noexcept {
    handled_[type_id * kOutcomeCount + std::size_t(outcome)]->inc(shard);
  }
  void http_request(std::size_t shard, unsigned status) noexcept {
    http_[status < kStatusSlots ? status : 0]->inc(shard);
  }

  std::uint64_t received(std::size_t type_id) const noexcept { return received_[type_id]->value(); }
  std::uint64_t handled(std::size_t type_id, Outcome o) const noexcept {
    return handled_[type_id * kOutcomeCount + std::size_t(o)]->value();
  }
  std::uint64_t http_requests(unsigned status) const noexcept {
    return http_[status < kStatusSlots ? status : 0]->value();
  }

  // A counter of the application's, exported as `series` (a metric name with optional
  // labels, e.g. `app_views_total{space="x"}`). Register before serving; stable address.
  Counter& counter(std::string series, std::string help);

  // Prometheus text exposition format 0.0.4.
  std::string render() const;

  std::size_t shards() const noexcept { return shards_; }

 private:
  static constexpr unsigned kStatusSlots = 600;
  std::size_t shards_;
  std::vector<std::string> type_names_;
  std::vector<std::unique_ptr<Counter>> received_;
  std::vector<std::unique_ptr<Counter>> handled_;
  std::vector<std::unique_ptr<Counter>> http_;
  struct Custom {
    std::string series, help;
    std::unique_ptr<Counter> counter;
  };
  std::deque<Custom> custom_;
};

}  // namespace gbrt::runtime
