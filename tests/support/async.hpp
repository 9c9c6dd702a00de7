// Small waits for tests: an awaitable sleep on an executor, and polling a condition with
// a time limit (so a hang fails the test instead of blocking it).
#pragma once

#include <chrono>
#include <thread>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gbrt::test {

inline boost::asio::awaitable<void> sleep_for(boost::asio::any_io_executor executor,
                                              std::chrono::steady_clock::duration duration) {
  boost::asio::steady_timer timer(executor, duration);
  co_await timer.async_wait(boost::asio::use_awaitable);
}

// `poll`: how often `done` is asked (longer when asking costs, e.g. a /metrics scrape).
template <class Predicate>
bool wait_for(Predicate done, std::chrono::seconds limit = std::chrono::seconds(20),
              std::chrono::milliseconds poll = std::chrono::milliseconds(2)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(poll);
  }
  return done();
}

}  // namespace gbrt::test
