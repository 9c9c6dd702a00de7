// One shard's own NATS connection for publishing, driven by the shard's thread
// (nats_event_loop.hpp): messages go out with a reply subject of this lane
// (<inbox>.<sequence>) and JetStream's acknowledgements come back on a synchronous
// subscription drained after each read. No other thread takes part in a publish.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <future>
#include <string>
#include <string_view>

#include <simdjson.h>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <gbrt/forward/jetstream.hpp>
#include <gbrt/forward/publisher.hpp>
#include <gbrt/runtime/wakeup.hpp>

#include "nats_event_loop.hpp"
#include "nats_message.hpp"

namespace gbrt::forward {

class PublishLane {
 public:
  // A publish waiting for its acknowledgement: lives in the publishing coroutine.
  struct Waiter {
    Waiter(runtime::WakeupService& service, const runtime::ShardExecutor& executor)
        : wake(service, executor) {}
    runtime::Wakeup wake;  // fired once `result` is in
    Published result;
    bool done = false;
    std::uint64_t sequence = 0;
    std::chrono::steady_clock::time_point deadline;
  };

  // Connects (on the calling thread, before the shard runs); the connection reconnects by
  // itself. `timeout`: a publish not acknowledged within it fails.
  PublishLane(const JetStreamOptions& options, boost::asio::any_io_executor executor,
              std::chrono::milliseconds timeout);
  // Only once the executor no longer runs (the runtime's shards stopped).
  ~PublishLane();
  PublishLane(const PublishLane&) = delete;
  PublishLane& operator=(const PublishLane&) = delete;

  runtime::WakeupService& wakeups() noexcept { return wakeups_; }

  // On the executor. Sends the message and registers `waiter`, whose wake fires with
  // JetStream's answer, a timeout or the connection's loss; or returns false at once with
  // waiter.result.error set. A header value is one line: line breaks become spaces.
  bool publish(const std::string& subject, std::string_view data, const std::string& message_id,
               const Publisher::Headers& headers, Waiter& waiter,
               std::chrono::steady_clock::time_point started);
  // On the executor: `waiter` no longer waits (answered, or its coroutine was cancelled).
  void forget(Waiter& waiter) noexcept;

 private:
  static void on_disconnected(natsConnection*, void* closure);
  static void on_connected(natsConnection*, void* closure);
  static void on_closed(natsConnection*, void* closure);
  void drain_acknowledgements();
  void answer(natsMsg* ack);
  void no_responders();
  Waiter* take(std::uint64_t sequence) noexcept;
  void finish(Waiter& waiter, Published result);
  void fail(Waiter& waiter, std::string error);  // finish() with an error
  void fail_all(const std::string& error);
  void arm_sweep();
  void sweep();

  boost::asio::any_io_executor executor_;
  runtime::WakeupService& wakeups_;
  std::chrono::milliseconds timeout_;
  NatsEventLoop loop_;
  natsConnection* connection_ = nullptr;
  natsSubscription* acknowledgements_ = nullptr;
  std::string reply_;  // "<inbox>.", then the sequence of the message being built
  std::size_t prefix_size_ = 0;
  std::promise<void> closed_;  // libnats' last callback for this connection has run

  // Executor only.
  bool connected_ = false;
  // Waiters by sequence, from base_: in order of their deadlines; answered ones are null.
  std::deque<Waiter*> waiting_;
  std::uint64_t base_ = 1;
  boost::asio::steady_timer sweep_timer_;
  bool sweeping_ = false;
  simdjson::dom::parser parser_;
};

}  // namespace gbrt::forward
