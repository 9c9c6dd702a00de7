// What a handler gets besides its event: the environment, its shard's executor, and the
// ways to do more work: wait_until (background), queue_task (later), offload (CPU-heavy).
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <gbrt/events/views.hpp>
#include <gbrt/http/client.hpp>

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

  // The shard's outbound HTTP(S) client (made at its first use): `co_await
  // ctx.http().send({.method = http::Method::get, .url = "https://…"})`. The handler's
  // deadline cancels a pending call; keep-alive connections are pooled per shard and origin.
  http::Client& http() const;

  // Runs `work` on this shard in the background; the event's answer does not wait for it,
  // the runtime's drain does. `work` must not refer to the event's views (they end with
  // the answer): copy what it needs into the coroutine.
  void wait_until(boost::asio::awaitable<void> work) const;

  // Runs the `task` handlers with `payload` (a JSON object, copied) after `delay`, as GitBook's
  // context.integration.queueTask does: the handlers get a Task whose `task` is the payload,
  // and this event's environment. Delay 0 to 86,400 s (std::out_of_range otherwise); a
  // payload that is not a JSON object throws std::invalid_argument. Tasks live in memory:
  // pending ones at shutdown are cancelled and counted in the final stats line.
  void queue_task(std::string_view payload_json, std::chrono::milliseconds delay) const;

  // Runs `fn()` on the runtime's compute pool and resumes this handler on its shard with
  // the result: for CPU-heavy work that would otherwise stall every event of the shard.
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F&>> offload(F fn) const;

 private:
  Runtime& runtime_;
  Shard& shard_;
  const events::EventBase& event_;
  const events::Environment* environment_;
};

}  // namespace gbrt::runtime
