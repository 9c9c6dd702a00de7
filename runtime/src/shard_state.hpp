// What the runtime keeps per shard beside what a transport sees (Shard): the queue of
// events acknowledged early, the list of running events, delayed tasks' timers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <set>

#include <boost/asio/any_io_executor.hpp>

#include <gbrt/runtime/shard.hpp>
#include <gbrt/runtime/wakeup.hpp>

#include "slot_state.hpp"

namespace gbrt::runtime {

struct ShardState final : Shard {
  ShardState(std::size_t index, ShardExecutor executor, std::size_t max_event_bytes)
      : Shard(index, std::move(executor), max_event_bytes),
        handler_executor(this->executor()),
        wakeups(WakeupService::of(this->executor())),
        sweep_timer(std::make_unique<ShardTimer>(this->executor())) {}

  // Idle outbound connections are sockets of the shard's executor: closed before it goes.
  // So is the sweep's timer.
  void close_io() noexcept {
    http_.reset();
    sweep_timer.reset();
  }

  std::deque<SlotPtr> queue;          // queued events not started yet
  std::size_t queue_running = 0;      // queued events whose handlers run
  SlotState* running = nullptr;       // every event whose handlers run (a list)
  std::set<ShardTimer*> task_timers;  // delayed tasks not due yet
  std::uint64_t next_task = 0;
  // The shard's executor as handlers' coroutines take it (boost::asio::awaitable's
  // any_io_executor), made once rather than per event.
  const boost::asio::any_io_executor handler_executor;
  WakeupService& wakeups;  // looked up once: supervise() makes a Wakeup per event
  // Ticks while events run: their deadlines, slow-handler warnings and client watches
  // (Runtime::Impl::sweep), instead of a timer per event.
  std::unique_ptr<ShardTimer> sweep_timer;
  bool sweep_armed = false;
};

// Sound because the Runtime makes every shard as a ShardState (Shard's constructor is
// protected).
inline ShardState& state_of(Shard& shard) noexcept {
  return static_cast<ShardState&>(shard);
}

}  // namespace gbrt::runtime
