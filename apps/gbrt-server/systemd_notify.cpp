#include "systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <boost/asio/post.hpp>

#include <gbrt/runtime/log.hpp>

namespace gbrt::app {

SystemdNotifier::SystemdNotifier(Runtime& runtime) : runtime_(runtime) {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_ = std::thread([this, usec] { watch(std::chrono::microseconds(usec / 2)); });
  }
}

SystemdNotifier::~SystemdNotifier() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  wake_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

void SystemdNotifier::ready(const std::string& status) {
  sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}

void SystemdNotifier::reloading() {
  sd_notify(0, "RELOADING=1");
}

void SystemdNotifier::stopping() {
  stopping_ = true;
  sd_notify(0, "STOPPING=1");
}

// Each round pings every shard; the next WATCHDOG=1 goes out only if all answered, so a
// shard stuck in a handler that never yields lets systemd restart the service. While
// stopping the shards wind down: the watchdog is kept fed until the process exits.
void SystemdNotifier::watch(std::chrono::microseconds interval) {
  const std::size_t shards = runtime_.shard_count();
  answered_->store(shards);
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval, [this] { return done_; })) {
    if (answered_->load() < shards && !stopping_) {
      log::warn("a shard did not answer within half the watchdog interval: WATCHDOG=1 withheld");
      continue;
    }
    sd_notify(0, "WATCHDOG=1");
    answered_->store(0);
    for (std::size_t i = 0; i < shards; ++i) {
      boost::asio::post(runtime_.shard(i).executor(),
                        [answered = answered_] { answered->fetch_add(1); });
    }
  }
}

}  // namespace gbrt::app
