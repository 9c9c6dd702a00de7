// gbrt::Runtime: shards (a thread and an executor each), the handler registry, and
// dispatch of a parsed event to its handlers with GitBook's answer semantics.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <gbrt/events/parse.hpp>
#include <gbrt/events/views.hpp>
#include <gbrt/runtime/answer.hpp>
#include <gbrt/runtime/context.hpp>
#include <gbrt/runtime/metrics.hpp>

namespace gbrt {
namespace runtime {

// Options of a Runtime that owns its threads.
struct RuntimeOptions {
  std::size_t threads = 0;                                         // shards; 0: one per core
  std::size_t max_event_bytes = events::Parser::kDefaultMaxBytes;  // parser capacity
};

// One thread's share of the runtime: an executor, a parser, metric cells. Everything
// here is used only from that executor's thread.
class Shard {
 public:
  Shard(std::size_t index, boost::asio::any_io_executor executor, std::size_t max_event_bytes)
      : index_(index), executor_(std::move(executor)), parser_(max_event_bytes) {}
  std::size_t index() const noexcept { return index_; }
  const boost::asio::any_io_executor& executor() const noexcept { return executor_; }
  events::Parser& parser() noexcept { return parser_; }

 private:
  std::size_t index_;
  boost::asio::any_io_executor executor_;
  events::Parser parser_;
};

template <class F, class View>
concept EventHandler = std::invocable<F&, const View&, Context&> &&
    std::same_as<std::invoke_result_t<F&, const View&, Context&>, boost::asio::awaitable<void>>;

template <class F>
concept ComponentHandler = std::invocable<F&, const events::UiRender&, Context&> &&
    std::same_as<std::invoke_result_t<F&, const events::UiRender&, Context&>,
                 boost::asio::awaitable<ComponentResponse>>;

class Runtime {
 public:
  using Handler = std::function<boost::asio::awaitable<void>(const events::Event&, Context&)>;
  using Component =
      std::function<boost::asio::awaitable<ComponentResponse>(const events::UiRender&, Context&)>;

  // Owns `options.threads` shards, each an io_context run by its own thread after start().
  explicit Runtime(RuntimeOptions options = {});
  // Runs on executors the embedding service owns (one shard each) and runs itself.
  explicit Runtime(std::vector<boost::asio::any_io_executor> executors,
                   std::size_t max_event_bytes = events::Parser::kDefaultMaxBytes);
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
  // The ui_render component `component_id`.
  template <ComponentHandler F>
  void component(std::string component_id, F handler) {
    add_component(std::move(component_id), Component(std::move(handler)));
  }

  // Starts the shard threads (owned mode). Handlers can no longer be registered.
  void start();
  // Waits for wait_until() work, up to `drain_timeout`, then stops the shards and joins.
  void shutdown(std::chrono::milliseconds drain_timeout = std::chrono::seconds(20));

  // Runs every handler of `event` and answers as GitBook's runtime does. Call on `shard`'s
  // executor; the event's views must stay valid until the returned awaitable completes.
  boost::asio::awaitable<Answer> dispatch(const events::Event& event,
                                          const events::Environment* environment, Shard& shard);

  std::size_t shard_count() const noexcept { return shards_.size(); }
  Shard& shard(std::size_t i) noexcept { return *shards_[i]; }
  Metrics& metrics();
  // The type id used for metrics: typed events, registered names, then "other".
  std::size_t type_id(const events::Event& event) const noexcept;
  // Background work started by Context::wait_until and not yet finished.
  std::size_t pending_background() const noexcept { return background_.load(); }

 private:
  friend class Context;
  void init_types();
  void add_handler(std::size_t type_id, Handler handler);
  void add_component(std::string id, Component component);
  std::size_t type_id_for(std::string name);
  void spawn_background(Shard& shard, boost::asio::awaitable<void> work);
  boost::asio::awaitable<void> run_all(const std::vector<Handler>& handlers,
                                       const events::Event& event, Context& context);

  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;  // owned mode only
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::thread> threads_;
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>()(s);
    }
  };
  template <class T>
  using StringMap = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;

  StringMap<std::size_t> named_types_;          // registered type names -> type id
  std::vector<std::vector<Handler>> handlers_;  // index: type id
  StringMap<Component> components_;
  std::unique_ptr<Metrics> metrics_;
  std::atomic<std::size_t> background_{0};
  bool started_ = false;  // owned mode: threads run, registration is closed
};

}  // namespace runtime

using runtime::Context;
using runtime::Runtime;

}  // namespace gbrt
