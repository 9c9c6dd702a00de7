// Running a Runtime as a program does: start, serve until SIGTERM or SIGINT, drain, stop.
// A second signal skips what is left of the drain; SIGHUP reloads when asked to.
#pragma once

#include <chrono>
#include <functional>

#include <gbrt/runtime/runtime.hpp>

namespace gbrt::runtime {

struct RunOptions {
  // At the first signal /readyz answers 503 while intake goes on for this long, so that a
  // load balancer takes the instance out before connections are refused. 0: close at once.
  std::chrono::milliseconds drain_delay{0};
  // Then how long running handlers, queued events and wait_until work may take before they
  // are cancelled.
  std::chrono::milliseconds drain_timeout{20000};
  // After runtime.start(): open the intake (listeners, consumers). May throw: the runtime is
  // stopped and the exception goes to the caller.
  std::function<void()> start_intake;
  // Once the intake is open: print the address, tell the service manager.
  std::function<void()> on_started;
  // At the first SIGTERM/SIGINT, on the signal thread (keep it short).
  std::function<void(int signal)> on_signal;
  // After the drain delay, on the draining thread: close the intake (may block).
  std::function<void()> stop_intake;
  // The drain also waits for this (requests half read, events pulled but not run).
  std::function<bool()> also_idle;
  // After the drain, or a start_intake that threw, and before runtime.stop(): close what
  // runs on the shards and needs them to close (a database pool). May block.
  std::function<void()> before_stop;
  // SIGHUP, on the signal thread. Empty: SIGHUP is not caught.
  std::function<void()> on_reload;
};

// Starts `runtime` (if not yet) and the intake, blocks until a signal and the drain, then
// stops the runtime. True if the drain finished everything before its timeout.
bool run_until_signal(Runtime& runtime, const RunOptions& options = {});

}  // namespace gbrt::runtime
