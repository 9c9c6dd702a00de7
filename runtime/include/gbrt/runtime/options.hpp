// Options of a gbrt::Runtime, each with its default and meaning (the server's flags of
// the same names set them).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>

#include <gbrt/events/parse.hpp>
#include <gbrt/http/client.hpp>

namespace gbrt::runtime {

// How an event of a type is answered.
enum class AckMode : std::uint8_t {
  handled,    // after every handler finished (GitBook's semantics): 200, or the failure's code
  queued,     // at once, 202, once copied into the shard's bounded queue; handlers run later
  forwarded,  // 202 once the Runtime's Forwarder (a JetStream stream, say) has stored it;
              // handlers run where the forwarder's consumers are (Runtime::run_delivered)
  stored,     // 200 once the Runtime's store (PostgreSQL: gbrt::pg::EventStore) has committed
              // it; then its handlers run, if it has any, and their failure is the answer
};

struct RuntimeOptions {
  // Shards: threads, each with its own executor. 0: one per core.
  std::size_t threads = 0;
  // Largest event the parser accepts (bytes); the server sets it to --max-body.
  std::size_t max_event_bytes = events::Parser::kDefaultMaxBytes;

  // Events whose handlers run at once, all types together (--max-inflight). Past it: 503.
  std::size_t max_inflight = 10000;
  // Per type name (--max-inflight-per-type TYPE=N); absent: only the global cap.
  std::map<std::string, std::size_t> max_inflight_per_type;

  // Handler deadline (--deadline TYPE=ms sets one type's): past it the handlers are
  // cancelled and the event is answered 504. Under GitBook's 10 s sender timeout.
  std::chrono::milliseconds deadline{8000};
  std::map<std::string, std::chrono::milliseconds> deadline_per_type;
  // After cancelling at the deadline, how long the answer waits for the handlers to
  // unwind before answering 504 anyway (a handler that ignores cancellation).
  std::chrono::milliseconds cancel_grace{1000};
  // A handler running longer than this is logged once, while it runs (--slow-handler-ms).
  std::chrono::milliseconds slow_handler{1000};
  // Handlers still running after this long get their client watched: if it leaves, they
  // are cancelled. Sooner costs a syscall on every event; later notices a departure later.
  std::chrono::milliseconds client_watch_after{20};

  // Per type name (--ack TYPE=handled|queued|forwarded|stored); absent: handled.
  std::map<std::string, AckMode> ack_per_type;
  // Queued events waiting per shard (--queue-capacity); a full queue answers 503.
  std::size_t queue_capacity = 10000;
  // Queued events whose handlers run at once, per shard.
  std::size_t queue_concurrency = 64;

  // Duplicate suppression (--dedup-window S): an event whose eventId was handled (2xx) in
  // the last S seconds is answered 200 without running handlers (GitBook retries). 0: off.
  std::chrono::seconds dedup_window{0};
  // Event ids remembered at most (--dedup-capacity); the oldest are forgotten first.
  std::size_t dedup_capacity = 1000000;

  // Threads of the compute pool behind Context::offload(); 0: one per core.
  std::size_t compute_threads = 0;

  // The outbound HTTP client of each shard (Context::http(), the API client), made when a
  // handler first uses it: CA file, timeouts, pool and retry limits (http/client.hpp).
  http::ClientOptions http;
};

}  // namespace gbrt::runtime

// What a handler or an embedder names, as gbrt::X (like gbrt::Runtime and gbrt::Context).
namespace gbrt {
using runtime::AckMode;
using runtime::RuntimeOptions;
}  // namespace gbrt
