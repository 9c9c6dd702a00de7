// forward_to_webhook: every site_view, page_feedback and space_content_updated event is
// sent on to another HTTP endpoint, signed as GitBook signs its Webhook deliveries
// (X-GitBook-Signature), retried with exponential back-off. The sending is the context's
// background work (wait_until): the event is answered at once, and a drain waits for it.
// Each attempt goes through the shard's HTTP client (Context::http()): keep-alive, pooled.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <gbrt/runtime/runtime.hpp>

namespace forward_to_webhook {

struct Target {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string path = "/";
  std::string secret;                            // empty: unsigned
  int attempts = 5;                              // in all, the first one included
  std::chrono::milliseconds first_backoff{200};  // doubled after every failed attempt
  std::chrono::seconds timeout{10};              // per attempt
};

struct Counts {
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> retried{0};
  std::atomic<std::uint64_t> given_up{0};
};

// Registers the forwarding handlers; the counts live as long as the runtime needs them.
std::shared_ptr<Counts> register_forwarding(gbrt::Runtime& runtime, Target target);

}  // namespace forward_to_webhook
