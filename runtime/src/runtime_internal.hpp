// Runtime parts shared by runtime.cpp and execute.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>

#include <boost/asio/steady_timer.hpp>

#include <gbrt/runtime/runtime.hpp>

namespace gbrt::runtime {

// A type's policy (from RuntimeOptions) and its count of running events.
struct Runtime::TypeState {
  std::size_t max_inflight = 0;  // 0: only the global cap
  std::chrono::milliseconds deadline{8000};
  AckMode ack = AckMode::handled;
  std::atomic<std::size_t> running{0};
};

// Where run() leaves the answer for supervise(), in supervise()'s frame.
struct Waiter {
  explicit Waiter(const boost::asio::any_io_executor& executor) : wake(executor) {}
  boost::asio::steady_timer wake;  // cancelled when `done` becomes true
  bool done = false;
  Answer answer;
};

inline void log_exception(const char* what, std::exception_ptr error) noexcept {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gbrt: %s: %s\n", what, e.what());
  } catch (...) {
    std::fprintf(stderr, "gbrt: %s\n", what);
  }
}

}  // namespace gbrt::runtime
