// Where events of types acknowledged `forwarded` or `stored` go: a durable store some other
// process consumes from (gbrt::forward's JetStream publisher) or a table (gbrt::pg's
// EventStore). The runtime knows only this.
#pragma once

#include <gbrt/runtime/answer.hpp>
#include <gbrt/runtime/event_slot.hpp>
#include <gbrt/runtime/shard_executor.hpp>

namespace gbrt::runtime {

class Shard;

class Forwarder {
 public:
  virtual ~Forwarder() = default;
  // Hands the event on (slot.event_json, slot.environment_json, unchanged) and completes
  // once it is stored (2xx) or cannot be (503 with Retry-After, never a 4xx: the sender
  // must retry). Called and resumed on `shard`'s executor; must never block it.
  virtual ShardAwaitable<Answer> forward(const EventSlot& slot, Shard& shard) = 0;
  // Whether the store can be reached now; /readyz fails while it cannot. Called from any
  // shard: must not block.
  virtual bool ready() const noexcept { return true; }
};

}  // namespace gbrt::runtime
