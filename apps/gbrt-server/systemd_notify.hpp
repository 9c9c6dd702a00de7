// gbrt-server under systemd's Type=notify (sd_notify through libsystemd): READY=1 once it
// listens, RELOADING=1 around a SIGHUP, STOPPING=1 at the first signal, and WATCHDOG=1 at
// half of WatchdogSec while every shard still runs work. Without NOTIFY_SOCKET: nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <gbrt/runtime/runtime.hpp>

namespace gbrt::app {

class SystemdNotifier {
 public:
  explicit SystemdNotifier(Runtime& runtime);
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  void ready(const std::string& status);
  void reloading();
  void stopping();

 private:
  void watch(std::chrono::microseconds interval);

  Runtime& runtime_;
  // Pings answered by the shards since the last WATCHDOG=1; shared with the posted pings,
  // which may run after this object is gone.
  std::shared_ptr<std::atomic<std::size_t>> answered_ =
      std::make_shared<std::atomic<std::size_t>>(0);
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread watchdog_;
};

}  // namespace gbrt::app
