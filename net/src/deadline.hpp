// Connection timeouts without a timer per operation (as nginx and drogon do): a connection
// notes in a field when its current phase (idle, header, body, write, close) must end, and
// one timer per shard ticks and closes the sockets past their deadline (connection.cpp). Setting
// a deadline is a store, not a timer-queue insert and removal, and reads no clock.
#pragma once

#include <chrono>

namespace gbrt::net {

using SweepClock = std::chrono::steady_clock;

// How often a shard sweeps: a timeout fires between its length and that plus two ticks.
inline constexpr std::chrono::milliseconds kSweepTick{250};

// The shard's coarse time, refreshed by each sweep; at most a tick (plus the sweep's lag)
// behind the real one.
struct CoarseClock {
  SweepClock::time_point now = SweepClock::now();
};

// A connection's deadline, read by the sweep on the connection's own shard.
struct Deadline {
  const CoarseClock* clock = nullptr;  // null: no timeouts (a stream without a shard's sweep)
  SweepClock::time_point at = SweepClock::time_point::max();
  bool expired = false;  // the sweep closed the socket

  // Never early: the coarse clock may lag the real one by a tick, so one is added.
  void expires_after(std::chrono::seconds timeout) {
    if (clock != nullptr) at = clock->now + timeout + kSweepTick;
  }
  void expires_never() { at = SweepClock::time_point::max(); }
};

}  // namespace gbrt::net
