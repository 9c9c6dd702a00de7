// What the runtime keeps per shard beside what a transport sees (Shard): the queue of
// events acknowledged early, the list of running events, delayed tasks' timers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>

#include <boost/asio/steady_timer.hpp>

#include <gbrt/runtime/shard.hpp>

#include "slot_state.hpp"

namespace gbrt::runtime {

struct ShardState final : Shard {
  ShardState(std::size_t index, boost::asio::any_io_executor executor, std::size_t max_event_bytes)
      : Shard(index, std::move(executor), max_event_bytes) {}

  // Idle outbound connections are sockets of the shard's executor: closed before it goes.
  void close_http_client() noexcept { http_.reset(); }

  std::deque<SlotPtr> queue;                         // queued events not started yet
  std::size_t queue_running = 0;                     // queued events whose handlers run
  SlotState* running = nullptr;                      // every event whose handlers run (a list)
  std::set<boost::asio::steady_timer*> task_timers;  // delayed tasks not due yet
  std::uint64_t next_task = 0;
};

// Sound because the Runtime makes every shard as a ShardState (Shard's constructor is
// protected).
inline ShardState& state_of(Shard& shard) noexcept {
  return static_cast<ShardState&>(shard);
}

}  // namespace gbrt::runtime
