// POST /v1/batch: NDJSON, one event per line, each validated and dispatched like a single
// event; one answer that counts the accepted and names the rejected by line.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "server_state.hpp"

namespace gbrt::net {

// `batch` holds the whole body (already authenticated); the batch takes it over. Each line
// is parsed in place by its own event slot, which shares ownership of the body, so an event
// outliving the batch's answer (a handler ignoring cancellation) keeps it alive. The events
// run in order, one after another, through Runtime::execute (admission, deadlines, queues).
runtime::ShardAwaitable<runtime::Answer> handle_batch(Server::State& state, runtime::Shard& shard,
                                                      runtime::SlotPtr batch);

}  // namespace gbrt::net
