// Runtime set-up, registration, background work and shutdown. The life of an event
// (admission, deadline, queue, handlers) is in execute.cpp.
#include <gbrt/runtime/runtime.hpp>

#include <exception>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <gbrt/runtime/process_metrics.hpp>

#include "runtime_impl.hpp"

namespace gbrt::runtime {

namespace asio = boost::asio;
using events::EventType;

namespace {

std::size_t one_per_core(std::size_t requested) {
  if (requested != 0) return requested;
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
}

}  // namespace

Runtime::Impl::Impl(Runtime& runtime, RuntimeOptions options)
    : runtime_(runtime),
      options_(std::move(options)),
      compute_(one_per_core(options_.compute_threads)) {}

Runtime::Runtime(RuntimeOptions options)
    : impl_(std::make_unique<Impl>(*this, std::move(options))) {
  std::size_t n = one_per_core(impl_->options_.threads);
  for (std::size_t i = 0; i < n; ++i) {
    impl_->contexts_.push_back(std::make_unique<asio::io_context>(1));
    impl_->shards_.push_back(std::make_unique<ShardState>(
        i, impl_->contexts_.back()->get_executor(), impl_->options_.max_event_bytes));
  }
  impl_->init();
}

Runtime::Runtime(std::vector<ShardExecutor> executors, RuntimeOptions options)
    : impl_(std::make_unique<Impl>(*this, std::move(options))) {
  for (std::size_t i = 0; i < executors.size(); ++i) {
    impl_->shards_.push_back(
        std::make_unique<ShardState>(i, std::move(executors[i]), impl_->options_.max_event_bytes));
  }
  impl_->init();
}

void Runtime::Impl::init() {
  TickClock::calibrate();
  max_inflight_ = options_.max_inflight;
  metrics_ = std::make_unique<Metrics>(shards_.size());
  add_process_metrics(*metrics_);
  if (options_.dedup_window.count() > 0) {
    dedup_ = std::make_unique<DedupTable>(options_.dedup_window, options_.dedup_capacity);
  }
  for (std::size_t t = 0; t <= events::kTypedEventCount; ++t) {
    metrics_->add_type(std::string(events::to_string(EventType(t))));
  }
  handlers_.resize(events::kTypedEventCount + 1);
  responders_.resize(events::kTypedEventCount);
}

Runtime::~Runtime() {
  if (!impl_->threads_.empty()) {
    skip_drain();
    stop();
  }
  for (auto& shard : impl_->shards_) shard->close_io();
  impl_->compute_.join();
}

http::Client& Shard::http_client(const http::ClientOptions& options) {
  if (!http_) http_ = std::make_unique<http::Client>(executor_, options);
  return *http_;
}

void Runtime::Impl::check_registration_open(const char* what) const {
  if (started_) throw std::logic_error(std::string("gbrt: register ") + what + " before start()");
}

void Runtime::add_handler(std::size_t type_id, Handler handler) {
  impl_->check_registration_open("handlers");
  impl_->handlers_[type_id].push_back(std::move(handler));
}

void Runtime::add_component(std::string id, Component component) {
  impl_->check_registration_open("components");
  impl_->components_.insert_or_assign(std::move(id), std::move(component));
}

void Runtime::set_responder(EventType type, Responder responder) {
  impl_->check_registration_open("handlers");
  impl_->responders_[std::size_t(type)] = std::move(responder);
}

void Runtime::add_content_source(std::string id, Responder responder) {
  impl_->check_registration_open("content sources");
  impl_->content_sources_.insert_or_assign(std::move(id), std::move(responder));
}

void Runtime::add_service(std::type_index type, void* service) {
  impl_->services_[type] = service;
}

void* Runtime::find_service(std::type_index type) const noexcept {
  auto it = impl_->services_.find(type);
  return it == impl_->services_.end() ? nullptr : it->second;
}

std::size_t Runtime::type_id_for(std::string name) {
  return impl_->type_id_for(std::move(name));
}

std::size_t Runtime::Impl::type_id_for(std::string name) {
  EventType typed = events::event_type_from_name(name);
  if (typed != EventType::other) {
    throw std::invalid_argument("gbrt: \"" + name +
                                "\" has a typed view: register it with on<View>");
  }
  if (auto it = named_types_.find(name); it != named_types_.end()) return it->second;
  std::size_t id = metrics_->add_type(name);
  named_types_.emplace(std::move(name), id);
  handlers_.resize(id + 1);
  return id;
}

bool Runtime::knows_type(std::string_view name) const {
  return events::event_type_from_name(name) != EventType::other ||
         impl_->named_types_.contains(name);
}

std::size_t Runtime::type_id(const events::Event& event) const noexcept {
  return impl_->type_id(event);
}

std::size_t Runtime::Impl::type_id(const events::Event& event) const noexcept {
  EventType type = events::type_of(event);
  if (type != EventType::other || named_types_.empty()) return std::size_t(type);
  auto it = named_types_.find(events::base(event).type);
  return it == named_types_.end() ? std::size_t(EventType::other) : it->second;
}

void Runtime::forward_to(Forwarder& forwarder) noexcept {
  impl_->forwarder_ = &forwarder;
}
void Runtime::store_to(Forwarder& store) noexcept {
  impl_->store_ = &store;
}

void Runtime::Impl::start() {
  if (started_) return;
  started_ = true;
  // Per-type policies, resolved from the options' type names.
  for (std::size_t t = 0; t < metrics_->type_count(); ++t) {
    auto state = std::make_unique<TypeState>();
    const std::string& name = metrics_->type_name(t);
    if (auto it = options_.max_inflight_per_type.find(name);
        it != options_.max_inflight_per_type.end()) {
      state->max_inflight = it->second;
    }
    state->deadline = options_.deadline;
    if (auto it = options_.deadline_per_type.find(name); it != options_.deadline_per_type.end()) {
      state->deadline = it->second;
    }
    if (auto it = options_.ack_per_type.find(name); it != options_.ack_per_type.end()) {
      state->ack = it->second;
      if (state->ack == AckMode::stored && store_ == nullptr) {
        throw std::logic_error("ack mode stored for " + name +
                               " events, and no Runtime::store_to(store)");
      }
      if (state->ack == AckMode::forwarded && forwarder_ == nullptr) {
        throw std::logic_error("ack mode forwarded for " + name +
                               " events, and no Runtime::forward_to(forwarder)");
      }
      forwards_ = forwards_ || state->ack == AckMode::forwarded;
    }
    types_.push_back(std::move(state));
  }
  metrics_->gauge("gbrt_events_in_flight", "Events whose handlers run now (all types).",
                  [this] { return double(inflight_.load() + queued_.load() - queued_waiting()); });
  metrics_->gauge("gbrt_queue_depth", "Queued events waiting for their handlers (all shards).",
                  [this] { return double(queued_waiting()); });
  metrics_->gauge("gbrt_tasks_pending", "Delayed tasks (Context::queue_task) not due yet.",
                  [this] { return double(tasks_pending_.load()); });
  for (std::size_t t = 0; t < types_.size(); ++t) {
    metrics_->gauge("gbrt_events_in_flight_by_type{type=\"" + metrics_->type_name(t) + "\"}",
                    "Events whose handlers run now, by type.",
                    [state = types_[t].get()] { return double(state->running.load()); });
  }
  for (auto& context : contexts_) {  // owned mode; an embedder runs its own executors
    threads_.emplace_back([ctx = context.get()] {
      auto guard = asio::make_work_guard(*ctx);
      ctx->run();
    });
  }
}

std::size_t Runtime::Impl::queued_waiting() const noexcept {
  return queued_waiting_.load();
}

void Runtime::Impl::spawn_background(Shard& shard, asio::awaitable<void> work,
                                     const events::EventBase& event) {
  background_.fetch_add(1);
  // The event's id and type are copied for the log: its views end with its answer.
  auto on_done = [this, id = std::string(event.event_id),
                  type = std::string(event.type)](std::exception_ptr error) {
    if (error) {
      log::error("background work (wait_until) failed",
                 {{"event_id", id}, {"event_type", type}, {"error", exception_text(error)}});
    }
    background_.fetch_sub(1);
  };
  asio::co_spawn(shard.executor(), std::move(work), std::move(on_done));
}

bool Runtime::Impl::drain(std::chrono::milliseconds timeout, std::function<bool()> also_idle) {
  draining_ = true;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto done = [&] { return idle() && (!also_idle || also_idle()); };
  while (!done() && !skip_drain_ && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (done()) return true;
  const std::string inflight = std::to_string(inflight_.load()),
                    queue = std::to_string(queued_.load()),
                    background = std::to_string(background_.load());
  log::warn(
      skip_drain_ ? "drain skipped, cancelling what is left"
                  : "drain timed out, cancelling what is left",
      {{"in_flight", inflight, true}, {"queued", queue, true}, {"background", background, true}});
  return false;
}

void Runtime::Impl::stop() {
  draining_ = true;
  stopping_ = true;
  // Each shard cancels its own work; wait until all did, then for the handlers to unwind.
  auto cancelled = std::make_shared<std::atomic<std::size_t>>(0);
  for (auto& shard : shards_) {
    asio::post(shard->executor(), [this, s = shard.get(), cancelled] {
      cancel_everything(*s);
      cancelled->fetch_add(1);
    });
  }
  auto deadline = std::chrono::steady_clock::now() + options_.cancel_grace;
  while ((cancelled->load() != shards_.size() || inflight_.load() != 0 || queued_.load() != 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (auto& context : contexts_) context->stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

// On the shard's thread: stop running handlers, drop queued events (they stay counted as
// pending), cancel delayed tasks.
void Runtime::Impl::cancel_everything(ShardState& shard) {
  for (SlotState* s = shard.running; s != nullptr; s = s->next) s->stop(StopReason::shutdown);
  while (!shard.queue.empty()) {
    shard.queue.pop_front();
    queued_.fetch_sub(1);
    queued_waiting_.fetch_sub(1);
  }
  for (ShardTimer* timer : shard.task_timers) timer->cancel();
  tasks_cancelled_.fetch_add(shard.task_timers.size());
  tasks_pending_.fetch_sub(shard.task_timers.size());
  shard.task_timers.clear();  // counted here: the timers' coroutines may never resume
}

std::string Runtime::Impl::stats_json() const {
  std::string out = "{\"types\":{";
  bool first = true;
  for (std::size_t t = 0; t < metrics_->type_count(); ++t) {
    std::uint64_t received = metrics_->received(t);
    std::uint64_t handled = metrics_->handled_total(t);
    if (received == 0 && handled == 0) continue;
    if (!first) out += ',';
    first = false;
    out += '"';
    append_json_escaped(out, metrics_->type_name(t));
    out += "\":{\"received\":" + std::to_string(received);
    for (std::size_t o = 0; o < kOutcomeCount; ++o) {
      out += ",\"";
      out += to_string(Outcome(o));
      out += "\":" + std::to_string(metrics_->handled(t, Outcome(o)));
    }
    out += ",\"pending\":" + std::to_string(received - std::min(received, handled)) + "}";
  }
  out += "},\"tasks_pending\":" + std::to_string(tasks_pending_.load());
  out += ",\"tasks_cancelled\":" + std::to_string(tasks_cancelled_.load());
  out += ",\"background_pending\":" + std::to_string(background_.load()) + "}";
  return out;
}

// The public face: registration above, the rest delegates to Impl.

void Runtime::start() {
  impl_->start();
}
bool Runtime::drain(std::chrono::milliseconds timeout, std::function<bool()> also_idle) {
  return impl_->drain(timeout, std::move(also_idle));
}
void Runtime::stop() {
  impl_->stop();
}
void Runtime::shutdown(std::chrono::milliseconds drain_timeout) {
  drain(drain_timeout);
  stop();
}
void Runtime::begin_drain() noexcept {
  impl_->draining_ = true;
}
void Runtime::skip_drain() noexcept {
  impl_->skip_drain_ = true;
}
bool Runtime::draining() const noexcept {
  return impl_->draining_;
}
bool Runtime::idle() const noexcept {
  return impl_->idle();
}
bool Runtime::overloaded() const noexcept {
  return impl_->inflight_.load() >= impl_->max_inflight_.load();
}
void Runtime::set_max_inflight(std::size_t max_inflight) noexcept {
  impl_->max_inflight_ = max_inflight;
}
std::size_t Runtime::max_inflight() const noexcept {
  return impl_->max_inflight_.load();
}
bool Runtime::forwarding_ready() const noexcept {
  return (!impl_->forwards_ || impl_->forwarder_->ready()) &&
         (impl_->store_ == nullptr || impl_->store_->ready());
}
std::size_t Runtime::in_flight() const noexcept {
  return impl_->inflight_.load();
}
std::size_t Runtime::queued() const noexcept {
  return impl_->queued_.load();
}
std::size_t Runtime::pending_background() const noexcept {
  return impl_->background_.load();
}
std::size_t Runtime::pending_tasks() const noexcept {
  return impl_->tasks_pending_.load();
}
std::string Runtime::stats_json() const {
  return impl_->stats_json();
}
std::size_t Runtime::shard_count() const noexcept {
  return impl_->shards_.size();
}
Shard& Runtime::shard(std::size_t i) noexcept {
  return *impl_->shards_[i];
}
Metrics& Runtime::metrics() {
  return *impl_->metrics_;
}
const RuntimeOptions& Runtime::options() const noexcept {
  return impl_->options_;
}
asio::thread_pool::executor_type Runtime::compute_executor() {
  return impl_->compute_.get_executor();
}

}  // namespace gbrt::runtime
