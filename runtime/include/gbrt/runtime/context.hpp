// What a handler gets besides its event: the environment, its shard's executor, and
// wait_until() for background work that must finish before the runtime shuts down.
#pragma once

#include <cstddef>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <gbrt/events/views.hpp>

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

  // Runs `work` on this shard in the background; the event's answer does not wait for it,
  // the runtime's shutdown does. `work` must not refer to the event's views (they end with
  // the answer): copy what it needs into the coroutine.
  void wait_until(boost::asio::awaitable<void> work) const;

 private:
  Runtime& runtime_;
  Shard& shard_;
  const events::EventBase& event_;
  const events::Environment* environment_;
};

}  // namespace gbrt::runtime
