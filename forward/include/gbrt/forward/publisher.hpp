// The ingest side: events of types acknowledged `forwarded` are published to JetStream
// asynchronously (many in flight per shard) and answered 202 once JetStream has stored
// them, 503 with Retry-After when it has not within the timeout.
//
// What a 202 promises with Debian 12's nats-server 2.9: the event is in memory on the
// stream's replicas, flushed to disk on a timer, so with 3 replicas it survives the crash
// of any process or of one node, not a power loss of the whole cluster.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include <gbrt/forward/jetstream.hpp>
#include <gbrt/runtime/forwarder.hpp>
#include <gbrt/runtime/metrics.hpp>

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

class Publisher final : public runtime::Forwarder {
 public:
  // Registers its series in `metrics` (the runtime's).
  Publisher(JetStream& jetstream, runtime::Metrics& metrics, PublisherOptions options = {});
  ~Publisher() override;  // waits up to the timeout for publishes still in flight

  boost::asio::awaitable<runtime::Answer> forward(const runtime::EventSlot& slot,
                                                  runtime::Shard& shard) override;
  bool ready() const noexcept override { return jetstream_.connected(); }

  using Headers = std::vector<std::pair<std::string_view, std::string_view>>;
  // Publishes `data` to `subject`; completes on `shard` with JetStream's answer, or an error
  // after the timeout. `message_id` (Nats-Msg-Id) may be empty. A header value is one line:
  // line breaks become spaces (JSON keeps its value: inside its strings they are escaped).
  boost::asio::awaitable<Published> publish(std::string subject, std::string_view data,
                                            std::string message_id, const Headers& headers,
                                            runtime::Shard& shard);

  std::size_t in_flight() const noexcept { return in_flight_.load(); }

 private:
  struct Pending;
  struct Outgoing;
  struct Outbox;
  struct Inbox;
  // What libnats' acknowledgement handler uses: kept alive by the JetStream connection, so
  // an acknowledgement arriving while or after this Publisher is destroyed finds it closed.
  struct Waiters {
    std::mutex mutex;
    std::unordered_map<void*, std::shared_ptr<Pending>> pending;  // by natsMsg*
    // Messages inside js_PublishMsgAsync now: libnats may answer one (a timeout, the
    // connection closing) before that call has finished reading it, so the message is
    // destroyed by whichever of the two finishes last.
    std::unordered_map<void*, bool> in_call;  // natsMsg* -> answered during the call
    bool closed = false;
    // By shard, made at its first publish (on that shard, before any result can come).
    std::vector<std::unique_ptr<Inbox>> inboxes;
    Waiters();
    ~Waiters();
  };
  static void on_ack(void* msg, void* ack, void* error, void* closure);
  // Hands `result` to the shard coroutine waiting in `pending` (from any thread).
  static void complete(Waiters& waiters, std::shared_ptr<Pending> pending, Published result);
  // On the caller thread: the libnats call itself.
  void send(void* msg, std::shared_ptr<Pending> pending, std::string message_id);
  void forget(void* key, const std::shared_ptr<Pending>& pending);
  // On a shard, at the end of its turn: the outbox's messages to the caller thread at once.
  void flush(Outbox& outbox);
  JetStream& jetstream_;
  PublisherOptions options_;
  void* context_ = nullptr;  // jsCtx* with this publisher's acknowledgement handler
  std::shared_ptr<Waiters> waiters_ = std::make_shared<Waiters>();
  std::atomic<std::size_t> in_flight_{0};
  std::vector<std::unique_ptr<Outbox>> outboxes_;  // by shard
  // Failures are logged at most once a second (an outage fails every request).
  std::atomic<std::int64_t> next_log_at_{0};
  std::atomic<std::uint64_t> unlogged_failures_{0};
  runtime::Counter& published_;
  runtime::Counter& failures_;
  runtime::Histogram& latency_;
};

}  // namespace gbrt::forward
