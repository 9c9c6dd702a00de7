// gbrt::Runtime: shards (a thread and an executor each), the handler registry, and the
// life of an event: admission, handlers under a deadline, queues, answer, drain.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <memory_resource>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <typeindex>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gbrt/events/parse.hpp>
#include <gbrt/events/views.hpp>
#include <gbrt/http/client.hpp>
#include <gbrt/runtime/answer.hpp>
#include <gbrt/runtime/component.hpp>
#include <gbrt/runtime/context.hpp>
#include <gbrt/runtime/dedup.hpp>
#include <gbrt/runtime/event_slot.hpp>
#include <gbrt/runtime/forwarder.hpp>
#include <gbrt/runtime/metrics.hpp>
#include <gbrt/runtime/options.hpp>
#include <gbrt/runtime/response.hpp>

namespace gbrt {
namespace runtime {

// One thread's share of the runtime: an executor, a parser, a pool of event slots, the
// queue of events acknowledged early. Everything here is used only from that thread.
class Shard {
 public:
  Shard(std::size_t index, boost::asio::any_io_executor executor, std::size_t max_event_bytes)
      : index_(index), executor_(std::move(executor)), parser_(max_event_bytes) {}
  std::size_t index() const noexcept { return index_; }
  const boost::asio::any_io_executor& executor() const noexcept { return executor_; }
  events::Parser& parser() noexcept { return parser_; }
  SlotPool& slots() noexcept { return slots_; }
  // Scratch memory for this shard's requests (HTTP header fields, …): pooled, so a warm
  // shard takes nothing from the heap per event. Only this shard's thread may use it.
  std::pmr::memory_resource& memory() noexcept { return memory_; }
  // This shard's outbound HTTP client, made at the first call: an event that makes no
  // outbound call costs nothing.
  http::Client& http_client(const http::ClientOptions& options);

 private:
  friend class Runtime;
  friend class Context;
  std::size_t index_;
  boost::asio::any_io_executor executor_;
  events::Parser parser_;
  SlotPool slots_;
  std::pmr::unsynchronized_pool_resource memory_;
  std::deque<SlotPtr> queue_;                         // queued events not started yet
  std::size_t queue_running_ = 0;                     // queued events whose handlers run
  EventSlot* running_ = nullptr;                      // every event whose handlers run (a list)
  std::set<boost::asio::steady_timer*> task_timers_;  // delayed tasks not due yet
  std::uint64_t next_task_ = 0;
  std::unique_ptr<http::Client> http_;
};

template <class F, class View>
concept EventHandler =
    std::invocable<F&, const View&, Context&> &&
    std::same_as<std::invoke_result_t<F&, const View&, Context&>, boost::asio::awaitable<void>>;

template <class F>
concept ComponentHandler = std::invocable<F&, const events::UiRender&, Context&> &&
                           std::same_as<std::invoke_result_t<F&, const events::UiRender&, Context&>,
                                        boost::asio::awaitable<ComponentResponse>>;

template <class F, class View, class Result>
concept RespondingHandler =
    std::invocable<F&, const View&, Context&> &&
    std::same_as<std::invoke_result_t<F&, const View&, Context&>, boost::asio::awaitable<Result>>;

class Runtime {
 public:
  // A handler that answers HTTP itself (fetch, published scripts, visitor authentication,
  // content sources): its answer is the event's.
  using Responder = std::function<boost::asio::awaitable<Answer>(const events::Event&, Context&)>;
  using Handler = std::function<boost::asio::awaitable<void>(const events::Event&, Context&)>;
  using Component =
      std::function<boost::asio::awaitable<ComponentResponse>(const events::UiRender&, Context&)>;

  // Owns `options.threads` shards, each an io_context run by its own thread after start().
  explicit Runtime(RuntimeOptions options = {});
  // Runs on executors the embedding service owns (one shard each) and runs itself. A shard's
  // state is unsynchronized: each executor must run one handler at a time (an io_context run
  // by one thread, or a strand).
  Runtime(std::vector<boost::asio::any_io_executor> executors, RuntimeOptions options);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Registration, before start(). Several handlers for one type all run, concurrently.
  template <events::EventView View, EventHandler<View> F>
  void on(F handler) {
    static_assert(!std::is_same_v<View, events::UiRender>,
                  "ui_render is routed by componentId: register it with Runtime::component()");
    static_assert(!std::is_same_v<View, events::GenericEvent>,
                  "name the type: Runtime::on(\"task\", handler)");
    add_handler(std::size_t(View::kType),
                [h = std::move(handler)](const events::Event& e, Context& c) mutable {
                  return h(*std::get_if<View>(&e), c);
                });
  }
  // A handler for a type without a typed view ("task", "fetch", a new GitBook type).
  template <EventHandler<events::GenericEvent> F>
  void on(std::string type_name, F handler) {
    add_handler(type_id_for(std::move(type_name)),
                [h = std::move(handler)](const events::Event& e, Context& c) mutable {
                  return h(*std::get_if<events::GenericEvent>(&e), c);
                });
  }
  // The `fetch` handler (one): the HTTP request GitBook received for the integration, answered
  // with the handler's Response. A Router is one. Without it: 400, as GitBook's runtime.
  template <RespondingHandler<events::Fetch, Response> F>
  void fetch(F handler) {
    set_responder(events::EventType::fetch, respond_with<events::Fetch>(std::move(handler)));
  }
  // The `fetch_published_script` handler (one): the script injected into a published site.
  // std::nullopt answers GitBook's no-op script (`/** no-op */`, application/javascript).
  template <RespondingHandler<events::FetchPublishedScript, std::optional<Response>> F>
  void published_script(F handler) {
    set_responder(
        events::EventType::fetch_published_script,
        [h = std::move(handler)](const events::Event& e, Context& c) mutable {
          return published_script_answer(h(*std::get_if<events::FetchPublishedScript>(&e), c));
        });
  }
  // The `fetch_visitor_authentication` handler (one): typically a redirect to a login page.
  template <RespondingHandler<events::FetchVisitorAuthentication, Response> F>
  void visitor_authentication(F handler) {
    set_responder(events::EventType::fetch_visitor_authentication,
                  respond_with<events::FetchVisitorAuthentication>(std::move(handler)));
  }
  // The content source `source_id` (content_compute_document and _revision events route by
  // sourceId). The handler returns JSON text: for a revision, GitBook's
  // ContentComputeRevisionEventResponse; for a document, the Document, which is answered as
  // {"document": …} as GitBook's createContentSource does. Unknown source: 404.
  template <RespondingHandler<events::ContentCompute, std::string> F>
  void content_source(std::string source_id, F handler) {
    add_content_source(std::move(source_id), [h = std::move(handler)](const events::Event& e,
                                                                      Context& c) mutable {
      const auto& compute = std::visit(
          [](const auto& v) -> const events::ContentCompute& {
            if constexpr (std::is_base_of_v<events::ContentCompute, std::decay_t<decltype(v)>>) {
              return v;
            } else {
              throw std::logic_error("not a content_compute event");
            }
          },
          e);
      return content_answer(h(compute, c), events::type_of(e));
    });
  }
  // The ui_render component `component_id`, with GitBook's component model (component.hpp).
  void component(std::string component_id, ComponentSpec spec) {
    add_component(std::move(component_id),
                  [s = std::move(spec)](const events::UiRender& e, Context& c) {
                    return run_component(s, e, c);
                  });
  }
  // The same with a handler that answers the whole ContentKit output itself.
  template <ComponentHandler F>
  void component(std::string component_id, F handler) {
    add_component(std::move(component_id), Component(std::move(handler)));
  }

  // Where events acknowledged `forwarded` (RuntimeOptions::ack_per_type) go; before start(),
  // which refuses that ack mode without one. Not owned: it must outlive the runtime's use.
  void forward_to(Forwarder& forwarder) noexcept { forwarder_ = &forwarder; }
  // The same for events acknowledged `stored` (gbrt::pg::EventStore).
  void store_to(Forwarder& store) noexcept { store_ = &store; }

  // A service handlers reach through Context::service<T>() (a database pool, say); before
  // start(). Not owned: it must outlive the runtime's use.
  template <class T>
  void provide(T& service) {
    services_[std::type_index(typeid(T))] = &service;
  }
  template <class T>
  T* find_service() const noexcept {
    auto it = services_.find(std::type_index(typeid(T)));
    return it == services_.end() ? nullptr : static_cast<T*>(it->second);
  }

  // Closes registration; in owned mode starts the shard threads.
  void start();

  // The life of one parsed event (slot->event set) on `shard`'s executor: admission, then
  // either the queue (202) or the handlers under their deadline, and the answer. When
  // `client` (optional) leaves, the handlers are cancelled (not for queued events).
  boost::asio::awaitable<Answer> execute(SlotPtr slot, Shard& shard, ClientWatch* client = nullptr);
  // The same for an event a Forwarder's consumer delivers back: its handlers run here
  // (admission, deadline, dedup, metrics as usual) whatever its type's ack mode says.
  boost::asio::awaitable<Answer> run_delivered(SlotPtr slot, Shard& shard);
  // Raw bytes in, answer out, on a shard of the runtime's choosing: for services that
  // receive events some other way, and for tests. `environment_json` as GitBook's dispatcher
  // sends it. Taken by value: the coroutine starts when awaited, after the caller's
  // temporaries are gone.
  boost::asio::awaitable<Answer> handle(std::string event_json,
                                        std::optional<std::string> environment_json = {});
  // The same on `shard`, awaited from that shard's executor: no executor switch (replay()).
  boost::asio::awaitable<Answer> handle_on(std::string event_json,
                                           std::optional<std::string> environment_json,
                                           Shard& shard);
  // Runs `event`'s handlers now, without admission, deadline or queue (benchmarks, tests).
  // Call on `shard`'s executor; the views must outlive the returned awaitable.
  boost::asio::awaitable<Answer> dispatch(const events::Event& event,
                                          const events::Environment* environment, Shard& shard);

  // Shutdown in three steps; shutdown() does all three.
  // 1. Draining: /readyz fails; accepted work goes on.
  void begin_drain() noexcept { draining_ = true; }
  // 2. Wait (blocking) until no event runs or waits in a queue and no wait_until work is
  //    left, or `timeout` passes, or skip_drain() is called. True if everything finished.
  // `also_idle`, when given, must hold too (a server's requests being read, say).
  bool drain(std::chrono::milliseconds timeout, std::function<bool()> also_idle = {});
  void skip_drain() noexcept { skip_drain_ = true; }
  // 3. Cancel what remains (running handlers, queued events, delayed tasks), give handlers
  //    options.cancel_grace to unwind, stop the shards and join their threads.
  void stop();
  // All three, with RuntimeOptions' drain timeout given here.
  void shutdown(std::chrono::milliseconds drain_timeout = std::chrono::seconds(20));

  bool draining() const noexcept { return draining_; }
  // No event runs or waits in a queue, and no wait_until work is left.
  bool idle() const noexcept {
    return inflight_.load() == 0 && queued_.load() == 0 && background_.load() == 0;
  }
  bool overloaded() const noexcept { return inflight_.load() >= max_inflight_.load(); }
  // Changes RuntimeOptions::max_inflight while serving (a reload); events already admitted
  // run on.
  void set_max_inflight(std::size_t max_inflight) noexcept { max_inflight_ = max_inflight; }
  std::size_t max_inflight() const noexcept { return max_inflight_.load(); }
  // Events of the types acknowledged `forwarded` or `stored` can be handed on now (true
  // when no type is): the forwarder's store and the runtime's store are reachable.
  bool forwarding_ready() const noexcept {
    return (!forwards_ || forwarder_->ready()) && (store_ == nullptr || store_->ready());
  }
  std::size_t in_flight() const noexcept { return inflight_.load(); }
  std::size_t queued() const noexcept { return queued_.load(); }
  std::size_t pending_background() const noexcept { return background_.load(); }
  std::size_t pending_tasks() const noexcept { return tasks_pending_.load(); }
  // One JSON object: per type received, handled by outcome, pending; tasks and background.
  std::string stats_json() const;

  std::size_t shard_count() const noexcept { return shards_.size(); }
  Shard& shard(std::size_t i) noexcept { return *shards_[i]; }
  Metrics& metrics() { return *metrics_; }
  const RuntimeOptions& options() const noexcept { return options_; }
  // A typed event's name, or a name registered with on(name, …).
  bool knows_type(std::string_view name) const;
  // The type id used for metrics: typed events, "other", then registered names.
  std::size_t type_id(const events::Event& event) const noexcept;
  boost::asio::thread_pool::executor_type compute_executor() { return compute_.get_executor(); }

 private:
  friend class Context;
  struct TypeState;
  void init();
  void add_handler(std::size_t type_id, Handler handler);
  void add_component(std::string id, Component component);
  void set_responder(events::EventType type, Responder responder);
  void add_content_source(std::string id, Responder responder);
  template <class View, class F>
  static Responder respond_with(F handler) {
    return [h = std::move(handler)](const events::Event& e, Context& c) mutable {
      return response_answer(h(*std::get_if<View>(&e), c));
    };
  }
  static boost::asio::awaitable<Answer> response_answer(boost::asio::awaitable<Response> response);
  static boost::asio::awaitable<Answer> published_script_answer(
      boost::asio::awaitable<std::optional<Response>> response);
  static boost::asio::awaitable<Answer> content_answer(boost::asio::awaitable<std::string> json,
                                                       events::EventType type);
  // The answer for an event nobody registered for, as GitBook's runtime words it.
  static Answer unhandled(const events::Event& event);
  // The handler that answers `event` itself, if one is registered.
  const Responder* responder_for(const events::Event& event) const;
  std::size_t type_id_for(std::string name);
  void spawn_background(Shard& shard, boost::asio::awaitable<void> work,
                        const events::EventBase& event);
  void schedule_task(Shard& shard, SlotPtr slot, std::chrono::milliseconds delay);
  boost::asio::awaitable<void> delayed_task(SlotPtr slot, Shard& shard,
                                            std::chrono::milliseconds delay);
  boost::asio::awaitable<Answer> execute_as(SlotPtr slot, Shard& shard, ClientWatch* client,
                                            bool delivered);
  boost::asio::awaitable<Answer> forward(SlotPtr slot, Shard& shard);
  boost::asio::awaitable<std::optional<Answer>> store(EventSlot& slot, Shard& shard);
  Answer enqueue(SlotPtr slot, Shard& shard);
  void pump_queue(Shard& shard);
  boost::asio::awaitable<Answer> supervise(SlotPtr slot, Shard& shard, ClientWatch* client);
  boost::asio::awaitable<void> run(EventSlot& slot, Shard& shard);
  boost::asio::awaitable<Answer> run_handlers(const events::Event& event,
                                              const events::Environment* environment, Shard& shard,
                                              std::size_t type, const StopReason* stop);
  boost::asio::awaitable<void> run_all(const std::vector<Handler>& handlers,
                                       const events::Event& event, Context& context);
  void cancel_everything(Shard& shard);
  std::size_t queued_waiting() const noexcept;

  RuntimeOptions options_;
  // Shards before contexts: destroying a context destroys its pending coroutines, whose
  // event slots go back to the shards' pools.
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;  // owned mode only
  std::vector<std::thread> threads_;
  boost::asio::thread_pool compute_;

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>()(s);
    }
  };
  template <class T>
  using StringMap = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;

  StringMap<std::size_t> named_types_;             // registered type names -> type id
  std::vector<std::vector<Handler>> handlers_;     // index: type id
  std::vector<std::unique_ptr<TypeState>> types_;  // index: type id; built by start()
  StringMap<Component> components_;
  std::vector<Responder> responders_;  // index: typed event type
  StringMap<Responder> content_sources_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<DedupTable> dedup_;  // with options_.dedup_window
  Forwarder* forwarder_ = nullptr;
  bool forwards_ = false;  // some type's ack mode is `forwarded` (set by start())
  Forwarder* store_ = nullptr;
  std::unordered_map<std::type_index, void*> services_;

  std::atomic<std::size_t> max_inflight_{0};    // options_.max_inflight, adjustable
  std::atomic<std::size_t> inflight_{0};        // handled-mode events running
  std::atomic<std::size_t> queued_{0};          // queued events, waiting or running
  std::atomic<std::size_t> queued_waiting_{0};  // queued events not started
  std::atomic<std::size_t> background_{0};
  std::atomic<std::size_t> tasks_pending_{0};
  std::atomic<std::size_t> tasks_cancelled_{0};
  std::atomic<std::size_t> next_shard_{0};
  std::atomic<bool> draining_{false};
  std::atomic<bool> skip_drain_{false};
  std::atomic<bool> stopping_{false};
  bool started_ = false;  // registration is closed
};

namespace detail {
template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> call_on_pool(F fn) {
  co_return fn();
}
}  // namespace detail

template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> Context::offload(F fn) const {
  // co_spawn onto the pool and await it there: the coroutine resumes on this shard after.
  auto work = detail::call_on_pool(std::move(fn));
  co_return co_await boost::asio::co_spawn(runtime_.compute_executor(), std::move(work),
                                           boost::asio::use_awaitable);
}

template <class T>
T& Context::service() const {
  if (T* found = runtime_.find_service<T>()) return *found;
  throw std::logic_error(std::string("no service of type ") + typeid(T).name() +
                         ": Runtime::provide() it before start()");
}

}  // namespace runtime

using runtime::Context;
using runtime::Runtime;

}  // namespace gbrt
