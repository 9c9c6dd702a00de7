// Runtime parts shared by runtime.cpp and execute.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <string>
#include <string_view>

#include <boost/asio/steady_timer.hpp>

#include <gbrt/runtime/log.hpp>
#include <gbrt/runtime/runtime.hpp>

namespace gbrt::runtime {

// A type's policy (from RuntimeOptions) and its count of running events.
struct Runtime::TypeState {
  std::size_t max_inflight = 0;          // 0: only the global cap
  std::chrono::milliseconds deadline{};  // RuntimeOptions::deadline, or the type's own
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

// The message of whatever `error` holds.
inline std::string exception_text(std::exception_ptr error) noexcept {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
  }
  return "unknown exception";
}

// Logs an error at error level, with the event's id and type when it is about one.
inline void log_exception(std::string_view what, std::exception_ptr error,
                          const events::EventBase* event = nullptr) noexcept {
  const std::string detail = exception_text(error);
  if (event != nullptr) {
    log::error(what,
               {{"event_id", event->event_id}, {"event_type", event->type}, {"error", detail}});
  } else {
    log::error(what, {{"error", detail}});
  }
}

}  // namespace gbrt::runtime
