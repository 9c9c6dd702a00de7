// The whole gbrt-server program (flags, configuration file, HTTP server, NATS forwarding and
// consuming, signals, drain) with the handlers a caller registers: gbrt-server registers
// the example handlers; a service with its own handlers gets the same server in one call.
#pragma once

#include <functional>
#include <memory>

#include <gbrt/runtime/runtime.hpp>

namespace gbrt::app {

// Registers handlers on the runtime before it starts; what it returns is kept alive until
// the runtime has stopped (state the handlers use).
using RegisterHandlers = std::function<std::shared_ptr<void>(Runtime&)>;

// Runs the server as gbrt-server does; returns the process exit status.
int server_main(int argc, char** argv, const RegisterHandlers& register_handlers);

}  // namespace gbrt::app
