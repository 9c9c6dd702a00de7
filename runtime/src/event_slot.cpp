#include <gbrt/runtime/event_slot.hpp>

namespace gbrt::runtime {

void EventSlot::reset(std::size_t keep_bytes) {
  if (body.capacity() > keep_bytes) body = events::PaddedBuffer();
  body.clear();
  arena.reset();
  event.reset();
  borrowed.reset();
  environment.reset();
  event_json = environment_json = {};
  type_id = 0;
  from_queue = false;
  stop_reason = StopReason::none;
  waiter = nullptr;
  prev = next = nullptr;
}

void SlotReturn::operator()(EventSlot* slot) const noexcept {
  if (pool != nullptr) {
    pool->release(slot);
  } else {
    delete slot;
  }
}

SlotPool::~SlotPool() {
  for (EventSlot* slot : free_) delete slot;
}

SlotPtr SlotPool::acquire() {
  if (free_.empty()) return SlotPtr(new EventSlot, SlotReturn{this});
  EventSlot* slot = free_.back();
  free_.pop_back();
  return SlotPtr(slot, SlotReturn{this});
}

void SlotPool::release(EventSlot* slot) noexcept {
  if (free_.size() >= kMaxFree) {
    delete slot;
    return;
  }
  slot->reset(kKeepBytes);
  free_.push_back(slot);
}

}  // namespace gbrt::runtime
