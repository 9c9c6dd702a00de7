// Frees a libnats message on the calling thread.
#pragma once

#include <nats/nats.h>

namespace gbrt::forward {

// natsMsg_Destroy hands every message to libnats' garbage-collector thread (a wake-up of
// that thread per burst and a lock shared with it: a fifth of a forwarding shard's time in
// futex calls, measured). That thread only calls natsMsg_free, which libnats exports
// without declaring it: found at run time, this calls it here, or falls back to
// natsMsg_Destroy where a libnats has no such symbol. For messages this process owns
// (made by natsMsg_Create, or taken from a synchronous subscription) only.
void destroy_now(natsMsg* msg) noexcept;

}  // namespace gbrt::forward
