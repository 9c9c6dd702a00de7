// A clock for the event path's short durations (a handler's run, its deadline's start): the
// CPU's time-stamp counter, read in ~10 ns where steady_clock::now() takes ~24 (its vDSO
// fences the read and scales it), and an event reads it twice. Used only where the counter
// runs at one rate in every power state and the kernel keeps time with it; elsewhere, and
// off x86-64, it is steady_clock itself.
#pragma once

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace gbrt::runtime {

class TickClock {
 public:
  using Ticks = std::uint64_t;

  // A reading; only the difference of two readings in one process means anything.
  static Ticks now() noexcept {
#if defined(__x86_64__)
    if (rate().counter) return __rdtsc();
#endif
    return Ticks(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  // The time between two readings; zero if `to` is not later.
  static std::chrono::nanoseconds between(Ticks from, Ticks to) noexcept {
    if (to <= from) return {};
    return std::chrono::nanoseconds(std::int64_t(double(to - from) * rate().ns_per_tick));
  }
  static std::chrono::nanoseconds since(Ticks from) noexcept { return between(from, now()); }
  // Whether readings come from the time-stamp counter. The first call measures its rate
  // against steady_clock (a millisecond): make it before the hot path does.
  static bool uses_counter() noexcept { return rate().counter; }

 private:
  struct Rate {
    bool counter = false;
    double ns_per_tick = 1.0;  // steady_clock's ticks are nanoseconds
  };
  static Rate measure() noexcept;
  static const Rate& rate() noexcept {
    static const Rate measured = measure();
    return measured;
  }
};

}  // namespace gbrt::runtime
