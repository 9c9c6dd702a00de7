// The life of an event: admission, the queue, handlers under a deadline, the answer.
//
//   execute ─► supervise (admission) ──launch──► run_handlers ─► handlers ─► finish
//           └► enqueue (202) ─► pump_queue ─► supervise …
//
// supervise() waits for finish() on a Wakeup, no timer of its own: the shard's sweep, one
// timer ticking every 5 ms while events run, cancels the handlers at the deadline (their
// co_awaits see operation_aborted), and if they ignore that answers 504 anyway after
// cancel_grace, leaving the handlers' thread the sole owner of the event's slot.
#include <gbrt/runtime/runtime.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include "launch.hpp"
#include "runtime_impl.hpp"

namespace gbrt::runtime {

namespace asio = boost::asio;
using events::EventType;
using std::chrono::steady_clock;

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);  // in handlers' coroutines
constexpr std::chrono::seconds kRetryAfter{1};
// How often running events are checked: deadlines, warnings and client watches are kept
// to within this.
constexpr std::chrono::milliseconds kSweepEvery{5};

void link(SlotState*& head, SlotState* s) noexcept {
  s->prev = nullptr;
  s->next = head;
  if (head != nullptr) head->prev = s;
  head = s;
}

void unlink(SlotState*& head, SlotState* s) noexcept {
  if (s->prev != nullptr) s->prev->next = s->next;
  if (s->next != nullptr) s->next->prev = s->prev;
  if (head == s) head = s->next;
  s->prev = s->next = nullptr;
}

// The answer for handlers stopped before they finished.
Answer stopped_answer(StopReason reason, std::chrono::milliseconds deadline) {
  Answer answer;
  switch (reason) {
    case StopReason::deadline:
      answer = Answer::error(
          504, "Handler deadline of " + std::to_string(deadline.count()) + " ms exceeded");
      answer.outcome = Outcome::timeout;
      return answer;
    case StopReason::shutdown:
      answer = Answer::unavailable("Shutting down", kRetryAfter);
      break;
    default:
      answer = Answer::unavailable("Client went away", kRetryAfter);
  }
  answer.outcome = Outcome::cancelled;
  return answer;
}

// Handled before: GitBook's retry gets what the first try got. Not a coroutine, so that its
// local stays off execute's frame.
Answer duplicate_answer() {
  Answer answer = Answer::ok();
  answer.duplicate = true;
  answer.outcome = Outcome::duplicate;
  return answer;
}

}  // namespace

ShardAwaitable<Answer> Runtime::execute(SlotPtr slot, Shard& shard, ClientWatch* client) {
  return impl_->execute_as(std::move(slot), state_of(shard), client, false);
}

ShardAwaitable<Answer> Runtime::run_delivered(SlotPtr slot, Shard& shard) {
  return impl_->execute_as(std::move(slot), state_of(shard), nullptr, true);
}

// Not a coroutine: what comes before the handlers is decided at the call, and an event
// that runs them costs supervise()'s frame only. Callers co_await the result at once.
ShardAwaitable<Answer> Runtime::Impl::execute_as(SlotPtr slot, ShardState& shard,
                                                 ClientWatch* client, bool delivered) {
  const std::size_t type = type_id(*slot->event);
  state_of(*slot).type_id = type;
  metrics_->event_received(shard.index(), type);
  const std::string_view event_id = events::base(*slot->event).event_id;
  if (dedup_ && !event_id.empty() && dedup_->seen(event_id, steady_clock::now())) {
    metrics_->event_handled(shard.index(), type, Outcome::duplicate);
    return answered(duplicate_answer());
  }
  const TypeState& state = *types_[type];
  if (!delivered && state.ack == AckMode::queued) return answered(enqueue(std::move(slot), shard));
  if (!delivered && state.ack == AckMode::forwarded) return forward(std::move(slot), shard);
  // A worker (delivered events) stores too: its JetStream message is acked after the commit.
  if (state.ack == AckMode::stored) return store_then_run(std::move(slot), shard, client);
  return supervise(std::move(slot), shard, client, Admit::yes);
}

ShardAwaitable<Answer> Runtime::Impl::answered(Answer answer) {
  co_return answer;
}

ShardAwaitable<Answer> Runtime::Impl::store_then_run(SlotPtr slot, ShardState& shard,
                                                     ClientWatch* client) {
  if (auto answer = co_await store(state_of(*slot), shard)) co_return std::move(*answer);
  co_return co_await supervise(std::move(slot), shard, client, Admit::yes);
}

// Admission: count first, then check, so concurrent shards never overshoot a cap. False
// (counts rolled back, the shed counted) when the event may not run now.
bool Runtime::Impl::admit(ShardState& shard, std::size_t type) {
  TypeState& state = *types_[type];
  const std::size_t total = inflight_.fetch_add(1) + 1;
  const std::size_t of_type = state.running.fetch_add(1) + 1;
  if (total <= max_inflight_.load(std::memory_order_relaxed) &&
      (state.max_inflight == 0 || of_type <= state.max_inflight)) {
    return true;
  }
  inflight_.fetch_sub(1);
  state.running.fetch_sub(1);
  metrics_->event_handled(shard.index(), type, Outcome::shed);
  return false;
}

Answer Runtime::Impl::overloaded(std::size_t type) const {
  return Answer::unavailable(
      "Overloaded: too many " + metrics_->type_name(type) + " events in flight, retry later",
      kRetryAfter);
}

// The HTTP request stays open until the forwarder answers: the drain waits for it.
ShardAwaitable<Answer> Runtime::Impl::forward(SlotPtr slot, ShardState& shard) {
  Answer answer = co_await forwarder_->forward(*slot, shard);
  if (answer.outcome == Outcome::ok) answer.outcome = Outcome::forwarded;  // else shed, rejected
  metrics_->event_handled(shard.index(), state_of(*slot).type_id, answer.outcome);
  co_return answer;
}

// Stored first, then handled: the handlers see an event that is in the table, and one
// failing is answered as usual (the retry is stored once, thanks to the table's key).
// An answer here ends the event: the store failed, or no handler waits for it.
ShardAwaitable<std::optional<Answer>> Runtime::Impl::store(SlotState& slot, ShardState& shard) {
  Answer answer = co_await store_->forward(slot, shard);
  if (answer.outcome != Outcome::ok) {  // as forward(): shed (503) or rejected (400, 413)
    metrics_->event_handled(shard.index(), slot.type_id, answer.outcome);
    co_return answer;
  }
  if (handlers_[slot.type_id].empty()) {
    answer.outcome = Outcome::stored;
    metrics_->event_handled(shard.index(), slot.type_id, Outcome::stored);
    co_return answer;
  }
  co_return std::nullopt;
}

Answer Runtime::Impl::enqueue(SlotPtr slot, ShardState& shard) {
  SlotState& s = state_of(*slot);
  if (shard.queue.size() >= options_.queue_capacity || stopping_) {
    metrics_->event_handled(shard.index(), s.type_id, Outcome::shed);
    return Answer::unavailable("Queue full for " + metrics_->type_name(s.type_id) + " events",
                               kRetryAfter);
  }
  s.from_queue = true;
  s.enqueued_at = steady_clock::now();
  queued_.fetch_add(1);
  queued_waiting_.fetch_add(1);
  shard.queue.push_back(std::move(slot));
  pump_queue(shard);
  return Answer::json(202, R"({"status":"queued"})");
}

void Runtime::Impl::pump_queue(ShardState& shard) {
  while (shard.queue_running < options_.queue_concurrency && !shard.queue.empty() && !stopping_) {
    SlotPtr slot = std::move(shard.queue.front());
    shard.queue.pop_front();
    queued_waiting_.fetch_sub(1);
    ++shard.queue_running;
    const SlotState& s = state_of(*slot);
    metrics_->queue_wait(shard.index(), s.type_id, steady_clock::now() - s.enqueued_at);
    types_[s.type_id]->running.fetch_add(1);
    asio::co_spawn(shard.executor(), supervise(std::move(slot), shard, nullptr, Admit::no),
                   asio::detached);
  }
}

ShardAwaitable<Answer> Runtime::Impl::supervise(SlotPtr slot, ShardState& shard,
                                                ClientWatch* client, Admit admission) {
  SlotState* const s = &state_of(*slot);
  // No local for the refusal: supervise()'s frame stays small (Asio recycles frames up to 1 KB).
  if (admission == Admit::yes && !admit(shard, s->type_id)) co_return overloaded(s->type_id);
  Waiter waiter(shard.wakeups, shard.executor());
  const TickClock::Ticks started = TickClock::now();
  waiter.client = client;
  s->waiter = &waiter;
  link(shard.running, s);
  // The handlers start at once, on their own coroutine thread: a handler that does not
  // suspend has answered when launch() returns, with no wake-up, sweep or watch. The slot
  // goes back to its pool when that thread has wound down (its cancellation handler is in
  // the slot's signal until then).
  const events::Environment* environment = s->environment ? &*s->environment : nullptr;
  detail::launch(
      shard.handler_executor,
      run_handlers(*s->event, environment, shard, s->type_id, &s->stop_reason, started),
      s->cancel.slot(), std::move(slot),
      [this, s, &shard](Answer&& answer) { finish(*s, shard, std::move(answer)); },
      [](std::exception_ptr error) { log_exception("event run failed", error); });
  if (waiter.done) co_return std::move(waiter.answer);
  // Only an event whose handlers wait needs its times on steady_clock, the sweep's clock; the
  // sweep runs on this thread, so it has not seen the waiter before.
  const auto start = steady_clock::now() - TickClock::since(started);
  waiter.deadline = start + types_[s->type_id]->deadline;
  waiter.slow_at = start + options_.slow_handler;
  waiter.watch_at = start + options_.client_watch_after;
  arm_sweep(shard);
  asio::cancellation_slot client_gone = client ? client->gone.slot() : asio::cancellation_slot();
  if (client_gone.is_connected()) {
    client_gone.assign([&waiter, s](asio::cancellation_type) {
      if (!waiter.done) s->stop(StopReason::client_gone);
    });
  }
  co_await waiter.wake.async_wait(shard_await);
  if (client_gone.is_connected()) client_gone.clear();
  co_return std::move(waiter.answer);
}

void Runtime::Impl::arm_sweep(ShardState& shard) {
  if (shard.sweep_armed || !shard.sweep_timer) return;
  shard.sweep_armed = true;
  shard.sweep_timer->expires_after(kSweepEvery);
  shard.sweep_timer->async_wait([this, &shard](boost::system::error_code ec) {
    if (ec) return;  // the timer went with the runtime (~Runtime): touch nothing
    shard.sweep_armed = false;
    sweep(shard);
    if (shard.running != nullptr) arm_sweep(shard);
  });
}

void Runtime::Impl::sweep(ShardState& shard) {
  const auto now = steady_clock::now();
  for (SlotState* s = shard.running; s != nullptr;) {
    SlotState* const next = s->next;  // taken first: check() may end s's wait
    if (s->waiter != nullptr) check(*s, *s->waiter, now);
    s = next;
  }
}

void Runtime::Impl::check(SlotState& slot, Waiter& waiter, steady_clock::time_point now) {
  if (waiter.client != nullptr && now >= waiter.watch_at) {
    std::exchange(waiter.client, nullptr)->start_watching();
  }
  if (!waiter.slow_reported && now >= waiter.slow_at) {
    waiter.slow_reported = true;
    const events::EventBase& e = events::base(*slot.event);
    const std::string after = std::to_string(options_.slow_handler.count());
    log::warn("slow handler: still running",
              {{"event_id", e.event_id}, {"event_type", e.type}, {"after_ms", after, true}});
  }
  if (now < waiter.deadline) return;
  if (slot.stop_reason == StopReason::none) {
    slot.stop(StopReason::deadline);  // cancel, then give the handlers cancel_grace to unwind
    waiter.deadline = now + options_.cancel_grace;
    return;
  }
  // They ignore cancellation: answer now; their thread keeps the slot until they finish.
  waiter.answer = stopped_answer(slot.stop_reason, types_[slot.type_id]->deadline);
  waiter.done = true;
  slot.waiter = nullptr;
  waiter.wake.fire();
}

void Runtime::Impl::finish(SlotState& slot, ShardState& shard, Answer&& answer) {
  SlotState* const s = &slot;
  if (dedup_ && answer.status < 300) {
    const std::string_view event_id = events::base(*s->event).event_id;
    if (!event_id.empty()) dedup_->mark(event_id, steady_clock::now());
  }
  types_[s->type_id]->running.fetch_sub(1);
  unlink(shard.running, s);
  if (s->waiter != nullptr) {
    s->waiter->answer = std::move(answer);
    s->waiter->done = true;
    s->waiter->wake.fire();
  }
  if (s->from_queue) {
    --shard.queue_running;
    queued_.fetch_sub(1);
    pump_queue(shard);
  } else {
    inflight_.fetch_sub(1);
  }
}

asio::awaitable<Answer> Runtime::dispatch(const events::Event& event,
                                          const events::Environment* environment, Shard& shard) {
  const std::size_t type = type_id(event);
  impl_->metrics_->event_received(shard.index(), type);
  co_return co_await impl_->run_handlers(event, environment, state_of(shard), type, nullptr,
                                         TickClock::now());
}

asio::awaitable<Answer> Runtime::Impl::run_handlers(const events::Event& event,
                                                    const events::Environment* environment,
                                                    ShardState& shard, std::size_t type,
                                                    const StopReason* stop,
                                                    TickClock::Ticks started) {
  const events::EventBase& common = events::base(event);
  Context context(runtime_, shard, common, environment);
  Outcome outcome = Outcome::ok;
  Answer answer;
  try {
    if (const Responder* responder = responder_for(event)) {
      answer = co_await (*responder)(event, context);
    } else if (const auto* render = std::get_if<events::UiRender>(&event)) {
      auto it = components_.find(render->component_id);
      if (it == components_.end()) {
        outcome = Outcome::rejected;
        answer = unhandled(event);
      } else {
        ComponentResponse response = co_await it->second(*render, context);
        answer = Answer::json(200, std::move(response.json));
        answer.cache_max_age = response.cache_max_age;
      }
    } else if (const auto& handlers = handlers_[type]; handlers.empty()) {
      outcome = Outcome::rejected;
      answer = unhandled(event);
    } else if (handlers.size() == 1) {
      co_await handlers.front()(event, context);  // no extra frame for the common case
    } else {
      co_await run_all(handlers, event, context);
    }
  } catch (const ExposableError& e) {
    outcome = Outcome::error;
    answer = Answer::error(e.code(), e.what());
  } catch (...) {
    outcome = Outcome::error;
    if (stop == nullptr || *stop == StopReason::none) {
      log_exception("handler failed", std::current_exception(), &common);
    }
    answer = Answer::error(500, "Internal server error");
  }
  if (stop != nullptr && *stop != StopReason::none) {
    outcome = *stop == StopReason::deadline ? Outcome::timeout : Outcome::cancelled;
    answer = stopped_answer(*stop, types_[type]->deadline);
  }
  answer.outcome = outcome;
  // Only events that reached a handler are timed: a 404 or 406 ran none.
  if (outcome != Outcome::rejected) {
    metrics_->handler_duration(shard.index(), type, TickClock::since(started));
  }
  metrics_->event_handled(shard.index(), type, outcome);
  co_return answer;
}

const Responder* Runtime::Impl::responder_for(const events::Event& event) const {
  switch (events::type_of(event)) {
    case EventType::fetch:
    case EventType::fetch_published_script:
    case EventType::fetch_visitor_authentication: {
      const Responder& responder = responders_[event.index()];
      return responder ? &responder : nullptr;
    }
    case EventType::content_compute_document:
    case EventType::content_compute_revision: {
      const auto& compute = static_cast<const events::ContentCompute&>(events::base(event));
      auto it = content_sources_.find(compute.source_id);
      return it == content_sources_.end() ? nullptr : &it->second;
    }
    default:
      return nullptr;
  }
}

// Runs every handler concurrently on this shard and waits for all, even when cancelled
// (they borrow the event); then rethrows the first failure. Cancellation of this coroutine
// is forwarded to every handler.
asio::awaitable<void> Runtime::Impl::run_all(const std::vector<Handler>& handlers,
                                             const events::Event& event, Context& context) {
  auto executor = co_await asio::this_coro::executor;
  co_await asio::this_coro::throw_if_cancelled(false);
  asio::cancellation_state cancellation = co_await asio::this_coro::cancellation_state;
  struct Join {
    std::size_t remaining;
    std::exception_ptr first_error;
    asio::steady_timer done;
    std::vector<asio::cancellation_signal> signals;
  } join{handlers.size(), nullptr,
         asio::steady_timer(executor, asio::steady_timer::time_point::max()),
         std::vector<asio::cancellation_signal>(handlers.size())};
  asio::cancellation_slot parent = cancellation.slot();
  if (parent.is_connected()) {
    parent.assign([&join](asio::cancellation_type type) {
      for (auto& signal : join.signals) signal.emit(type);
    });
  }
  for (std::size_t i = 0; i < handlers.size(); ++i) {
    auto on_done = [&join](std::exception_ptr error) {
      if (error && !join.first_error) join.first_error = error;
      if (--join.remaining == 0) join.done.cancel();
    };
    asio::co_spawn(executor, handlers[i](event, context),
                   asio::bind_cancellation_slot(join.signals[i].slot(), std::move(on_done)));
  }
  if (join.remaining != 0) {
    // Not cancellable itself: only the handlers are.
    co_await join.done.async_wait(asio::bind_cancellation_slot(asio::cancellation_slot(), kAwait));
  }
  if (parent.is_connected()) parent.clear();
  if (join.first_error) std::rethrow_exception(join.first_error);
}

asio::awaitable<Answer> Runtime::handle(std::string event_json,
                                        std::optional<std::string> environment_json) {
  ShardState& shard = *impl_->shards_[impl_->next_shard_.fetch_add(1) % impl_->shards_.size()];
  co_return co_await asio::co_spawn(
      shard.executor(), impl_->handle_on(std::move(event_json), std::move(environment_json), shard),
      asio::use_awaitable);
}

ShardAwaitable<Answer> Runtime::handle_on(std::string event_json,
                                          std::optional<std::string> environment_json,
                                          Shard& shard) {
  return impl_->handle_on(std::move(event_json), std::move(environment_json), state_of(shard));
}

ShardAwaitable<Answer> Runtime::Impl::handle_on(std::string event_json,
                                                std::optional<std::string> environment_json,
                                                ShardState& shard) {
  SlotPtr slot = shard.slots().acquire();
  if (auto refused = slot->load(shard.parser(), event_json, environment_json)) {
    co_return std::move(*refused);
  }
  co_return co_await execute_as(std::move(slot), shard, nullptr, false);
}

void Runtime::Impl::schedule_task(ShardState& shard, SlotPtr slot,
                                  std::chrono::milliseconds delay) {
  tasks_pending_.fetch_add(1);
  asio::co_spawn(shard.executor(), delayed_task(std::move(slot), shard, delay), asio::detached);
}

ShardAwaitable<void> Runtime::Impl::delayed_task(SlotPtr slot, ShardState& shard,
                                                 std::chrono::milliseconds delay) {
  ShardTimer timer(shard.executor(), delay);
  shard.task_timers.insert(&timer);
  auto [ec] = co_await timer.async_wait(shard_await);
  if (shard.task_timers.erase(&timer) == 0) co_return;  // cancel_everything counted it
  tasks_pending_.fetch_sub(1);
  if (ec || stopping_) {
    tasks_cancelled_.fetch_add(1);
    co_return;
  }
  SlotState& s = state_of(*slot);
  s.type_id = type_id(*slot->event);
  metrics_->event_received(shard.index(), s.type_id);
  inflight_.fetch_add(1);  // drained like any running event, outside the caps
  types_[s.type_id]->running.fetch_add(1);
  co_await supervise(std::move(slot), shard, {}, Admit::no);
}

}  // namespace gbrt::runtime
