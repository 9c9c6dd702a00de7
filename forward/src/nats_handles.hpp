// The libnats handles a JetStream owns, typed, for the forward module's own sources (the
// public header keeps nats.h out and hands no handle out).
#pragma once

#include <nats/nats.h>

#include <gbrt/forward/jetstream.hpp>

namespace gbrt::forward {

struct NatsHandles {
  static natsConnection* connection(const JetStream& jetstream) noexcept {
    return static_cast<natsConnection*>(jetstream.connection_);
  }
  static jsCtx* context(const JetStream& jetstream) noexcept {
    return static_cast<jsCtx*>(jetstream.context_);
  }
};

}  // namespace gbrt::forward
