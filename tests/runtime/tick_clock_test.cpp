#include "tick_clock.hpp"

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace {

using gbrt::runtime::TickClock;
using namespace std::chrono_literals;

// The counter's rate against steady_clock: a sleep of 20 ms measures as 20 ms on both, within
// what a busy machine adds to the sleep (on both clocks alike).
TEST(TickClock, MeasuresWhatSteadyClockMeasures) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    const auto steady0 = std::chrono::steady_clock::now();
    const TickClock::Ticks ticks0 = TickClock::now();
    std::this_thread::sleep_for(20ms);
    const TickClock::Ticks ticks1 = TickClock::now();
    const auto steady = std::chrono::steady_clock::now() - steady0;
    const auto ticks = TickClock::between(ticks0, ticks1);
    EXPECT_GE(ticks, 20ms);
    // Within 1% and the few µs between the two clocks' reads.
    const auto difference = ticks > steady ? ticks - steady : steady - ticks;
    if (difference <= steady / 100 + 20us) return;
    ADD_FAILURE() << "steady_clock " << std::chrono::nanoseconds(steady).count() << " ns, ticks "
                  << ticks.count() << " ns";
  }
}

TEST(TickClock, NeverNegative) {
  const TickClock::Ticks later = TickClock::now() + 1000;
  EXPECT_EQ(TickClock::between(later, later - 500), 0ns);
  EXPECT_EQ(TickClock::between(later, later), 0ns);
  EXPECT_GE(TickClock::since(TickClock::now()), 0ns);
}

// Where the kernel keeps time with an invariant counter (this development machine: x86-64,
// clocksource tsc), the counter is what is read.
TEST(TickClock, UsesTheCounterWhereTheKernelDoes) {
#if defined(__x86_64__)
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  in >> source;
  if (source != "tsc") GTEST_SKIP() << "clocksource " << source;
  EXPECT_TRUE(TickClock::uses_counter());
#else
  EXPECT_FALSE(TickClock::uses_counter());
#endif
}

}  // namespace
