// The client waiting for an event's answer, as its transport sees it: how the runtime
// cancels an event's handlers when the client leaves (Runtime::execute).
#pragma once

#include <boost/asio/cancellation_signal.hpp>

namespace gbrt::runtime {

// The runtime asks the transport to start watching for the client leaving only once the
// handlers have run for RuntimeOptions::client_watch_after, so fast events never pay for a
// watch (a syscall); the transport emits `gone` when the client has left, which cancels
// the handlers.
class ClientWatch {
 public:
  virtual ~ClientWatch() = default;
  virtual void start_watching() = 0;
  boost::asio::cancellation_signal gone;
};

}  // namespace gbrt::runtime
