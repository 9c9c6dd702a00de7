#include "tick_clock.hpp"

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <gtest/gtest.h>

namespace {

using gbrt::runtime::TickClock;
using namespace std::chrono_literals;

// The counter's rate against steady_clock: a sleep of 20 ms measures as long on both, within
// 1 % and the µs between the two clocks' reads, in the closest of a few tries (a busy
// machine may preempt a try between them).
TEST(TickClock, MeasuresWhatSteadyClockMeasures) {
  if (!TickClock::uses_counter()) GTEST_SKIP() << "steady_clock itself: nothing to compare";
  std::chrono::nanoseconds closest = 1h, steady_then{}, ticks_then{};
  for (int attempt = 0; attempt < 5; ++attempt) {
    const auto steady0 = std::chrono::steady_clock::now();
    const TickClock::Ticks ticks0 = TickClock::now();
    std::this_thread::sleep_for(20ms);
    const TickClock::Ticks ticks1 = TickClock::now();
    const std::chrono::nanoseconds steady = std::chrono::steady_clock::now() - steady0;
    const std::chrono::nanoseconds ticks = TickClock::between(ticks0, ticks1);
    const auto difference = ticks > steady ? ticks - steady : steady - ticks;
    if (difference < closest) {
      closest = difference;
      steady_then = steady;
      ticks_then = ticks;
    }
  }
  EXPECT_GE(ticks_then, 20ms);
  EXPECT_LE(closest, steady_then / 100 + 20us)
      << "steady_clock " << steady_then.count() << " ns, ticks " << ticks_then.count() << " ns";
}

TEST(TickClock, NeverNegative) {
  const TickClock::Ticks later = TickClock::now() + 1000;
  EXPECT_EQ(TickClock::between(later, later - 500), 0ns);
  EXPECT_EQ(TickClock::between(later, later), 0ns);
  EXPECT_GE(TickClock::since(TickClock::now()), 0ns);
}

// Where the CPU says its counter is invariant and the kernel keeps time with it, the counter
// is what is read.
TEST(TickClock, UsesTheCounterWhereTheKernelDoes) {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  const bool invariant =
      __get_cpuid(0x80000007, &eax, &ebx, &ecx, &edx) != 0 && (edx & (1u << 8)) != 0;
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  in >> source;
  if (!invariant || source != "tsc") {
    GTEST_SKIP() << "clocksource " << source << ", invariant counter " << invariant;
  }
  EXPECT_TRUE(TickClock::uses_counter());
#else
  EXPECT_FALSE(TickClock::uses_counter());
#endif
}

}  // namespace
