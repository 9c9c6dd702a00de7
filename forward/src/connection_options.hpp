// What every gbrt connection to NATS shares: the servers, reconnecting forever.
#pragma once

#include <nats/nats.h>

#include <gbrt/forward/jetstream.hpp>

namespace gbrt::forward {

// Fills `opts` (made by natsOptions_Create) with the servers of `options`, `name`, and
// gbrt's timing: reconnect forever, every 250 ms (while disconnected, forwarded events are
// answered 503), connect within 2 s, 1 MiB buffers.
natsStatus set_connection_options(natsOptions* opts, const JetStreamOptions& options,
                                  const char* name);

}  // namespace gbrt::forward
