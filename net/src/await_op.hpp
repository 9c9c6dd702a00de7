// How the connection's code awaits an Asio operation: `co_await op(…, await_op<Stream>)` gives
// (error_code, results…) as a tuple, like as_tuple(use_awaitable), without its coroutine frame,
// in a coroutine on the shard's executor (runtime::ShardAwaitable).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/deferred.hpp>

#include <gbrt/runtime/shard_executor.hpp>

namespace gbrt::net {

// use_awaitable wraps each operation in a coroutine frame of its own (about 230 bytes from
// Asio's per-thread recycling cache, held while the operation waits): every idle connection
// held one, and as it took the first cached block big enough, 1,024 idle connections parked
// the blocks an event's larger frames needed, which then went to malloc. A deferred
// operation is awaited directly: its completion handler resumes the coroutine, no frame.
inline constexpr auto kAwaitOp = boost::asio::as_tuple(boost::asio::deferred);

// Whether `Stream`'s operations take kAwaitOp: Asio's sockets and gbrt's TlsSocket do; Beast's
// streams (Boost 1.81) do not (they ask the token for a return_type deferred has not), and
// the fuzz targets serve over Beast's test stream.
template <class Stream>
concept TakesAwaitOp = requires(Stream& stream, boost::asio::mutable_buffer buffer) {
  stream.async_read_some(buffer, kAwaitOp);
};

// The token for `Stream`'s operations.
template <class Stream>
inline constexpr auto await_op = [] {
  if constexpr (TakesAwaitOp<Stream>) {
    return kAwaitOp;
  } else {
    return runtime::shard_await;
  }
}();

}  // namespace gbrt::net
