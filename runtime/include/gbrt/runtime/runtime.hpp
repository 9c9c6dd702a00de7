// gbrt::Runtime: shards (a thread and an executor each), the handler registry, and the
// life of an event: admission, handlers under a deadline, queues, answer, drain.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <gbrt/runtime/client_watch.hpp>
#include <gbrt/runtime/forwarder.hpp>
#include <gbrt/runtime/metrics.hpp>
#include <gbrt/runtime/options.hpp>
#include <gbrt/runtime/registry.hpp>
#include <gbrt/runtime/shard.hpp>

namespace gbrt {
namespace runtime {

// Registration (on, fetch, component, provide, …) is Registry's: registry.hpp.
class Runtime final : public Registry {
 public:
  // Owns `options.threads` shards, each an io_context run by its own thread after start().
  explicit Runtime(RuntimeOptions options = {});
  // Runs on io_contexts the embedding service owns (one shard each: pass their
  // get_executor()) and runs itself. A shard's state is unsynchronized: each io_context must
  // be run by one thread. The concrete executor type (not any_io_executor) is what the
  // connections and the event path are compiled for (ShardExecutor).
  Runtime(std::vector<ShardExecutor> executors, RuntimeOptions options);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Where events acknowledged `forwarded` (RuntimeOptions::ack_per_type) go; before start(),
  // which refuses that ack mode without one. Not owned: it must outlive the runtime's use.
  void forward_to(Forwarder& forwarder) noexcept;
  // The same for events acknowledged `stored` (gbrt::pg::EventStore).
  void store_to(Forwarder& store) noexcept;

  // The service of type T given to provide() (registry.hpp), or nullptr.
  template <class T>
  T* find_service() const noexcept {
    return static_cast<T*>(find_service(std::type_index(typeid(T))));
  }
  void* find_service(std::type_index type) const noexcept;

  // Closes registration; in owned mode starts the shard threads.
  void start();

  // The life of one parsed event (slot->event set) on `shard`'s executor: dedup, then the
  // queue (202), the forwarder or the store as its type's ack mode says, or admission and
  // the handlers under their deadline; and the answer. When `client` (optional) leaves, the
  // handlers are cancelled (not for queued events). Call it on the shard's thread and
  // co_await the result at once: what comes before the handlers (dedup, the queue, the
  // metrics) happens at the call, not when awaited.
  ShardAwaitable<Answer> execute(SlotPtr slot, Shard& shard, ClientWatch* client = nullptr);
  // The same for an event a Forwarder's consumer delivers back: its handlers run here
  // (admission, deadline, dedup, metrics as usual) whatever its type's ack mode says.
  ShardAwaitable<Answer> run_delivered(SlotPtr slot, Shard& shard);
  // Raw bytes in, answer out, on a shard of the runtime's choosing: for services that
  // receive events some other way, and for tests. `environment_json` as GitBook's dispatcher
  // sends it. Taken by value: the coroutine starts when awaited, after the caller's
  // temporaries are gone.
  boost::asio::awaitable<Answer> handle(std::string event_json,
                                        std::optional<std::string> environment_json = {});
  // The same on `shard`, awaited from that shard's executor: no executor switch (replay()).
  ShardAwaitable<Answer> handle_on(std::string event_json,
                                   std::optional<std::string> environment_json, Shard& shard);
  // Runs `event`'s handlers now, without admission, deadline or queue (benchmarks, tests).
  // Call on `shard`'s executor; the views must outlive the returned awaitable.
  boost::asio::awaitable<Answer> dispatch(const events::Event& event,
                                          const events::Environment* environment, Shard& shard);

  // Shutdown in three steps; shutdown() does all three.
  // 1. Draining: /readyz fails; accepted work goes on.
  void begin_drain() noexcept;
  // 2. Wait (blocking) until no event runs or waits in a queue and no wait_until work is
  //    left, or `timeout` passes, or skip_drain() is called. True if everything finished.
  // `also_idle`, when given, must hold too (a server's requests being read, say).
  bool drain(std::chrono::milliseconds timeout, std::function<bool()> also_idle = {});
  void skip_drain() noexcept;
  // 3. Cancel what remains (running handlers, queued events, delayed tasks), give handlers
  //    options.cancel_grace to unwind, stop the shards and join their threads.
  void stop();
  // All three, with RuntimeOptions' drain timeout given here.
  void shutdown(std::chrono::milliseconds drain_timeout = std::chrono::seconds(20));

  bool draining() const noexcept;
  // No event runs or waits in a queue, and no wait_until work is left.
  bool idle() const noexcept;
  bool overloaded() const noexcept;
  // Changes RuntimeOptions::max_inflight while serving (a reload); events already admitted
  // run on.
  void set_max_inflight(std::size_t max_inflight) noexcept;
  std::size_t max_inflight() const noexcept;
  // Events of the types acknowledged `forwarded` or `stored` can be handed on now (true
  // when no type is): the forwarder's store and the runtime's store are reachable.
  bool forwarding_ready() const noexcept;
  std::size_t in_flight() const noexcept;
  std::size_t queued() const noexcept;
  std::size_t pending_background() const noexcept;
  std::size_t pending_tasks() const noexcept;
  // One JSON object: per type received, handled by outcome, pending; tasks and background.
  std::string stats_json() const;

  std::size_t shard_count() const noexcept;
  Shard& shard(std::size_t i) noexcept;
  Metrics& metrics();
  const RuntimeOptions& options() const noexcept;
  // A typed event's name, or a name registered with on(name, …).
  bool knows_type(std::string_view name) const;
  // The type id used for metrics: typed events, "other", then registered names.
  std::size_t type_id(const events::Event& event) const noexcept;
  boost::asio::thread_pool::executor_type compute_executor();

  // The runtime's state, for its own sources (runtime/src/runtime_impl.hpp).
  struct Impl;
  Impl& impl() noexcept { return *impl_; }

 private:
  void add_handler(std::size_t type_id, Handler handler) override;
  std::size_t type_id_for(std::string name) override;
  void set_responder(events::EventType type, Responder responder) override;
  void add_content_source(std::string id, Responder responder) override;
  void add_component(std::string id, Component component) override;
  void add_service(std::type_index type, void* service) override;

  std::unique_ptr<Impl> impl_;
};

}  // namespace runtime

using runtime::Context;
using runtime::Runtime;

}  // namespace gbrt
