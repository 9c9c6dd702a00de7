// gbrt::runtime::ShardExecutor: the executor type of a shard, and of the coroutines, sockets
// and timers that run on one (the connections and the event path).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gbrt::runtime {

// A shard's executor: its io_context's, a concrete type. Sockets, timers and coroutines on
// it complete without the type erasure (construction, copy, destruction) any_io_executor
// costs on every completion.
using ShardExecutor = boost::asio::io_context::executor_type;
// A coroutine on a shard: the connections' and the event path's (handlers stay
// boost::asio::awaitable, on any_io_executor).
template <class T = void>
using ShardAwaitable = boost::asio::awaitable<T, ShardExecutor>;
inline constexpr boost::asio::use_awaitable_t<ShardExecutor> shard_awaitable;
// The same, giving (error_code, results…) as a tuple: errors as values on the event path.
inline constexpr auto shard_await = boost::asio::as_tuple(shard_awaitable);
using ShardTimer = boost::asio::basic_waitable_timer<
    std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>, ShardExecutor>;

}  // namespace gbrt::runtime
