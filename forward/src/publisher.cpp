// Asynchronous, pipelined publishes without a thread hand-off: each shard owns a NATS
// connection whose socket its own thread reads and writes (publish_lane.hpp). A publish is
// written with the shard turn's others in one write; JetStream's acknowledgement is read on
// the same thread and wakes the waiting coroutine there. A shard thread never waits on NATS.
#include <gbrt/forward/publisher.hpp>

#include <nats/nats.h>

#include <algorithm>

#include <boost/asio/use_awaitable.hpp>

#include <gbrt/runtime/log.hpp>
#include <gbrt/runtime/runtime.hpp>

#include "publish_lane.hpp"

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
// header (Nats-Msg-Id, then ours), then "\r\n".
std::size_t header_bytes(std::string_view message_id, const Publisher::Headers& headers) {
  std::size_t bytes = std::string_view("NATS/1.0\r\n\r\n").size();
  auto add = [&bytes](std::string_view name, std::string_view value) {
    bytes += name.size() + value.size() + std::string_view(": \r\n").size();
  };
  if (!message_id.empty()) add("Nats-Msg-Id", message_id);
  for (const auto& [name, value] : headers) add(name, value);
  return bytes;
}

}  // namespace

Publisher::Publisher(JetStream& jetstream, runtime::Runtime& runtime, PublisherOptions options)
    : jetstream_(jetstream),
      options_(options),
      published_(runtime.metrics().counter(
          "gbrt_forward_published_total",
          "Events stored by JetStream (--ack TYPE=forwarded, dead letters).")),
      failures_(runtime.metrics().counter(
          "gbrt_forward_publish_failures_total",
          "Publishes JetStream did not acknowledge in time or refused (503).")),
      latency_(runtime.metrics().histogram("gbrt_forward_publish_duration_seconds",
                                           "Time from publish to JetStream's acknowledgement.")) {
  for (std::size_t i = 0; i < runtime.shard_count(); ++i) {
    lanes_.push_back(std::make_unique<PublishLane>(jetstream_.options(),
                                                   runtime.shard(i).executor(), options_.timeout));
  }
}

Publisher::~Publisher() = default;

runtime::ShardAwaitable<Published> Publisher::publish(std::string subject, std::string_view data,
                                                      std::string message_id,
                                                      const Headers& headers,
                                                      runtime::Shard& shard) {
  const auto start = std::chrono::steady_clock::now();
  if (in_flight_.fetch_add(1) >= options_.max_pending) {
    in_flight_.fetch_sub(1);
    failures_.inc(shard.index());
    Published failed;
    failed.error = "too many publishes in flight (--forward-max-pending)";
    co_return failed;
  }
  PublishLane& lane = *lanes_[shard.index()];
  PublishLane::Waiter waiter(lane.wakeups(), shard.executor());
  if (lane.publish(subject, data, message_id, headers, waiter, start)) {
    co_await waiter.wake.async_wait(runtime::shard_await);
    lane.forget(waiter);  // cancelled: a late acknowledgement finds nobody
    if (!waiter.done) waiter.result.error = "publish cancelled";
  }
  in_flight_.fetch_sub(1);
  if (waiter.result.stored) {
    published_.inc(shard.index());
    latency_.record(shard.index(), std::chrono::steady_clock::now() - start);
  } else {
    failures_.inc(shard.index());
  }
  co_return std::move(waiter.result);
}

runtime::ShardAwaitable<Answer> Publisher::forward(const runtime::EventSlot& slot,
                                                   runtime::Shard& shard) {
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
