// POST /v1/batch: NDJSON, one event per line, each validated and dispatched like a single
// event; one answer that counts the accepted and names the rejected by line.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "server_state.hpp"

namespace gbrt::net {

// `body` holds the whole batch (already authenticated). Events run concurrently, at most
// kBatchWindow at once per batch, through Runtime::execute (admission, deadlines, queues).
boost::asio::awaitable<runtime::Answer> handle_batch(Server::State& state, runtime::Shard& shard,
                                                     std::string_view body);

inline constexpr std::size_t kBatchWindow = 64;

}  // namespace gbrt::net
