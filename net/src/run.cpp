#include <gbrt/net/run.hpp>

namespace gbrt::net {

bool run_until_signal(runtime::Runtime& runtime, Server& server, runtime::RunOptions options) {
  options.start_intake = [&server, start = std::move(options.start_intake)] {
    server.start();
    if (start) start();
  };
  options.stop_intake = [&server, stop = std::move(options.stop_intake)] {
    server.stop();
    if (stop) stop();
  };
  options.also_idle = [&server, idle = std::move(options.also_idle)] {
    return server.busy_connections() == 0 && (!idle || idle());
  };
  return runtime::run_until_signal(runtime, options);
}

}  // namespace gbrt::net
