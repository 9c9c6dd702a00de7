#include <gbrt/runtime/dedup.hpp>

namespace gbrt::runtime {

DedupTable::DedupTable(std::chrono::seconds window, std::size_t capacity)
    : window_(window), per_stripe_(capacity / kStripes + 1) {}

bool DedupTable::seen(std::string_view event_id, Clock::time_point now) {
  Stripe& stripe = stripe_of(event_id);
  std::lock_guard lock(stripe.mutex);
  auto it = stripe.handled.find(event_id);
  return it != stripe.handled.end() && now - it->second <= window_;
}

void DedupTable::mark(std::string_view event_id, Clock::time_point now) {
  Stripe& stripe = stripe_of(event_id);
  std::lock_guard lock(stripe.mutex);
  if (auto it = stripe.handled.find(event_id); it != stripe.handled.end()) {
    it->second = now;  // a later handling extends the window
    return;
  }
  // Forget what is out of the window, then the oldest if still full.
  while (!stripe.order.empty()) {
    auto oldest = stripe.handled.find(stripe.order.front());
    if (stripe.handled.size() < per_stripe_ && now - oldest->second <= window_) break;
    stripe.handled.erase(oldest);
    stripe.order.pop_front();
  }
  auto [inserted, ok] = stripe.handled.emplace(std::string(event_id), now);
  stripe.order.push_back(inserted->first);  // node-based map: the key's address is stable
}

std::size_t DedupTable::size() {
  std::size_t n = 0;
  for (Stripe& stripe : stripes_) {
    std::lock_guard lock(stripe.mutex);
    n += stripe.handled.size();
  }
  return n;
}

}  // namespace gbrt::runtime
