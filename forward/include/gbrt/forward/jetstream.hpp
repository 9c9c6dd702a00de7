// A connection to a NATS JetStream cluster and the stream gbrt's events go to.
//
// Subjects: gbrt.events.<type> (events, published unchanged, Nats-Msg-Id = eventId) and
// gbrt.dead.<type> (events whose handlers kept failing, with the error), both in one stream.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace gbrt::forward {

inline constexpr const char* kEventSubjects = "gbrt.events.>";
inline constexpr const char* kDeadSubjects = "gbrt.dead.>";
inline constexpr const char* kEnvironmentHeader = "Gbrt-Environment";

struct JetStreamOptions {
  // Server URLs (--nats), e.g. nats://10.0.0.1:4222; the client fails over between them.
  std::vector<std::string> servers{"nats://127.0.0.1:4222"};
  std::string stream = "GBRT_EVENTS";  // --stream
  // Used only when the stream is created (an existing stream keeps its configuration).
  int replicas = 1;                             // --stream-replicas
  std::chrono::seconds max_age{7 * 24 * 3600};  // --stream-max-age; 0: no age limit
  std::chrono::seconds duplicate_window{120};   // --duplicate-window: same eventId stored once
  // How long start-up waits for the cluster (connect, JetStream ready, stream created).
  std::chrono::milliseconds startup_timeout{30000};  // --nats-startup-timeout
};

// Owns the connection (reconnecting forever) and a JetStream context for management.
class JetStream {
 public:
  // Connects and makes sure the stream exists; throws std::runtime_error naming the
  // problem if that is not done within options.startup_timeout.
  explicit JetStream(JetStreamOptions options);
  ~JetStream();
  JetStream(const JetStream&) = delete;
  JetStream& operator=(const JetStream&) = delete;

  const JetStreamOptions& options() const noexcept { return options_; }
  // The thread that makes the libnats calls which take this connection's lock (the
  // consumer's ack, nak, term; publishes have connections of their own): shards only post to it, so
  // a NATS server that stops reading never holds a shard. Calls run in the order posted.
  boost::asio::io_context::executor_type caller() noexcept { return calls_.get_executor(); }
  // Waits until everything posted to caller() so far has run (not from a shard, nor from
  // the caller thread itself).
  void finish_calls();
  // finish_calls(), then waits (up to `timeout`) until the connection has sent it all.
  void flush(std::chrono::milliseconds timeout);
  // Whether the connection to the cluster is up, and the largest message its server takes
  // (0: not known yet), as of at most kStatusPoll ago: read by shards without taking the
  // connection's lock, which only the caller thread does.
  bool connected() const noexcept { return connected_.load(std::memory_order_relaxed); }
  std::int64_t max_payload() const noexcept { return max_payload_.load(std::memory_order_relaxed); }
  static constexpr std::chrono::milliseconds kStatusPoll{250};

 private:
  friend struct NatsHandles;  // forward/src/nats_handles.hpp: the libnats handles, typed
  void ensure_stream();
  void poll_status();  // on the caller thread, every kStatusPoll until stop_polling_
  JetStreamOptions options_;
  void* connection_ = nullptr;  // natsConnection*, untyped to keep nats.h out of this header
  void* context_ = nullptr;     // jsCtx*
  boost::asio::io_context calls_{1};
  std::atomic<bool> connected_{true};  // ensure_stream() succeeds only when connected
  std::atomic<std::int64_t> max_payload_{0};
  boost::asio::steady_timer status_timer_{calls_};
  bool stop_polling_ = false;  // caller thread only
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      keep_calling_;
  std::thread caller_thread_;
};

// libnats' text for a status code and the library's last error detail.
std::string nats_error(int status);

}  // namespace gbrt::forward
