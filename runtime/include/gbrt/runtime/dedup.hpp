// Event ids handled recently, for answering GitBook's retries without running handlers
// again. Striped: a lookup locks one of 64 stripes, never the whole table; memory is
// bounded by a capacity (the oldest ids are forgotten first), and every entry has the same
// size whatever the id's length: an id is kept as its 128-bit keyed hash (SipHash).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace gbrt::runtime {

class DedupTable {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kStripes = 64;
  // What is kept of an id: SipHash-2-4 with 128-bit output, under a key drawn at random for
  // each table, so that nobody who sends ids can choose two that collide.
  using IdHash = std::array<std::uint64_t, 2>;

  DedupTable(std::chrono::seconds window, std::size_t capacity);

  // Whether `event_id` was marked within the window.
  bool seen(std::string_view event_id, Clock::time_point now);
  // Records that `event_id` was handled at `now`.
  void mark(std::string_view event_id, Clock::time_point now);
  std::size_t size();

 private:
  struct UseLowHalf {  // the hash is uniform already
    std::size_t operator()(const IdHash& h) const noexcept { return h[0]; }
  };
  struct alignas(64) Stripe {
    std::mutex mutex;
    std::unordered_map<IdHash, Clock::time_point, UseLowHalf> handled;
    std::deque<IdHash> order;  // keys of `handled`, oldest first
  };
  IdHash hash(std::string_view event_id) const noexcept;
  Stripe& stripe_of(const IdHash& h) { return stripes_[h[1] % kStripes]; }
  std::chrono::seconds window_;
  std::size_t per_stripe_;
  std::array<unsigned char, 16> key_;
  std::array<Stripe, kStripes> stripes_;
};

}  // namespace gbrt::runtime
