// What became of an event, in the runtime's terms: counted per type in /metrics
// (gbrt_events_handled_total{outcome=…}) and carried by its Answer, which net turns into HTTP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gbrt::runtime {

enum class Outcome : std::uint8_t {
  ok,         // every handler succeeded (or the event was queued and then handled)
  error,      // a handler threw (ExposableError or anything else)
  rejected,   // no handler for the type, no such component, or the forwarder/store refused it
  shed,       // refused by admission control or a full queue (503)
  timeout,    // past its deadline (504)
  cancelled,  // its client left, or shutdown cancelled it
  duplicate,  // its eventId was handled within --dedup-window: answered 200, not run again
  forwarded,  // stored by the runtime's Forwarder (202); handlers run where it is consumed
  stored,     // committed by the runtime's store (200), and no handler for its type
};
inline constexpr std::size_t kOutcomeCount = 9;
std::string_view to_string(Outcome outcome) noexcept;

// What the sender of an event should do with its answer (a JetStream worker: ack, nak, term).
enum class Retry : std::uint8_t {
  no,     // accepted: handled, stored, forwarded or a duplicate
  now,    // this process refused it (overload, shutdown, a dependency down): not the event's fault
  later,  // it failed and may succeed later (a handler's error, a deadline, no handler here)
  never,  // refused for good: the handler's own 4xx, or an event that cannot be stored
};

}  // namespace gbrt::runtime
