#include "publish_lane.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include <boost/asio/post.hpp>

#include "connection_options.hpp"

namespace gbrt::forward {

namespace asio = boost::asio;

namespace {

// A header value is one line: line breaks become spaces.
std::string one_line(std::string_view text) {
  std::string out(text);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return out;
}

// How often timeouts are looked for: a fraction of the timeout, so a publish fails at most
// that much late, without a timer per publish.
std::chrono::milliseconds sweep_interval(std::chrono::milliseconds timeout) {
  return std::clamp(timeout / 8, std::chrono::milliseconds(5), std::chrono::milliseconds(100));
}

}  // namespace

PublishLane::PublishLane(const JetStreamOptions& options, asio::any_io_executor executor,
                         std::chrono::milliseconds timeout)
    : executor_(std::move(executor)),
      wakeups_(runtime::WakeupService::of(executor_)),
      timeout_(timeout),
      loop_(executor_, [this] { drain_acknowledgements(); }),
      sweep_timer_(executor_) {
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = set_connection_options(opts, options, "gbrt-publish");
  // Writes go through the event loop when asked for, not through a flusher thread.
  if (s == NATS_OK) s = natsOptions_SetSendAsap(opts, true);
  if (s == NATS_OK) s = loop_.install(opts);
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(opts, true, on_connected, this);
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(opts, on_disconnected, this);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(opts, on_connected, this);
  if (s == NATS_OK) s = natsOptions_SetClosedCB(opts, on_closed, this);
  if (s == NATS_OK) {
    s = natsConnection_Connect(&connection_, opts);
    connected_ = s == NATS_OK;
    if (s == NATS_NOT_YET_CONNECTED) s = NATS_OK;  // retried in the background
  }
  natsOptions_Destroy(opts);
  natsInbox* inbox = nullptr;
  if (s == NATS_OK) s = natsInbox_Create(&inbox);
  if (s == NATS_OK) {
    reply_ = std::string(inbox) + '.';
    prefix_size_ = reply_.size();
    natsInbox_Destroy(inbox);
    s = natsConnection_SubscribeSync(&acknowledgements_, connection_, (reply_ + '*').c_str());
  }
  // Drained after every read: no limit, never a slow consumer.
  if (s == NATS_OK) s = natsSubscription_SetPendingLimits(acknowledgements_, -1, -1);
  if (s != NATS_OK) {
    const std::string error = nats_error(s);
    natsSubscription_Destroy(acknowledgements_);
    if (connection_ != nullptr) {
      natsConnection_Close(connection_);
      closed_.get_future().wait();
      natsConnection_Destroy(connection_);
    }
    throw std::runtime_error("NATS: no publishing connection: " + error);
  }
}

PublishLane::~PublishLane() {
  natsSubscription_Destroy(acknowledgements_);
  natsConnection_Close(connection_);
  // Its callbacks use this lane: wait for the last one (they run on libnats' own thread),
  // however late: libnats always delivers the closed callback after a close.
  closed_.get_future().wait();
  natsConnection_Destroy(connection_);
}

// libnats' callback thread: the change is the shard's to apply.
void PublishLane::on_disconnected(natsConnection*, void* closure) {
  auto* lane = static_cast<PublishLane*>(closure);
  asio::post(lane->executor_, [lane] {
    lane->connected_ = false;
    // Acknowledgements of what was sent on the lost connection would not reach us: answer
    // now (a retry is safe, Nats-Msg-Id deduplicates).
    lane->fail_all("NATS connection lost");
  });
}

void PublishLane::on_connected(natsConnection*, void* closure) {
  auto* lane = static_cast<PublishLane*>(closure);
  asio::post(lane->executor_, [lane] { lane->connected_ = true; });
}

void PublishLane::on_closed(natsConnection*, void* closure) {
  static_cast<PublishLane*>(closure)->closed_.set_value();
}

bool PublishLane::publish(const std::string& subject, std::string_view data,
                          const std::string& message_id, const Publisher::Headers& headers,
                          Waiter& waiter, std::chrono::steady_clock::time_point started) {
  if (!connected_) {
    waiter.result.error = "NATS connection lost: reconnecting";
    return false;
  }
  const std::uint64_t sequence = base_ + waiting_.size();
  reply_.resize(prefix_size_);
  char digits[24];
  reply_.append(digits, std::to_chars(digits, digits + sizeof digits, sequence).ptr);
  natsMsg* msg = nullptr;
  natsStatus s =
      natsMsg_Create(&msg, subject.c_str(), reply_.c_str(), data.data(), int(data.size()));
  if (s == NATS_OK && !message_id.empty())
    s = natsMsgHeader_Set(msg, "Nats-Msg-Id", message_id.c_str());
  for (const auto& [name, value] : headers) {
    if (s == NATS_OK)
      s = natsMsgHeader_Set(msg, std::string(name).c_str(), one_line(value).c_str());
  }
  if (s == NATS_OK) s = natsConnection_PublishMsg(connection_, msg);
  destroy_now(msg);
  if (s != NATS_OK) {
    waiter.result.error = nats_error(s);
    return false;
  }
  waiter.sequence = sequence;
  waiter.deadline = started + timeout_;
  waiting_.push_back(&waiter);
  arm_sweep();
  return true;
}

void PublishLane::forget(Waiter& waiter) noexcept {
  if (!waiter.done) take(waiter.sequence);
}

PublishLane::Waiter* PublishLane::take(std::uint64_t sequence) noexcept {
  if (sequence < base_ || sequence - base_ >= waiting_.size()) return nullptr;
  Waiter* waiter = std::exchange(waiting_[sequence - base_], nullptr);
  while (!waiting_.empty() && waiting_.front() == nullptr) {
    waiting_.pop_front();
    ++base_;
  }
  return waiter;
}

void PublishLane::finish(Waiter& waiter, Published result) {
  waiter.result = std::move(result);
  waiter.done = true;
  waiter.wake.fire();
}

void PublishLane::fail(Waiter& waiter, std::string error) {
  Published failed;
  failed.error = std::move(error);
  finish(waiter, std::move(failed));
}

void PublishLane::drain_acknowledgements() {
  int count = 0;
  if (natsSubscription_GetPending(acknowledgements_, &count, nullptr) != NATS_OK) return;
  for (; count > 0; --count) {
    natsMsg* ack = nullptr;
    const natsStatus s = natsSubscription_NextMsg(&ack, acknowledgements_, 0);
    if (s == NATS_NO_RESPONDERS) {
      no_responders();
      continue;
    }
    if (s != NATS_OK) break;
    answer(ack);
    destroy_now(ack);
  }
}

// NATS answered a publish "no responders": no stream takes its subject (it was deleted, or
// JetStream is not there). NextMsg swallows that message, and with it which publish it
// answers; the oldest waiting one is failed. If that was not the one, nothing wrong is
// promised: the one answered 503 is retried (its Nats-Msg-Id deduplicates), and the other
// is answered by its own "no responders" or its timeout. Without a stream, all get one.
void PublishLane::no_responders() {
  if (waiting_.empty()) return;
  Waiter* oldest = take(base_);
  if (oldest != nullptr) fail(*oldest, "no responders: no JetStream stream takes this subject");
}

// JetStream's PubAck: {"stream":"S","seq":N[,"duplicate":true]} or {"error":{"code":C,
// "description":"…"}}.
void PublishLane::answer(natsMsg* ack) {
  const std::string_view subject = natsMsg_GetSubject(ack);
  std::uint64_t sequence = 0;
  if (subject.size() <= prefix_size_) return;
  const char* first = subject.data() + prefix_size_;
  const char* last = subject.data() + subject.size();
  if (std::from_chars(first, last, sequence).ptr != last) return;
  Waiter* waiter = take(sequence);
  if (waiter == nullptr) return;  // it timed out or was cancelled already
  Published result;
  simdjson::dom::element doc;
  if (parser_.parse(natsMsg_GetData(ack), std::size_t(natsMsg_GetDataLength(ack))).get(doc)) {
    result.error = "unreadable JetStream acknowledgement";
  } else if (simdjson::dom::element error; !doc["error"].get(error)) {
    std::string_view description;
    std::int64_t code = 0;
    if (error["description"].get(description) != simdjson::SUCCESS) description = "unknown";
    if (error["code"].get(code) != simdjson::SUCCESS) code = 0;
    result.error = "JetStream error " + std::to_string(code) + ": " + std::string(description);
  } else if (std::uint64_t seq = 0; !doc["seq"].get(seq)) {
    bool duplicate = false;
    if (doc["duplicate"].get(duplicate) != simdjson::SUCCESS) duplicate = false;
    result.stored = true;
    result.duplicate = duplicate;
    result.sequence = seq;
  } else {
    result.error = "JetStream acknowledgement without a sequence";
  }
  finish(*waiter, std::move(result));
}

void PublishLane::fail_all(const std::string& error) {
  std::deque<Waiter*> waiting;
  waiting.swap(waiting_);
  base_ += waiting.size();
  for (Waiter* waiter : waiting) {
    if (waiter != nullptr) fail(*waiter, error);
  }
}

void PublishLane::arm_sweep() {
  if (sweeping_ || waiting_.empty()) return;
  sweeping_ = true;
  sweep_timer_.expires_after(sweep_interval(timeout_));
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    sweeping_ = false;
    if (!ec) sweep();
  });
}

void PublishLane::sweep() {
  loop_.read_if_pending();
  const auto now = std::chrono::steady_clock::now();
  while (!waiting_.empty()) {
    Waiter* waiter = waiting_.front();
    if (waiter != nullptr && waiter->deadline > now) break;
    waiting_.pop_front();
    ++base_;
    if (waiter != nullptr) fail(*waiter, "no acknowledgement within --forward-timeout");
  }
  arm_sweep();
}

}  // namespace gbrt::forward
