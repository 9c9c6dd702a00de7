// One thread pulls (natsSubscription_Fetch blocks, so never on a shard); each message is
// handled by a coroutine on a shard, round robin, which then has the JetStream caller
// thread acknowledge it (ack, nak and term take the connection's lock).
#include <gbrt/forward/consumer.hpp>

#include <nats/nats.h>

#include <algorithm>
#include <optional>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include <gbrt/runtime/log.hpp>

#include "nats_handles.hpp"

namespace gbrt::forward {

namespace asio = boost::asio;
using runtime::Answer;

namespace {

constexpr std::chrono::milliseconds kPullWait{500};
constexpr std::chrono::milliseconds kLagEvery{1000};
constexpr std::chrono::milliseconds kMaxBackoff{60000};

// What a worker does with an event, from the runtime's answer: ack; nak after the first
// back-off step (retry); nak with back-off, dead letter after --max-deliver (failed); dead
// letter at once (final). The one place that maps the runtime's terms onto JetStream's.
enum class Verdict { ack, retry, failed, final };
Verdict verdict_of(const Answer& answer) {
  switch (runtime::retry_of(answer)) {
    case runtime::Retry::no:
      return Verdict::ack;
    case runtime::Retry::now:
      return Verdict::retry;
    case runtime::Retry::later:
      return Verdict::failed;
    case runtime::Retry::never:
      return Verdict::final;
  }
  return Verdict::failed;
}

// A header's value, valid while `msg` lives; empty if absent.
std::string_view header(natsMsg* msg, const char* name) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, name, &value) == NATS_OK && value != nullptr) return value;
  return {};
}

}  // namespace

Consumer::Consumer(JetStream& jetstream, Runtime& runtime, Publisher& dead_letters,
                   ConsumerOptions options)
    : jetstream_(jetstream),
      runtime_(runtime),
      dead_letters_(dead_letters),
      options_(std::move(options)),
      consumed_(runtime.metrics().counter("gbrt_consume_consumed_total",
                                          "Events pulled from the JetStream consumer.")),
      acked_(runtime.metrics().counter("gbrt_consume_acked_total",
                                       "Pulled events whose handlers succeeded, acknowledged.")),
      nacked_(runtime.metrics().counter(
          "gbrt_consume_nacked_total",
          "Pulled events whose handlers failed, negatively acknowledged (redelivered later).")),
      dead_lettered_(runtime.metrics().counter(
          "gbrt_consume_dead_lettered_total",
          "Events published to gbrt.dead.<type> after --max-deliver failures (or a final one).")),
      redelivered_(runtime.metrics().counter("gbrt_consume_redelivered_total",
                                             "Pulled events delivered before (a retry).")) {
  auto* js = NatsHandles::context(jetstream_);
  const std::string& stream = jetstream_.options().stream;
  auto ack_wait = options_.ack_wait;
  if (ack_wait.count() == 0) {
    auto longest = runtime.options().deadline;
    for (const auto& [type, d] : runtime.options().deadline_per_type)
      longest = std::max(longest, d);
    ack_wait = longest + runtime.options().cancel_grace + std::chrono::seconds(5);
  }
  jsConsumerConfig config;
  jsConsumerConfig_Init(&config);
  config.Durable = options_.name.c_str();
  config.DeliverPolicy = js_DeliverAll;
  config.AckPolicy = js_AckExplicit;
  config.AckWait = std::int64_t(std::chrono::nanoseconds(ack_wait).count());
  config.MaxDeliver = -1;  // gbrt counts deliveries itself, to dead-letter with the error
  config.FilterSubject = kEventSubjects;
  config.MaxAckPending = 100000;
  jsConsumerInfo* info = nullptr;
  jsErrCode code = jsErrCode(0);
  natsStatus s = js_AddConsumer(&info, js, stream.c_str(), &config, nullptr, &code);
  if (s == NATS_OK) {
    jsConsumerInfo_Destroy(info);
  } else if (js_GetConsumerInfo(&info, js, stream.c_str(), options_.name.c_str(), nullptr,
                                nullptr) == NATS_OK) {
    jsConsumerInfo_Destroy(info);  // it exists with another configuration: use it as it is
    log::warn("JetStream consumer exists with another configuration; using it",
              {{"consumer", options_.name}, {"error", nats_error(s)}});
  } else {
    throw std::runtime_error("NATS: cannot create consumer " + options_.name + " on " + stream +
                             ": " + nats_error(s));
  }
  jsSubOptions bind;
  jsSubOptions_Init(&bind);
  bind.Stream = stream.c_str();
  bind.Consumer = options_.name.c_str();
  natsSubscription* sub = nullptr;
  s = js_PullSubscribe(&sub, js, kEventSubjects, options_.name.c_str(), nullptr, &bind, &code);
  if (s != NATS_OK) {
    throw std::runtime_error("NATS: cannot pull from consumer " + options_.name + ": " +
                             nats_error(s));
  }
  subscription_ = sub;
  runtime.metrics().gauge("gbrt_consume_lag",
                          "Events in the stream not yet delivered to the consumer (all workers).",
                          [flow = flow_] { return flow->lag.load(); });
  runtime.metrics().gauge("gbrt_consume_in_flight",
                          "Pulled events being handled or acknowledged by this process.",
                          [flow = flow_] { return double(flow->in_flight.load()); });
}

Consumer::~Consumer() {
  stop_pulling();
  if (puller_.joinable()) puller_.join();
  jetstream_.finish_calls();  // acknowledgements still queued use the subscription
  // Not natsSubscription_Unsubscribe: that would not delete a bound durable consumer, but
  // the durable consumer outlives every worker anyway.
  natsSubscription_Destroy(static_cast<natsSubscription*>(subscription_));
}

void Consumer::start() {
  update_lag();  // a first figure before anything is pulled
  puller_ = std::thread([this] { pull_loop(); });
}

void Consumer::stop_pulling() {
  stopping_ = true;
  flow_->room.notify_all();
  if (puller_.joinable() && puller_.get_id() != std::this_thread::get_id()) puller_.join();
}

void Consumer::update_lag() {
  jsConsumerInfo* info = nullptr;
  if (natsSubscription_GetConsumerInfo(&info, static_cast<natsSubscription*>(subscription_),
                                       nullptr, nullptr) == NATS_OK) {
    flow_->lag = double(info->NumPending);
    jsConsumerInfo_Destroy(info);
  }
}

void Consumer::pull_loop() {
  auto* sub = static_cast<natsSubscription*>(subscription_);
  auto next_lag = std::chrono::steady_clock::now();
  bool failing = false;
  while (!stopping_) {
    std::size_t room = 0;
    {
      std::unique_lock lock(flow_->mutex);
      flow_->room.wait_for(lock, kPullWait, [this] {
        return stopping_ || flow_->in_flight.load() < options_.max_inflight;
      });
      if (stopping_) break;
      room = options_.max_inflight - std::min(options_.max_inflight, flow_->in_flight.load());
    }
    if (auto now = std::chrono::steady_clock::now(); now >= next_lag) {
      update_lag();
      next_lag = now + kLagEvery;
    }
    if (room == 0) continue;
    natsMsgList list{nullptr, 0};
    jsErrCode code = jsErrCode(0);
    natsStatus s = natsSubscription_Fetch(&list, sub, int(std::min(room, options_.fetch_batch)),
                                          kPullWait.count(), &code);
    if (s == NATS_TIMEOUT) continue;  // nothing to do
    if (s != NATS_OK) {
      if (!failing)
        log::warn("pulling from JetStream failed; retrying", {{"error", nats_error(s)}});
      failing = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      continue;
    }
    if (failing) log::info("pulling from JetStream again");
    failing = false;
    if (stopping_) {  // stopped while this pull waited: give them back for another worker
      for (int i = 0; i < list.Count; ++i) natsMsg_Nak(list.Msgs[i], nullptr);
      natsMsgList_Destroy(&list);
      break;
    }
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* msg = list.Msgs[i];
      list.Msgs[i] = nullptr;  // the coroutine owns it now
      flow_->in_flight.fetch_add(1);
      runtime::Shard& shard = runtime_.shard(next_shard_++ % runtime_.shard_count());
      asio::co_spawn(shard.executor(), deliver(msg, shard), asio::detached);
    }
    natsMsgList_Destroy(&list);
  }
}

runtime::ShardAwaitable<void> Consumer::deliver(void* msg_ptr, runtime::Shard& shard) {
  auto* msg = static_cast<natsMsg*>(msg_ptr);
  // Whatever happens below, the message is destroyed (here, or by the caller thread once it
  // has acknowledged it) and its place freed.
  struct Done {
    std::shared_ptr<Flow> flow;
    natsMsg* msg;
    ~Done() {
      if (msg != nullptr) natsMsg_Destroy(msg);
      flow->in_flight.fetch_sub(1);
      flow->room.notify_one();
    }
  } done{flow_, msg};
  // Ack, nak or term on the caller thread, which destroys the message after.
  auto settle = [&done, caller = jetstream_.caller()](auto call) {
    asio::post(caller, [call, m = std::exchange(done.msg, nullptr)] {
      call(m);
      natsMsg_Destroy(m);
    });
  };

  std::uint64_t deliveries = 1;
  if (jsMsgMetaData* meta = nullptr; natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
    deliveries = meta->NumDelivered;
    jsMsgMetaData_Destroy(meta);
  }
  consumed_.inc(shard.index());
  if (deliveries > 1) redelivered_.inc(shard.index());

  // The event and its environment, parsed into a slot exactly as an HTTP request's would be.
  runtime::SlotPtr slot = shard.slots().acquire();
  const std::string_view data(natsMsg_GetData(msg), std::size_t(natsMsg_GetDataLength(msg)));
  const std::string_view environment = header(msg, kEnvironmentHeader);
  std::optional<Answer> refused =
      slot->load(shard.parser(), data,
                 environment.empty() ? std::nullopt : std::optional<std::string_view>(environment));
  Verdict verdict = Verdict::final;  // an event that does not parse never will
  if (!refused) {
    refused = co_await runtime_.run_delivered(std::move(slot), shard);
    verdict = verdict_of(*refused);
    if (verdict == Verdict::ack) {
      settle([](natsMsg* m) { natsMsg_Ack(m, nullptr); });
      acked_.inc(shard.index());
      co_return;
    }
  }
  const std::string problem = std::to_string(refused->status) + ": " + refused->body;
  if (verdict == Verdict::final ||
      (verdict == Verdict::failed && deliveries >= options_.max_deliver)) {
    if (co_await dead_letter(msg, problem, deliveries, shard)) {
      settle([](natsMsg* m) { natsMsg_Term(m, nullptr); });
      co_return;
    }
  }
  // Retry later, on whichever worker pulls it: back-off doubling from --nak-backoff (a
  // refusal of this process waits the first step only).
  const std::uint64_t step =
      verdict == Verdict::retry ? 0 : std::min<std::uint64_t>(deliveries - 1, 16);
  auto delay =
      std::min<std::chrono::milliseconds>(options_.nak_backoff * (1u << step), kMaxBackoff);
  settle([delay](natsMsg* m) { natsMsg_NakWithDelay(m, delay.count(), nullptr); });  // in ms
  nacked_.inc(shard.index());
}

// Publishes the event unchanged to gbrt.dead.<type> with the error; the caller then
// terminates the original. False if the dead letter could not be stored (it naks instead).
runtime::ShardAwaitable<bool> Consumer::dead_letter(void* msg_ptr, std::string_view error,
                                                    std::uint64_t deliveries,
                                                    runtime::Shard& shard) {
  auto* msg = static_cast<natsMsg*>(msg_ptr);
  std::string_view subject = natsMsg_GetSubject(msg);
  constexpr std::string_view kPrefix = "gbrt.events.";
  if (subject.starts_with(kPrefix)) subject.remove_prefix(kPrefix.size());
  const std::string delivered = std::to_string(deliveries);
  Publisher::Headers headers{{"Gbrt-Error", error.substr(0, 1000)}, {"Gbrt-Deliveries", delivered}};
  if (std::string_view environment = header(msg, kEnvironmentHeader); !environment.empty()) {
    headers.emplace_back(kEnvironmentHeader, environment);
  }
  std::string id(header(msg, "Nats-Msg-Id"));
  if (!id.empty()) id = "dead:" + id;
  const std::string_view data(natsMsg_GetData(msg), std::size_t(natsMsg_GetDataLength(msg)));
  Published stored = co_await dead_letters_.publish("gbrt.dead." + std::string(subject), data,
                                                    std::move(id), headers, shard);
  if (!stored.stored) co_return false;
  dead_lettered_.inc(shard.index());
  log::warn("event dead-lettered", {{"subject", natsMsg_GetSubject(msg)},
                                    {"deliveries", std::to_string(deliveries), true},
                                    {"error", error}});
  co_return true;
}

}  // namespace gbrt::forward
