#include <gbrt/runtime/event_slot.hpp>

#include "slot_state.hpp"

namespace gbrt::runtime {

void EventSlot::reset(std::size_t keep_bytes) {
  if (body.capacity() > keep_bytes) body = events::PaddedBuffer();
  body.clear();
  arena.reset();
  event.reset();
  borrowed.reset();
  environment.reset();
  event_json = environment_json = {};
}

std::optional<Answer> EventSlot::load(events::Parser& parser, std::string_view event_text,
                                      std::optional<std::string_view> environment_text) {
  body.append(event_text);
  if (environment_text) body.append(*environment_text);
  const events::PaddedView bytes = body.view();
  auto parsed_event = parser.parse_event(bytes.sub(0, event_text.size()), arena);
  if (!parsed_event) return Answer::parse_error(parsed_event.error());
  event.emplace(std::move(parsed_event.value()));
  event_json = bytes.str().substr(0, event_text.size());
  if (environment_text) {
    auto parsed =
        parser.parse_environment(bytes.sub(event_text.size(), environment_text->size()), arena);
    if (!parsed) return Answer::parse_error(parsed.error(), "environment");
    environment.emplace(std::move(parsed.value()));
    environment_json = bytes.str().substr(event_text.size());
  }
  return std::nullopt;
}

void SlotReturn::operator()(EventSlot* slot) const noexcept {
  if (pool != nullptr) {
    pool->release(slot);
  } else {
    delete &state_of(*slot);
  }
}

SlotPool::~SlotPool() {
  for (EventSlot* slot : free_) delete &state_of(*slot);
}

SlotPtr SlotPool::acquire() {
  if (free_.empty()) return SlotPtr(new SlotState, SlotReturn{this});
  EventSlot* slot = free_.back();
  free_.pop_back();
  if (slot->body.capacity() > kKeepBytes) kept_large_ -= slot->body.capacity();
  return SlotPtr(slot, SlotReturn{this});
}

void SlotPool::release(EventSlot* slot) noexcept {
  if (free_.size() >= kMaxFree) {
    delete &state_of(*slot);
    return;
  }
  std::size_t keep = kKeepBytes;
  const std::size_t capacity = slot->body.capacity();
  if (capacity > kKeepBytes && kept_large_ + capacity <= kKeepLargeBytes) {
    keep = capacity;
    kept_large_ += capacity;
  }
  state_of(*slot).reset(keep);
  free_.push_back(slot);
}

}  // namespace gbrt::runtime
