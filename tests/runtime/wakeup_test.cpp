#include <gbrt/runtime/wakeup.hpp>

#include <memory>
#include <optional>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using gbrt::runtime::Wakeup;
using gbrt::runtime::WakeupService;

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> wait(Wakeup& wakeup, std::optional<error_code>& result) {
  auto [ec] = co_await wakeup.async_wait(kAwait);
  result = ec;
}

TEST(Wakeup, CompletesWhenFiredAfterTheWaitBegan) {
  asio::io_context io;
  Wakeup wakeup(WakeupService::of(io.get_executor()), io.get_executor());
  std::optional<error_code> result;
  asio::co_spawn(io, wait(wakeup, result), asio::detached);
  io.poll();
  EXPECT_FALSE(result);
  EXPECT_TRUE(wakeup.waiting());
  wakeup.fire();
  EXPECT_FALSE(result);  // posted, never run inside fire()
  io.poll();
  ASSERT_TRUE(result);
  EXPECT_FALSE(*result);
  EXPECT_FALSE(wakeup.waiting());
}

TEST(Wakeup, AFireBeforeTheWaitIsKept) {
  asio::io_context io;
  Wakeup wakeup(WakeupService::of(io.get_executor()), io.get_executor());
  wakeup.fire(asio::error::eof);
  std::optional<error_code> result;
  asio::co_spawn(io, wait(wakeup, result), asio::detached);
  io.poll();
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, asio::error::eof);
}

TEST(Wakeup, CancellationEndsTheWaitOnlyWhileCancellable) {
  asio::io_context io;
  Wakeup wakeup(WakeupService::of(io.get_executor()), io.get_executor());
  asio::cancellation_signal cancel;
  std::optional<error_code> result;
  wakeup.set_cancellable(false);
  asio::co_spawn(io, wait(wakeup, result),
                 asio::bind_cancellation_slot(cancel.slot(), asio::detached));
  io.poll();
  cancel.emit(asio::cancellation_type::terminal);
  io.poll();
  EXPECT_FALSE(result);  // ignored: it waits for its fire()
  wakeup.set_cancellable(true);
  cancel.emit(asio::cancellation_type::terminal);
  io.poll();
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, asio::error::operation_aborted);
}

// A context destroyed with a wait pending destroys the waiting coroutine (its frame's
// destructors run), as it does for its own operations: nothing leaks.
TEST(Wakeup, AContextShutDownDestroysThePendingWaiter) {
  auto destroyed = std::make_shared<bool>(false);
  struct Flag {
    std::shared_ptr<bool> flag;
    ~Flag() { *flag = true; }
  };
  {
    asio::io_context io;
    auto waiter = [](gbrt::runtime::ShardExecutor executor,
                     std::shared_ptr<bool> flag) -> asio::awaitable<void> {
      Flag on_exit{std::move(flag)};
      Wakeup wakeup(WakeupService::of(executor), executor);
      co_await wakeup.async_wait(kAwait);
    };
    asio::co_spawn(io, waiter(io.get_executor(), destroyed), asio::detached);
    io.poll();
    EXPECT_FALSE(*destroyed);
  }
  EXPECT_TRUE(*destroyed);
}

}  // namespace
