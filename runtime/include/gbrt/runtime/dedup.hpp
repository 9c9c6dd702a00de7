// Event ids handled recently, for answering GitBook's retries without running handlers
// again. Striped: a lookup locks one of 64 stripes, never the whole table; memory is
// bounded by a capacity (the oldest ids are forgotten first).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gbrt::runtime {

class DedupTable {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kStripes = 64;

  DedupTable(std::chrono::seconds window, std::size_t capacity);

  // Whether `event_id` was marked within the window.
  bool seen(std::string_view event_id, Clock::time_point now);
  // Records that `event_id` was handled at `now`.
  void mark(std::string_view event_id, Clock::time_point now);
  std::size_t size();

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>()(s);
    }
  };
  struct alignas(64) Stripe {
    std::mutex mutex;
    std::unordered_map<std::string, Clock::time_point, Hash, std::equal_to<>> handled;
    std::deque<std::string_view> order;  // keys of `handled`, oldest first
  };
  Stripe& stripe_of(std::string_view event_id) { return stripes_[Hash()(event_id) % kStripes]; }
  std::chrono::seconds window_;
  std::size_t per_stripe_;
  std::array<Stripe, kStripes> stripes_;
};

}  // namespace gbrt::runtime
