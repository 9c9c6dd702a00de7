// Runtime's state behind its public header (Runtime::Impl) and the parts of an event's life
// shared by runtime.cpp (set-up, registration, drain), execute.cpp, responders.cpp, context.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <typeindex>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <gbrt/runtime/dedup.hpp>
#include <gbrt/runtime/log.hpp>
#include <gbrt/runtime/runtime.hpp>
#include <gbrt/runtime/wakeup.hpp>

#include "shard_state.hpp"
#include "slot_state.hpp"
#include "tick_clock.hpp"

namespace gbrt::runtime {

// A type's policy (from RuntimeOptions) and its count of running events.
struct TypeState {
  std::size_t max_inflight = 0;          // 0: only the global cap
  std::chrono::milliseconds deadline{};  // RuntimeOptions::deadline, or the type's own
  AckMode ack = AckMode::handled;
  std::atomic<std::size_t> running{0};
};

// Where finish() leaves the answer for supervise(), in supervise()'s frame, and what the
// shard's sweep checks while the handlers run.
struct Waiter {
  Waiter(WakeupService& service, const ShardExecutor& executor) : wake(service, executor) {
    wake.set_cancellable(false);  // supervise() always has an answer to give
  }
  Wakeup wake;  // fired once `done`: by finish(), or by the sweep giving up on the handlers
  bool done = false;
  Answer answer;
  ClientWatch* client = nullptr;  // to be asked to watch at watch_at; null once asked
  // Set once the handlers suspend (before that no sweep runs: it is on this thread).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max(),
                                        slow_at = std::chrono::steady_clock::time_point::max(),
                                        watch_at = std::chrono::steady_clock::time_point::max();
  bool slow_reported = false;
};

// The message of whatever `error` holds.
inline std::string exception_text(std::exception_ptr error) noexcept {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
  }
  return "unknown exception";
}

// Logs an error at error level, with the event's id and type when it is about one.
inline void log_exception(std::string_view what, std::exception_ptr error,
                          const events::EventBase* event = nullptr) noexcept {
  const std::string detail = exception_text(error);
  if (event != nullptr) {
    log::error(what,
               {{"event_id", event->event_id}, {"event_type", event->type}, {"error", detail}});
  } else {
    log::error(what, {{"error", detail}});
  }
}

struct Runtime::Impl {
  Impl(Runtime& runtime, RuntimeOptions options);
  // Type ids 0..20: the typed events, then "other"; registered names come after.
  void init();

  std::size_t type_id(const events::Event& event) const noexcept;
  std::size_t type_id_for(std::string name);
  void check_registration_open(const char* what) const;
  // The handler that answers `event` itself, if one is registered.
  const Responder* responder_for(const events::Event& event) const;
  // The answer for an event nobody registered for, as GitBook's runtime words it
  // (responders.cpp).
  static Answer unhandled(const events::Event& event);

  // The life of an event (execute.cpp).
  // On the shard's concrete executor: the connections await these (ShardAwaitable).
  ShardAwaitable<Answer> execute_as(SlotPtr slot, ShardState& shard, ClientWatch* client,
                                    bool delivered);
  ShardAwaitable<Answer> handle_on(std::string event_json,
                                   std::optional<std::string> environment_json, ShardState& shard);
  static ShardAwaitable<Answer> answered(Answer answer);  // already known
  ShardAwaitable<Answer> forward(SlotPtr slot, ShardState& shard);
  ShardAwaitable<std::optional<Answer>> store(SlotState& slot, ShardState& shard);
  ShardAwaitable<Answer> store_then_run(SlotPtr slot, ShardState& shard, ClientWatch* client);
  Answer enqueue(SlotPtr slot, ShardState& shard);
  void pump_queue(ShardState& shard);
  // Admit::no: counted as running by the caller, outside the caps (queued and delayed tasks).
  enum class Admit { yes, no };
  bool admit(ShardState& shard, std::size_t type);
  Answer overloaded(std::size_t type) const;  // the answer when admit() said no
  ShardAwaitable<Answer> supervise(SlotPtr slot, ShardState& shard, ClientWatch* client,
                                   Admit admission);
  // The shard's sweep: one timer tick every kSweepEvery while events run, which checks
  // each running event's deadline, slow-handler warning and client watch.
  void arm_sweep(ShardState& shard);
  void sweep(ShardState& shard);
  void check(SlotState& slot, Waiter& waiter, std::chrono::steady_clock::time_point now);
  // After the handlers: the answer to its waiter, the event's counts, the queue's next.
  void finish(SlotState& slot, ShardState& shard, Answer&& answer);
  // On any_io_executor, as the handlers it awaits: its own coroutine thread (supervise()).
  // `started`: when the event started (TickClock), for the handler-duration histogram.
  boost::asio::awaitable<Answer> run_handlers(const events::Event& event,
                                              const events::Environment* environment,
                                              ShardState& shard, std::size_t type,
                                              const StopReason* stop, TickClock::Ticks started);
  boost::asio::awaitable<void> run_all(const std::vector<Handler>& handlers,
                                       const events::Event& event, Context& context);
  // Context's background work and delayed tasks.
  void spawn_background(Shard& shard, boost::asio::awaitable<void> work,
                        const events::EventBase& event);
  void schedule_task(ShardState& shard, SlotPtr slot, std::chrono::milliseconds delay);
  ShardAwaitable<void> delayed_task(SlotPtr slot, ShardState& shard,
                                    std::chrono::milliseconds delay);
  void cancel_everything(ShardState& shard);
  std::size_t queued_waiting() const noexcept;

  // Life cycle (runtime.cpp), behind Runtime's calls of the same names.
  void start();
  bool drain(std::chrono::milliseconds timeout, std::function<bool()> also_idle);
  void stop();
  std::string stats_json() const;
  bool idle() const noexcept {
    return inflight_.load() == 0 && queued_.load() == 0 && background_.load() == 0;
  }

  Runtime& runtime_;
  RuntimeOptions options_;
  // Shards before contexts: destroying a context destroys its pending coroutines, whose
  // event slots go back to the shards' pools.
  std::vector<std::unique_ptr<ShardState>> shards_;
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

}  // namespace gbrt::runtime
