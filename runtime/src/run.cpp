#include <gbrt/runtime/run.hpp>

#include <csignal>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <gbrt/runtime/log.hpp>

namespace gbrt::runtime {

namespace asio = boost::asio;

namespace {

// The signal thread's state machine: serving, then the drain delay, then draining.
class SignalLoop {
 public:
  SignalLoop(Runtime& runtime, const RunOptions& options)
      : runtime_(runtime),
        options_(options),
        stops_(context_, SIGINT, SIGTERM),
        reloads_(context_),
        delay_(context_) {
    if (options_.on_reload) reloads_.add(SIGHUP);
  }
  ~SignalLoop() {
    if (drainer_.joinable()) drainer_.join();
  }

  // Until the drain has finished; true if it finished everything.
  bool run() {
    wait_for_stop();
    if (options_.on_reload) wait_for_reload();
    context_.run();
    if (drainer_.joinable()) drainer_.join();
    return drained_;
  }

 private:
  void wait_for_stop() {
    stops_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      on_stop_signal(signal);
      wait_for_stop();
    });
  }

  void wait_for_reload() {
    reloads_.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      log::info("reloading", {{"signal", "SIGHUP"}});
      options_.on_reload();
      wait_for_reload();
    });
  }

  void on_stop_signal(int signal) {
    const std::string number = std::to_string(signal);
    if (signalled_) {
      log::warn("signal again, cancelling what is left", {{"signal", number, true}});
      runtime_.skip_drain();
      delay_.cancel();
      close_and_drain();
      return;
    }
    signalled_ = true;
    const std::string delay = std::to_string(options_.drain_delay.count());
    const std::string timeout = std::to_string(options_.drain_timeout.count());
    log::info("draining", {{"signal", number, true},
                           {"drain_delay_ms", delay, true},
                           {"drain_timeout_ms", timeout, true}});
    runtime_.begin_drain();  // /readyz answers 503 from now on
    if (options_.on_signal) options_.on_signal(signal);
    delay_.expires_after(options_.drain_delay);
    delay_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) close_and_drain();
    });
  }

  void close_and_drain() {
    if (drainer_.joinable()) return;
    reloads_.cancel();
    drainer_ = std::thread([this] {
      if (options_.stop_intake) options_.stop_intake();
      drained_ = runtime_.drain(options_.drain_timeout, options_.also_idle);
      // With nothing left to wait for, run() returns.
      asio::post(context_, [this] { stops_.cancel(); });
    });
  }

  Runtime& runtime_;
  const RunOptions& options_;
  asio::io_context context_{1};
  asio::signal_set stops_;
  asio::signal_set reloads_;
  asio::steady_timer delay_;
  std::thread drainer_;
  bool signalled_ = false;
  bool drained_ = false;
};

}  // namespace

bool run_until_signal(Runtime& runtime, const RunOptions& options) {
  // Signals are caught before the intake opens: a SIGTERM right after start still drains.
  SignalLoop loop(runtime, options);
  runtime.start();
  try {
    if (options.start_intake) options.start_intake();
  } catch (...) {
    if (options.before_stop) options.before_stop();
    runtime.stop();
    throw;
  }
  if (options.on_started) options.on_started();
  const bool drained = loop.run();
  if (options.before_stop) options.before_stop();
  runtime.stop();
  return drained;
}

}  // namespace gbrt::runtime
