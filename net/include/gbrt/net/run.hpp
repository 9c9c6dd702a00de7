// A runtime and its HTTP server run as a program: start both, serve until SIGTERM or SIGINT,
// answer /readyz 503 for the drain delay, close the listener, drain, stop.
#pragma once

#include <gbrt/net/server.hpp>
#include <gbrt/runtime/run.hpp>

namespace gbrt::net {

// runtime::run_until_signal with `server` as (part of) the intake: it starts after the
// runtime, closes after the drain delay, and the drain waits for its half-read requests.
// `options`' own intake callbacks run after the server's.
bool run_until_signal(runtime::Runtime& runtime, Server& server, runtime::RunOptions options = {});

}  // namespace gbrt::net
