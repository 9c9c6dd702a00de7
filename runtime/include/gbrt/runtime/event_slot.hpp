// An event with everything its views borrow: the padded body, the string arena, the
// parsed views. Owned by whoever runs its handlers, and recycled through its shard's pool,
// so a warm shard allocates nothing per event.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/cancellation_signal.hpp>

#include <gbrt/events/padded_buffer.hpp>
#include <gbrt/events/string_arena.hpp>
#include <gbrt/events/views.hpp>
#include <gbrt/runtime/answer.hpp>

namespace gbrt::runtime {

// Why an event's handlers were asked to stop.
enum class StopReason : std::uint8_t { none, deadline, client_gone, shutdown };

// The client waiting for an event's answer, as its transport sees it. The runtime asks it
// to start watching for the client leaving only once the handlers have run for
// RuntimeOptions::client_watch_after, so fast events never pay for a watch (a syscall);
// the transport emits `gone` when the client has left, which cancels the handlers.
class ClientWatch {
 public:
  virtual ~ClientWatch() = default;
  virtual void start_watching() = 0;
  boost::asio::cancellation_signal gone;
};

struct Waiter;  // runtime.cpp: the answer's receiver while someone waits for it
class SlotPool;

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

  // Set by the runtime while the event runs.
  std::size_t type_id = 0;
  bool from_queue = false;  // acknowledged 202 and run from the shard's queue
  StopReason stop_reason = StopReason::none;
  std::chrono::steady_clock::time_point enqueued_at;  // queued events
  boost::asio::cancellation_signal cancel;            // reaches the handlers' co_awaits
  Waiter* waiter = nullptr;                           // null once nobody waits (or never did)
  EventSlot* prev = nullptr;                          // the shard's list of running events
  EventSlot* next = nullptr;

  // Asks the handlers to stop (once; later reasons do not replace the first).
  void stop(StopReason reason) {
    if (stop_reason != StopReason::none) return;
    stop_reason = reason;
    cancel.emit(boost::asio::cancellation_type::terminal);
  }
  // Forget the last event, keep the memory (buffers larger than `keep_bytes` are freed).
  void reset(std::size_t keep_bytes);
  // Copies an event's JSON (and its environment's, as GitBook's dispatcher sends it) into
  // `body` and parses both in place: event, environment and their *_json are set. The 400
  // answer naming the problem if one does not parse.
  std::optional<Answer> load(events::Parser& parser, std::string_view event_text,
                             std::optional<std::string_view> environment_text = {});
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
  static constexpr std::size_t kKeepBytes = 64 * 1024;  // larger bodies are not kept

  SlotPool() = default;
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;
  ~SlotPool();

  SlotPtr acquire();
  void release(EventSlot* slot) noexcept;
  std::size_t free_count() const noexcept { return free_.size(); }

 private:
  std::vector<EventSlot*> free_;
};

}  // namespace gbrt::runtime
