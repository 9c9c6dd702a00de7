// The worker side: a durable pull consumer shared by every worker process pulls events from
// the stream and runs the runtime's handlers for them (Runtime::run_delivered): acknowledged
// when every handler succeeded; negatively acknowledged with back-off when one failed (5xx,
// 504, no handler here: 406/404); after max_deliver deliveries, or at once for a handler's
// own 4xx verdict (ExposableError, other than 408/429), published to gbrt.dead.<type> with
// the error. A refusal of this process (503: overloaded, shutting down) is a plain retry.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/awaitable.hpp>

#include <gbrt/forward/jetstream.hpp>
#include <gbrt/forward/publisher.hpp>
#include <gbrt/runtime/runtime.hpp>

namespace gbrt::forward {

struct ConsumerOptions {
  std::string name = "gbrt-workers";  // --consumer: the durable consumer every worker shares
  std::size_t max_deliver = 5;        // --max-deliver: deliveries before the dead letter
  // --nak-backoff: redelivery delay after the first failure, doubled each time, at most 1 min.
  std::chrono::milliseconds nak_backoff{1000};
  // --consume-inflight: events pulled and not yet acknowledged, per process.
  std::size_t max_inflight = 1000;
  // Unacknowledged this long (a worker died): JetStream redelivers to another worker. Set
  // when the consumer is created; 0: the longest handler deadline + cancel grace + 5 s.
  std::chrono::milliseconds ack_wait{0};
  std::size_t fetch_batch = 256;  // messages asked for per pull request
};

class Consumer {
 public:
  // Creates the durable consumer if missing, binds to it, registers its series; throws
  // std::runtime_error naming the problem. Pulling starts with start().
  Consumer(JetStream& jetstream, Runtime& runtime, Publisher& dead_letters,
           ConsumerOptions options = {});
  // Stops pulling and waits for the pulling thread. Destroy it once idle() or once the
  // runtime has stopped: a delivery still running uses it.
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  void start();
  // SIGTERM: pull nothing more and wait for the pulling thread (up to half a second); what
  // was pulled still runs and is acknowledged; what a last pull returns is given back (nak).
  void stop_pulling();
  // Nothing pulled is still being handled or acknowledged.
  bool idle() const noexcept { return flow_->in_flight.load() == 0; }

 private:
  void pull_loop();
  void update_lag();
  runtime::ShardAwaitable<void> deliver(void* msg, runtime::Shard& shard);
  runtime::ShardAwaitable<bool> dead_letter(void* msg, std::string_view error,
                                            std::uint64_t deliveries, runtime::Shard& shard);
  // Pulled messages not finished, shared with their coroutines: a coroutine destroyed
  // unfinished (the runtime stopped) still counts itself out after the Consumer is gone.
  struct Flow {
    std::atomic<std::size_t> in_flight{0};
    std::mutex mutex;
    std::condition_variable room;
    std::atomic<double> lag{0};
  };

  JetStream& jetstream_;
  Runtime& runtime_;
  Publisher& dead_letters_;
  ConsumerOptions options_;
  void* subscription_ = nullptr;  // natsSubscription*
  std::thread puller_;
  std::atomic<bool> stopping_{false};
  std::shared_ptr<Flow> flow_ = std::make_shared<Flow>();
  std::size_t next_shard_ = 0;
  runtime::Counter& consumed_;
  runtime::Counter& acked_;
  runtime::Counter& nacked_;
  runtime::Counter& dead_lettered_;
  runtime::Counter& redelivered_;
};

}  // namespace gbrt::forward
