#include "tick_clock.hpp"

#include <fstream>
#include <string>
#include <utility>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace gbrt::runtime {

namespace {

#if defined(__x86_64__)
// CPUID's "invariant TSC": one rate whatever the frequency and sleep state.
bool invariant_counter() noexcept {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(0x80000007, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (edx & (1u << 8)) != 0;
}

// The kernel keeps time with the counter only once it found it synchronised across CPUs
// and stable; a reading on one core is then comparable with one on another.
bool kernel_keeps_time_with_counter() {
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  return static_cast<bool>(in >> source) && source == "tsc";
}

// A (counter, steady_clock) pair read as close together as the tightest of a few tries.
std::pair<std::uint64_t, std::chrono::steady_clock::time_point> reading() noexcept {
  std::pair<std::uint64_t, std::chrono::steady_clock::time_point> best;
  std::uint64_t best_gap = ~std::uint64_t(0);
  for (int i = 0; i < 5; ++i) {
    const std::uint64_t before = __builtin_ia32_rdtsc();
    const auto steady = std::chrono::steady_clock::now();
    const std::uint64_t after = __builtin_ia32_rdtsc();
    if (after - before < best_gap) {
      best_gap = after - before;
      best = {before + (after - before) / 2, steady};
    }
  }
  return best;
}
#endif

}  // namespace

TickClock::Rate TickClock::measure() noexcept {
#if defined(__x86_64__)
  try {
    if (!invariant_counter() || !kernel_keeps_time_with_counter()) return {};
  } catch (...) {
    return {};
  }
  // Over a millisecond, the two reads of each pair (tens of ns apart) leave an error of a few
  // parts in 100,000: a few µs of a minute-long handler, far inside a histogram bucket.
  const auto [ticks0, steady0] = reading();
  while (std::chrono::steady_clock::now() - steady0 < std::chrono::milliseconds(1)) {
  }
  const auto [ticks1, steady1] = reading();
  if (ticks1 <= ticks0) return {};
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(steady1 - steady0);
  return {true, double(ns.count()) / double(ticks1 - ticks0)};
#else
  return {};
#endif
}

}  // namespace gbrt::runtime
