// Parse-and-dispatch helpers for runtime tests: run one event through a Runtime's shard
// and wait for its Answer, with a time limit so a hang fails instead of blocking.
#pragma once

#include <chrono>
#include <future>
#include <stdexcept>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include <gbrt/runtime/runtime.hpp>

namespace gbrt::test {

inline boost::asio::awaitable<runtime::Answer> parse_and_dispatch(Runtime& runtime,
                                                                  runtime::Shard& shard,
                                                                  std::string json) {
  events::PaddedBuffer body(json);
  events::StringArena arena;
  auto event = shard.parser().parse_event(body.view(), arena);
  if (!event) co_return runtime::Answer::error(400, event.error().message());
  co_return co_await runtime.dispatch(event.value(), nullptr, shard);
}

// Dispatches `json` on shard `index` of a started runtime; throws after `limit`.
inline runtime::Answer dispatch_json(Runtime& runtime, std::string json, std::size_t index = 0,
                                     std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  runtime::Shard& shard = runtime.shard(index);
  auto future =
      boost::asio::co_spawn(shard.executor(), parse_and_dispatch(runtime, shard, std::move(json)),
                            boost::asio::use_future);
  if (future.wait_for(limit) != std::future_status::ready) {
    throw std::runtime_error("dispatch did not complete in time");
  }
  return future.get();
}

}  // namespace gbrt::test
