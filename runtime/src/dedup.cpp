#include <gbrt/runtime/dedup.hpp>

#include <sodium.h>

#include <cstring>
#include <stdexcept>

namespace gbrt::runtime {

DedupTable::DedupTable(std::chrono::seconds window, std::size_t capacity)
    : window_(window), per_stripe_(capacity / kStripes + 1) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
  static_assert(sizeof key_ == crypto_shorthash_siphashx24_KEYBYTES);
  randombytes_buf(key_.data(), key_.size());
}

DedupTable::IdHash DedupTable::hash(std::string_view event_id) const noexcept {
  unsigned char out[crypto_shorthash_siphashx24_BYTES];
  static_assert(sizeof out == sizeof(IdHash));
  crypto_shorthash_siphashx24(out, reinterpret_cast<const unsigned char*>(event_id.data()),
                              event_id.size(), key_.data());
  IdHash h;
  std::memcpy(h.data(), out, sizeof out);
  return h;
}

bool DedupTable::seen(std::string_view event_id, Clock::time_point now) {
  const IdHash h = hash(event_id);
  Stripe& stripe = stripe_of(h);
  std::lock_guard lock(stripe.mutex);
  auto it = stripe.handled.find(h);
  return it != stripe.handled.end() && now - it->second <= window_;
}

void DedupTable::mark(std::string_view event_id, Clock::time_point now) {
  const IdHash h = hash(event_id);
  Stripe& stripe = stripe_of(h);
  std::lock_guard lock(stripe.mutex);
  if (auto it = stripe.handled.find(h); it != stripe.handled.end()) {
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
  stripe.handled.emplace(h, now);
  stripe.order.push_back(h);
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
