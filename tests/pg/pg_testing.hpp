// What the gbrt::pg tests share: one PostgreSQL cluster for the whole binary (tests that
// stop the server make their own), a shard (an io_context on its own thread), and running
// a coroutine there with a time limit.
#pragma once

#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <gbrt/pg/connection.hpp>

#include "support/async.hpp"
#include "support/pg_cluster.hpp"

namespace gbrt::test {

// A table name of this process (tests of several builds may share a machine).
inline std::string unique_table(const char* name) {
  return std::string(name).append("_").append(std::to_string(::getpid()));
}

inline PgCluster& shared_cluster() {
  static PgCluster cluster;
  return cluster;
}

struct TestShard {
  TestShard() : thread([this] { io.run(); }) {}
  ~TestShard() {
    work.reset();
    io.stop();
    thread.join();
  }
  boost::asio::any_io_executor executor() { return io.get_executor(); }
  boost::asio::io_context io{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread;
  boost::asio::thread_pool blocking{1};
};

// co_spawn's future wants a default-constructible value; pg::Result is not.
template <class T, class E>
boost::asio::awaitable<std::optional<T>, E> boxed(boost::asio::awaitable<T, E> work) {
  co_return co_await std::move(work);
}

// A coroutine started on a shard; get() waits for its value.
template <class T>
struct Started {
  std::future<std::optional<T>> future;
  std::future_status wait_for(std::chrono::seconds limit) { return future.wait_for(limit); }
  T get() { return std::move(*future.get()); }
};

// On any executor the awaitable's executor type converts from (a shard's, for the runtime's
// ShardAwaitable).
template <class Executor, class T, class E>
Started<T> start_on(const Executor& executor, boost::asio::awaitable<T, E> work) {
  return {boost::asio::co_spawn(executor, boxed(std::move(work)), boost::asio::use_future)};
}

template <class Executor, class T, class E>
T run_on(const Executor& executor, boost::asio::awaitable<T, E> work,
         std::chrono::seconds limit = std::chrono::seconds(30)) {
  auto future = start_on(executor, std::move(work));
  if (future.wait_for(limit) != std::future_status::ready) {
    throw std::runtime_error("the coroutine did not finish in time");
  }
  return future.get();
}

// Runs `fn()` on `executor` and waits for it (closing a connection on its shard, say).
template <class F>
void call_on(boost::asio::any_io_executor executor, F fn) {
  std::promise<void> done;
  boost::asio::post(executor, [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

// A fixture with a connection to the shared cluster, connected before each test.
struct ConnectedTest : ::testing::Test {
  void SetUp() override {
    connection.start();
    ASSERT_TRUE(wait_for([&] { return connection.connected(); }));
  }
  void TearDown() override {
    call_on(shard.executor(), [this] { connection.close(); });
  }
  pg::Result<pg::Rows> query(std::string sql, std::vector<pg::Param> params = {}) {
    return run_on(shard.executor(), connection.query(sql, std::move(params)));
  }
  TestShard shard;
  pg::Connection connection{shard.executor(), shard.blocking.get_executor(),
                            shared_cluster().url()};
};

}  // namespace gbrt::test
