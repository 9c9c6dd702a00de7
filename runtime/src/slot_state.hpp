// What the runtime keeps about an event while it runs, beside the slot a transport sees:
// every EventSlot is a SlotState, made by SlotPool (event_slot.cpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include <boost/asio/cancellation_signal.hpp>

#include <gbrt/runtime/event_slot.hpp>

namespace gbrt::runtime {

// Why an event's handlers were asked to stop.
enum class StopReason : std::uint8_t { none, deadline, client_gone, shutdown };

struct Waiter;  // runtime_impl.hpp: the answer's receiver while someone waits for it

struct SlotState final : EventSlot {
  std::size_t type_id = 0;
  bool from_queue = false;  // acknowledged 202 and run from the shard's queue
  StopReason stop_reason = StopReason::none;
  std::chrono::steady_clock::time_point enqueued_at;  // queued events
  boost::asio::cancellation_signal cancel;            // reaches the handlers' co_awaits
  Waiter* waiter = nullptr;                           // null once nobody waits (or never did)
  SlotState* prev = nullptr;                          // the shard's list of running events
  SlotState* next = nullptr;

  // Asks the handlers to stop (once; later reasons do not replace the first).
  void stop(StopReason reason) {
    if (stop_reason != StopReason::none) return;
    stop_reason = reason;
    cancel.emit(boost::asio::cancellation_type::terminal);
  }
  // The slot's event forgotten (EventSlot::reset) and so is this bookkeeping.
  void reset(std::size_t keep_bytes) {
    EventSlot::reset(keep_bytes);
    type_id = 0;
    from_queue = false;
    stop_reason = StopReason::none;
    waiter = nullptr;
    prev = next = nullptr;
  }
};

// Sound because SlotPool makes every slot as a SlotState.
inline SlotState& state_of(EventSlot& slot) noexcept {
  return static_cast<SlotState&>(slot);
}

}  // namespace gbrt::runtime
