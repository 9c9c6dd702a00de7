// launch(): starts an event's handlers as their own Asio coroutine thread, as co_spawn does, but
// without co_spawn's scheduler turns. co_spawn posts its completion when the coroutine
// finished without suspending (and the waiter then needs a wake-up post too); a handler
// that does not suspend now runs and ends inside launch(), with no post at all. Its own
// thread, not the caller's, so that a deadline can still be answered while a handler that
// ignores cancellation goes on (supervise() in execute.cpp).
//
// Asio has no public call for "start this thread now": this uses the two pieces co_spawn
// itself is made of (an entry-point coroutine and awaitable_handler::launch), which exist
// as such in the Boost this builds against (Debian 12's 1.81); elsewhere it is co_spawn.
#pragma once

#include <exception>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/version.hpp>

namespace gbrt::runtime::detail {

#if BOOST_VERSION == 108100
// The thread's bottom frame. `owned` is a parameter so that it is released after the
// frame's cancellation state, i.e. once the thread has wound down.
template <class T, class Executor, class Owned, class OnDone, class OnError>
boost::asio::awaitable<boost::asio::detail::awaitable_thread_entry_point, Executor> entry_point(
    boost::asio::awaitable<T, Executor> body, Owned owned, OnDone on_done, OnError on_error) {
  try {
    on_done(co_await std::move(body));
  } catch (...) {
    on_error(std::current_exception());
  }
}
#endif

// Runs `body` on `executor` (whose thread this must be) as a new coroutine thread, now,
// cancelled through `cancel`; its result goes to on_done, still on that thread; `owned`
// lives until the thread has ended; an exception escaping either goes to on_error.
template <class T, class Executor, class Owned, class OnDone, class OnError>
void launch(const Executor& executor, boost::asio::awaitable<T, Executor> body,
            boost::asio::cancellation_slot cancel, Owned owned, OnDone on_done, OnError on_error) {
#if BOOST_VERSION == 108100
  boost::asio::detail::awaitable_handler<Executor, void>(
      entry_point(std::move(body), std::move(owned), std::move(on_done), std::move(on_error)),
      executor, cancel, boost::asio::cancellation_state(cancel))
      .launch();
#else
  boost::asio::co_spawn(executor, std::move(body),
                        boost::asio::bind_cancellation_slot(
                            cancel, [owned = std::move(owned), on_done = std::move(on_done),
                                     on_error = std::move(on_error)](std::exception_ptr e, T t) {
                              if (e) return on_error(e);
                              try {
                                on_done(std::move(t));
                              } catch (...) {
                                on_error(std::current_exception());
                              }
                            }));
#endif
}

}  // namespace gbrt::runtime::detail
