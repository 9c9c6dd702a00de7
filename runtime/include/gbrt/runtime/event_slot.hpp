// An event with everything its views borrow: the padded body, the string arena, the
// parsed views. Owned by whoever runs its handlers, and recycled through its shard's pool,
// so a warm shard allocates nothing per event.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <gbrt/events/padded_buffer.hpp>
#include <gbrt/events/string_arena.hpp>
#include <gbrt/events/views.hpp>
#include <gbrt/runtime/answer.hpp>

namespace gbrt::runtime {

class SlotPool;

// Taken from a shard's SlotPool (Shard::slots()), which alone makes and deletes slots: the
// runtime keeps its bookkeeping of a running event beside these fields (runtime/src).
class EventSlot {
 public:
  events::PaddedBuffer body;
  events::StringArena arena;
  // Set when the event's bytes are in another slot's body (a line of an NDJSON batch): it
  // keeps that slot alive while this event runs.
  std::shared_ptr<EventSlot> borrowed;
  std::optional<events::Event> event;
  std::optional<events::Environment> environment;
  // The JSON text the views were parsed from (in `body` or the borrowed slot's), for
  // forwarding an event unchanged. environment_json is empty without an environment.
  std::string_view event_json;
  std::string_view environment_json;

  EventSlot(const EventSlot&) = delete;
  EventSlot& operator=(const EventSlot&) = delete;

  // Copies an event's JSON (and its environment's, as GitBook's dispatcher sends it) into
  // `body` and parses both in place: event, environment and their *_json are set. The 400
  // answer naming the problem if one does not parse.
  std::optional<Answer> load(events::Parser& parser, std::string_view event_text,
                             std::optional<std::string_view> environment_text = {});

 protected:
  EventSlot() = default;
  ~EventSlot() = default;
  // Forget the last event, keep the memory (buffers larger than `keep_bytes` are freed).
  void reset(std::size_t keep_bytes);
};

// Returns a slot to its pool when the owner lets go of it.
struct SlotReturn {
  SlotPool* pool = nullptr;
  void operator()(EventSlot* slot) const noexcept;
};
using SlotPtr = std::unique_ptr<EventSlot, SlotReturn>;

// One per shard; used only from that shard's thread.
class SlotPool {
 public:
  static constexpr std::size_t kMaxFree = 1024;         // slots kept for reuse
  static constexpr std::size_t kKeepBytes = 64 * 1024;  // bodies up to this are kept
  // Larger ones (a batch of a hundred events, say) are kept while the free slots' larger
  // bodies add up to no more than this, so that the next one does not allocate again.
  static constexpr std::size_t kKeepLargeBytes = 8 * 1024 * 1024;

  SlotPool() = default;
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;
  ~SlotPool();

  SlotPtr acquire();
  void release(EventSlot* slot) noexcept;
  std::size_t free_count() const noexcept { return free_.size(); }
  std::size_t kept_large_bytes() const noexcept { return kept_large_; }

 private:
  std::vector<EventSlot*> free_;
  std::size_t kept_large_ = 0;  // capacity of the free slots' bodies over kKeepBytes
};

}  // namespace gbrt::runtime
