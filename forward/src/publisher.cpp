// Asynchronous, pipelined publishes. A shard builds the message and puts it in its outbox;
// at the end of the shard's turn the whole outbox goes to the JetStream caller thread in
// one hand-off (not one per message), which calls js_PublishMsgAsync for each (it takes the
// connection's lock, and writes to the socket when libnats' buffer is full); libnats calls on_ack
// on its own thread when JetStream answers (or MaxWait passes), and the result is posted back to
// the shard whose coroutine waits for it. A shard thread never waits on NATS.
#include <gbrt/forward/publisher.hpp>

#include <nats/nats.h>

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gbrt/runtime/log.hpp>
#include <gbrt/runtime/runtime.hpp>

#include "nats_handles.hpp"

namespace gbrt::forward {

namespace asio = boost::asio;
using runtime::Answer;

namespace {

constexpr std::chrono::seconds kRetryAfter{1};

// The type as one subject token: '.', '*', '>', white space and the like become '_' (the
// event itself, unchanged, still says its type; workers read it from there).
std::string subject_token(std::string_view type) {
  std::string token(type.empty() ? std::string_view("_") : type);
  for (char& c : token) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-';
    if (!plain) c = '_';
  }
  return token;
}

// nats-server refuses to store a message whose header block is over 64 KiB - 1 bytes
// (JetStream keeps its length in 16 bits).
constexpr std::size_t kMaxHeaderBytes = 65535;

// The header block as NATS sends it: "NATS/1.0\r\n", then "Name: value\r\n" for each
// header (libnats adds Nats-Msg-Id to ours), then "\r\n".
std::size_t header_bytes(std::string_view message_id, const Publisher::Headers& headers) {
  std::size_t bytes = std::string_view("NATS/1.0\r\n\r\n").size();
  auto add = [&bytes](std::string_view name, std::string_view value) {
    bytes += name.size() + value.size() + std::string_view(": \r\n").size();
  };
  if (!message_id.empty()) add("Nats-Msg-Id", message_id);
  for (const auto& [name, value] : headers) add(name, value);
  return bytes;
}

// A header value is one line: line breaks become spaces.
std::string one_line(std::string_view text) {
  std::string out(text);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return out;
}

}  // namespace

struct Publisher::Pending {
  Pending(const asio::any_io_executor& executor, std::size_t shard)
      : wake(executor), shard(shard) {}
  asio::steady_timer wake;  // cancelled when the result is in
  std::size_t shard;
  bool done = false;
  Published result;
};

// Results for one shard from libnats' threads, handed over in one wake-up per burst of
// acknowledgements, not one per message.
struct Publisher::Inbox {
  explicit Inbox(asio::any_io_executor executor) : executor(std::move(executor)) {}
  asio::any_io_executor executor;
  std::mutex mutex;
  std::vector<std::pair<std::shared_ptr<Pending>, Published>> results;
  std::vector<std::pair<std::shared_ptr<Pending>, Published>> delivering;  // shard only
  bool drain_posted = false;
};

// A publish built on a shard, waiting for the end of the shard's turn.
struct Publisher::Outgoing {
  void* msg;
  std::shared_ptr<Pending> pending;
  std::string message_id;
};

struct Publisher::Outbox {
  std::vector<Outgoing> messages;
  bool flush_posted = false;
};

Publisher::Waiters::Waiters() = default;
Publisher::Waiters::~Waiters() = default;

Publisher::Publisher(JetStream& jetstream, runtime::Metrics& metrics, PublisherOptions options)
    : jetstream_(jetstream),
      options_(options),
      published_(
          metrics.counter("gbrt_forward_published_total",
                          "Events stored by JetStream (--ack TYPE=forwarded, dead letters).")),
      failures_(
          metrics.counter("gbrt_forward_publish_failures_total",
                          "Publishes JetStream did not acknowledge in time or refused (503).")),
      latency_(metrics.histogram("gbrt_forward_publish_duration_seconds",
                                 "Time from publish to JetStream's acknowledgement.")) {
  for (std::size_t i = 0; i < metrics.shards(); ++i)
    outboxes_.push_back(std::make_unique<Outbox>());
  waiters_->inboxes.resize(metrics.shards());
  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.PublishAsync.AckHandler = [](jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* error,
                                          void* closure) { on_ack(msg, ack, error, closure); };
  js_options.PublishAsync.AckHandlerClosure = waiters_.get();
  jetstream_.keep_until_closed(waiters_);
  // Our own cap (max_pending) refuses first; libnats' is a backstop that never stalls.
  js_options.PublishAsync.MaxPending = std::int64_t(options_.max_pending) + 1024;
  js_options.PublishAsync.StallWait = 1;
  jsCtx* js = nullptr;
  natsStatus s = natsConnection_JetStream(&js, NatsHandles::connection(jetstream_), &js_options);
  if (s != NATS_OK) throw std::runtime_error("NATS: no JetStream context: " + nats_error(s));
  context_ = js;
}

Publisher::~Publisher() {
  jetstream_.finish_calls();  // no publish of ours is still queued for the caller thread
  auto* js = static_cast<jsCtx*>(context_);
  jsPubOptions wait;
  jsPubOptions_Init(&wait);
  wait.MaxWait = options_.timeout.count();
  js_PublishAsyncComplete(js, &wait);
  {
    // Acknowledgements still to come (NATS down at shutdown) find nobody to tell.
    std::lock_guard lock(waiters_->mutex);
    waiters_->closed = true;
    waiters_->pending.clear();
  }
  jsCtx_Destroy(js);
}

void Publisher::on_ack(void* msg_ptr, void* ack_ptr, void* error_ptr, void* closure) {
  auto* waiters = static_cast<Waiters*>(closure);
  auto* msg = static_cast<natsMsg*>(msg_ptr);
  auto* ack = static_cast<jsPubAck*>(ack_ptr);
  auto* error = static_cast<jsPubAckErr*>(error_ptr);
  std::shared_ptr<Pending> pending;
  bool publishing = false;
  {
    std::lock_guard lock(waiters->mutex);
    if (auto it = waiters->pending.find(msg); !waiters->closed && it != waiters->pending.end()) {
      pending = std::move(it->second);
      waiters->pending.erase(it);
    }
    if (auto it = waiters->in_call.find(msg); it != waiters->in_call.end()) {
      it->second = true;  // publish() destroys it once js_PublishMsgAsync has returned
      publishing = true;
    }
  }
  if (!publishing) natsMsg_Destroy(msg);
  if (!pending) return;  // its waiter gave up already (timeout), or the publisher is gone
  Published result;
  if (ack != nullptr) {
    result.stored = true;
    result.duplicate = ack->Duplicate;
    result.sequence = ack->Sequence;
  } else if (error != nullptr) {
    result.error = natsStatus_GetText(error->Err);
    if (error->ErrText != nullptr && *error->ErrText != '\0') {
      result.error += ": ";
      result.error += error->ErrText;
    }
  } else {
    result.error = "no acknowledgement";
  }
  complete(*waiters, std::move(pending), std::move(result));
}

void Publisher::complete(Waiters& waiters, std::shared_ptr<Pending> pending, Published result) {
  Inbox& inbox = *waiters.inboxes[pending->shard];
  {
    std::lock_guard lock(inbox.mutex);
    inbox.results.emplace_back(std::move(pending), std::move(result));
    if (inbox.drain_posted) return;
    inbox.drain_posted = true;
  }
  asio::post(inbox.executor, [&inbox] {
    {
      std::lock_guard lock(inbox.mutex);
      inbox.drain_posted = false;
      inbox.delivering.swap(inbox.results);
    }
    for (auto& [done, result] : inbox.delivering) {
      done->result = std::move(result);
      done->done = true;
      done->wake.cancel();
    }
    inbox.delivering.clear();
  });
}

void Publisher::send(void* msg_ptr, std::shared_ptr<Pending> pending, std::string message_id) {
  auto* msg = static_cast<natsMsg*>(msg_ptr);
  natsMsg* const key = msg;
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MaxWait = options_.timeout.count();
  if (!message_id.empty()) options.MsgId = message_id.c_str();
  const natsStatus s = js_PublishMsgAsync(static_cast<jsCtx*>(context_), &msg, &options);
  bool answered = false;
  {
    std::lock_guard lock(waiters_->mutex);
    if (auto it = waiters_->in_call.find(key); it != waiters_->in_call.end()) {
      answered = it->second;
      waiters_->in_call.erase(it);
    }
  }
  if (answered) natsMsg_Destroy(key);  // on_ack ran during the call and left it to us
  if (s != NATS_OK) {
    forget(key, pending);
    natsMsg_Destroy(msg);  // null if libnats took it
    Published failed;
    failed.error = nats_error(s);
    complete(*waiters_, std::move(pending), std::move(failed));
  }
}

void Publisher::flush(Outbox& outbox) {
  outbox.flush_posted = false;
  asio::post(jetstream_.caller(), [this, messages = std::move(outbox.messages)]() mutable {
    for (Outgoing& out : messages) send(out.msg, std::move(out.pending), std::move(out.message_id));
  });
  outbox.messages.clear();
}

// Drops `key`'s entry if it is still this waiter's: the address of a message libnats has
// freed may already belong to a newer publish.
void Publisher::forget(void* key, const std::shared_ptr<Pending>& pending) {
  std::lock_guard lock(waiters_->mutex);
  if (auto it = waiters_->pending.find(key);
      it != waiters_->pending.end() && it->second == pending) {
    waiters_->pending.erase(it);
  }
}

asio::awaitable<Published> Publisher::publish(std::string subject, std::string_view data,
                                              std::string message_id, const Headers& headers,
                                              runtime::Shard& shard) {
  const auto start = std::chrono::steady_clock::now();
  Published failed;
  if (in_flight_.fetch_add(1) >= options_.max_pending) {
    in_flight_.fetch_sub(1);
    failures_.inc(shard.index());
    failed.error = "too many publishes in flight (--forward-max-pending)";
    co_return failed;
  }
  natsMsg* msg = nullptr;
  natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, data.data(), int(data.size()));
  for (const auto& [name, value] : headers) {
    if (s == NATS_OK)
      s = natsMsgHeader_Set(msg, std::string(name).c_str(), one_line(value).c_str());
  }
  if (s != NATS_OK) {
    natsMsg_Destroy(msg);
    in_flight_.fetch_sub(1);
    failures_.inc(shard.index());
    failed.error = nats_error(s);
    co_return failed;
  }
  Waiters& waiters = *waiters_;
  if (!waiters.inboxes[shard.index()]) {
    std::lock_guard lock(waiters.mutex);
    waiters.inboxes[shard.index()] = std::make_unique<Inbox>(shard.executor());
  }
  auto pending = std::make_shared<Pending>(shard.executor(), shard.index());
  natsMsg* const key = msg;
  {
    std::lock_guard lock(waiters_->mutex);
    waiters_->pending.emplace(key, pending);
    waiters_->in_call.emplace(key, false);
  }
  Outbox& outbox = *outboxes_[shard.index()];
  outbox.messages.push_back({key, pending, std::move(message_id)});
  if (!outbox.flush_posted) {
    outbox.flush_posted = true;
    asio::post(shard.executor(), [this, &outbox] { flush(outbox); });
  }
  // libnats answers by MaxWait at the latest; the margin covers a connection that closed.
  pending->wake.expires_after(options_.timeout + std::chrono::milliseconds(500));
  co_await pending->wake.async_wait(asio::as_tuple(asio::use_awaitable));
  in_flight_.fetch_sub(1);
  if (!pending->done) {
    forget(key, pending);  // a late acknowledgement finds nobody and is dropped
    failed.error = "no acknowledgement within --forward-timeout";
  } else {
    failed = std::move(pending->result);
  }
  if (failed.stored) {
    published_.inc(shard.index());
    latency_.record(shard.index(), std::chrono::steady_clock::now() - start);
  } else {
    failures_.inc(shard.index());
  }
  co_return failed;
}

asio::awaitable<Answer> Publisher::forward(const runtime::EventSlot& slot, runtime::Shard& shard) {
  const events::EventBase& event = events::base(*slot.event);
  Headers headers;
  if (!slot.environment_json.empty())
    headers.emplace_back(kEnvironmentHeader, slot.environment_json);
  // What NATS cannot take is the sender's to fix: say so (a retry would not help). The
  // eventId travels as a header (Nats-Msg-Id, JetStream's duplicate check), and so does the
  // environment.
  const std::size_t header_size = header_bytes(event.event_id, headers);
  if (header_size > kMaxHeaderBytes) {
    const bool id = event.event_id.size() >= slot.environment_json.size();
    co_return Answer::error(413, std::string("Event cannot be forwarded: its ") +
                                     (id ? "eventId" : "environment") +
                                     " is too long (NATS message headers hold at most " +
                                     std::to_string(kMaxHeaderBytes) + " bytes; this event needs " +
                                     std::to_string(header_size) + ")");
  }
  const std::size_t size = slot.event_json.size() + header_size;
  const std::int64_t max_payload = jetstream_.max_payload();
  if (max_payload > 0 && size > std::size_t(max_payload)) {
    co_return Answer::error(413, "Event too large to forward: the NATS server takes at most " +
                                     std::to_string(max_payload) + " bytes (max_payload)");
  }
  Published result = co_await publish("gbrt.events." + subject_token(event.type), slot.event_json,
                                      std::string(event.event_id), headers, shard);
  if (!result.stored) {
    const std::int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
    std::int64_t due = next_log_at_.load();
    if (now >= due &&
        next_log_at_.compare_exchange_strong(
            due, now + std::int64_t(std::chrono::nanoseconds(std::chrono::seconds(1)).count()))) {
      const std::string others = std::to_string(unlogged_failures_.exchange(0));
      log::warn("forward failed: answering 503", {{"event_id", event.event_id},
                                                  {"event_type", event.type},
                                                  {"error", result.error},
                                                  {"failures_not_logged", others, true}});
    } else {
      unlogged_failures_.fetch_add(1);
    }
    co_return Answer::unavailable("Event store unavailable: " + result.error, kRetryAfter);
  }
  std::string body = R"({"status":"forwarded","stream":")";
  append_json_escaped(body, jetstream_.options().stream);
  body += R"(","seq":)" + std::to_string(result.sequence);
  if (result.duplicate) body += R"(,"duplicate":true)";
  body += '}';
  Answer answer = Answer::json(202, std::move(body));
  answer.duplicate = result.duplicate;
  co_return answer;
}

}  // namespace gbrt::forward
