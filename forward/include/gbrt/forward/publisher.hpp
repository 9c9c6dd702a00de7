// The ingest side: events of types acknowledged `forwarded` are published to JetStream
// asynchronously (many in flight per shard, each shard on its own connection, driven by the
// shard's thread) and answered 202 once JetStream has stored them, 503 with Retry-After
// when it has not within the timeout.
//
// What a 202 promises with Debian 12's nats-server 2.9: the event is in memory on the
// stream's replicas, flushed to disk on a timer, so with 3 replicas it survives the crash
// of any process or of one node, not a power loss of the whole cluster.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include <gbrt/forward/jetstream.hpp>
#include <gbrt/runtime/forwarder.hpp>
#include <gbrt/runtime/metrics.hpp>
#include <gbrt/runtime/runtime.hpp>

namespace gbrt::forward {

struct PublisherOptions {
  // No JetStream acknowledgement within this: 503 + Retry-After (--forward-timeout).
  std::chrono::milliseconds timeout{2000};
  // Publishes awaiting their acknowledgement, whole process; past it: 503 (--forward-max-pending).
  std::size_t max_pending = 10000;
};

// The outcome of one publish.
struct Published {
  bool stored = false;
  bool duplicate = false;  // JetStream had this Nats-Msg-Id within its duplicate window
  std::uint64_t sequence = 0;
  std::string error;  // when not stored
};

class PublishLane;

class Publisher final : public runtime::Forwarder {
 public:
  // One publishing connection per shard of `runtime` (made here), its series in the
  // runtime's metrics.
  Publisher(JetStream& jetstream, runtime::Runtime& runtime, PublisherOptions options = {});
  // After the runtime's shards have stopped (their publishes are answered by then: the
  // runtime drains before it stops).
  ~Publisher() override;

  runtime::ShardAwaitable<runtime::Answer> forward(const runtime::EventSlot& slot,
                                                   runtime::Shard& shard) override;
  bool ready() const noexcept override { return jetstream_.connected(); }

  using Headers = std::vector<std::pair<std::string_view, std::string_view>>;
  // Publishes `data` to `subject`; completes on `shard` with JetStream's answer, or an error
  // after the timeout or when the connection drops. `message_id` (Nats-Msg-Id) may be
  // empty. A header value is one line: line breaks become spaces (JSON keeps its value:
  // inside its strings they are escaped).
  runtime::ShardAwaitable<Published> publish(std::string subject, std::string_view data,
                                             std::string message_id, const Headers& headers,
                                             runtime::Shard& shard);

  std::size_t in_flight() const noexcept { return in_flight_.load(); }

 private:
  JetStream& jetstream_;
  PublisherOptions options_;
  std::atomic<std::size_t> in_flight_{0};
  std::vector<std::unique_ptr<PublishLane>> lanes_;  // by shard
  // Failures are logged at most once a second (an outage fails every request).
  std::atomic<std::int64_t> next_log_at_{0};
  std::atomic<std::uint64_t> unlogged_failures_{0};
  runtime::Counter& published_;
  runtime::Counter& failures_;
  runtime::Histogram& latency_;
};

}  // namespace gbrt::forward
