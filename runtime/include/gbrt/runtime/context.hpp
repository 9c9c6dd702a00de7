// What a handler gets besides its event: the environment, its shard's executor, and the
// ways to do more work: wait_until (background), queue_task (later), offload (CPU-heavy),
// and to reach the world: http() (any HTTPS service), api() (GitBook's API).
#pragma once

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeindex>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gbrt/events/views.hpp>
#include <gbrt/http/client.hpp>
#include <gbrt/runtime/api.hpp>

namespace gbrt::runtime {

class Runtime;
class Shard;

class Context {
 public:
  Context(Runtime& runtime, Shard& shard, const events::EventBase& event,
          const events::Environment* environment) noexcept
      : runtime_(runtime), shard_(shard), event_(event), environment_(environment) {}
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // The event being handled (its typed view is the handler's first argument).
  const events::EventBase& event() const noexcept { return event_; }
  // GitBook's dispatcher sends an environment; the Webhook format does not (nullptr).
  const events::Environment* environment() const noexcept { return environment_; }
  // The shard this event runs on; handlers resume here after every co_await.
  boost::asio::any_io_executor executor() const noexcept;
  std::size_t shard_index() const noexcept;
  Runtime& runtime() const noexcept { return runtime_; }
  // The service of type T the embedder provided (Runtime::provide), e.g. a gbrt::pg::Pool;
  // std::logic_error when there is none.
  template <class T>
  T& service() const;

  // The shard's outbound HTTP(S) client (made at its first use): `http::Request r{.url =
  // "https://…"}; co_await ctx.http().send(std::move(r))` (a local: g++ 12 miscompiles a
  // braced temporary there). The handler's deadline cancels a pending call; keep-alive
  // connections are pooled per shard and origin.
  http::Client& http() const;

  // Runs `work` on this shard in the background; the event's answer does not wait for it,
  // the runtime's drain does. `work` must not refer to the event's views (they end with
  // the answer): copy what it needs into the coroutine.
  void wait_until(boost::asio::awaitable<void> work) const;

  // Queues a task, as GitBook's context.integration.queueTask does: the `task` handlers run
  // after `delay` (0 to 86,400 s, std::out_of_range otherwise) with a Task whose `task` is
  // `payload_json` (a JSON object, else std::invalid_argument; both thrown at once). When the
  // event came with an environment naming GitBook's API, the task is queued there (the
  // integration's token) and survives a restart: await the result, which throws ApiError if
  // GitBook refuses it. Otherwise it waits in this process's memory with this event's
  // environment (pending ones are cancelled at shutdown and counted in the final stats).
  [[nodiscard]] boost::asio::awaitable<void> queue_task(std::string_view payload_json,
                                                        std::chrono::milliseconds delay) const;

  // GitBook's API with the installation's token when the environment has one, else the
  // integration's (GitBook's `context.api`); integration_api() always with the
  // integration's (`context.integration.api`). At the environment's apiEndpoint, with
  // `User-Agent: integration-<name>/<version>`. Without an environment (Webhook format)
  // the client is not configured: its calls throw ApiError.
  ApiClient api() const;
  ApiClient integration_api() const;

  // Runs `fn()` on the runtime's compute pool and resumes this handler on its shard with
  // the result: for CPU-heavy work that would otherwise stall every event of the shard.
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F&>> offload(F fn) const;

 private:
  Runtime& runtime_;
  Shard& shard_;
  const events::EventBase& event_;
  ApiClient make_api(bool installation_token) const;
  void* find_service(std::type_index type) const noexcept;
  boost::asio::thread_pool::executor_type compute_executor() const;
  const events::Environment* environment_;
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
  co_return co_await boost::asio::co_spawn(compute_executor(), std::move(work),
                                           boost::asio::use_awaitable);
}

template <class T>
T& Context::service() const {
  if (void* found = find_service(std::type_index(typeid(T)))) return *static_cast<T*>(found);
  throw std::logic_error(std::string("no service of type ") + typeid(T).name() +
                         ": Runtime::provide() it before start()");
}

}  // namespace gbrt::runtime
