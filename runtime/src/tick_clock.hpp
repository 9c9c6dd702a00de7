// A clock for the event path's short durations (a handler's run, its deadline's start): the
// CPU's time-stamp counter, read in ~10 ns where steady_clock::now() takes ~24 (its vDSO
// fences the read and scales it), and an event reads it twice. Used only where the counter
// runs at one rate in every power state and the kernel keeps time with it (it checked the
// counters of all CPUs agree); elsewhere, and off x86-64, it is steady_clock itself. Both
// are looked at once per process: a kernel that later gives up on the counter (its watchdog
// switching clocksource) is not followed, and readings then carry whatever skew it saw.
#pragma once

#include <chrono>
#include <cstdint>
#include <ratio>
#include <type_traits>

namespace gbrt::runtime {

class TickClock {
 public:
  using Ticks = std::uint64_t;

  // A reading; only the difference of two readings in one process means anything.
  static Ticks now() noexcept;
  // The time between two readings; zero if `to` is not later.
  static std::chrono::nanoseconds between(Ticks from, Ticks to) noexcept {
    if (to <= from) return {};
    return std::chrono::nanoseconds(std::int64_t(double(to - from) * rate().ns_per_tick));
  }
  static std::chrono::nanoseconds since(Ticks from) noexcept { return between(from, now()); }

  // Decides between the counter and steady_clock, measuring the counter's rate (a
  // millisecond); once per process, on the first call of any of these. Runtime calls it
  // when made, so that no event pays for it.
  static void calibrate() noexcept { rate(); }
  static bool uses_counter() noexcept { return rate().counter; }

 private:
  static_assert(std::is_same_v<std::chrono::steady_clock::period, std::nano>,
                "without the counter, a tick is one of steady_clock's nanoseconds");
  struct Rate {
    bool counter = false;
    double ns_per_tick = 1.0;
  };
  static Rate measure() noexcept;
  static const Rate& rate() noexcept {
    static const Rate measured = measure();
    return measured;
  }
};

inline TickClock::Ticks TickClock::now() noexcept {
#if defined(__x86_64__)
  if (rate().counter) return __builtin_ia32_rdtsc();
#endif
  return Ticks(std::chrono::steady_clock::now().time_since_epoch().count());
}

}  // namespace gbrt::runtime
