// gbrt::pg::Pool on a runtime's shards: handlers reach it through their Context, and a
// shard keeps answering events while one of its handlers waits on a slow statement.
#include <gbrt/pg/pool.hpp>

#include <gtest/gtest.h>

#include <gbrt/runtime/runtime.hpp>

#include "pg/pg_testing.hpp"
#include "support/async.hpp"

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;
using gbrt::Context;
using gbrt::Runtime;
using gbrt::pg::Pool;
using gbrt::test::run_on;
using gbrt::test::shared_cluster;
using namespace std::chrono_literals;

// A type of its own: "task" is one of the typed events.
std::string task(std::string id, std::string payload) {
  return R"({"type":"pg_task","eventId":")" + id + R"(","task":)" + payload + "}";
}

TEST(PgPool, HandlersQueryThroughTheirContextAndTheShardKeepsServing) {
  Runtime runtime({.threads = 1});
  // Two connections: statements on one connection run one after another on the server.
  Pool pool(runtime, shared_cluster().url(), {.connections_per_shard = 2});
  runtime.provide(pool);
  std::atomic<int> slow_started{0}, slow_done{0};
  std::atomic<std::int64_t> answer{0};
  runtime.on("pg_task", [&](const ev::GenericEvent& e, Context& context) -> asio::awaitable<void> {
    const bool slow = e.json["task"]["slow"].get_bool().value_or(false);
    if (slow) ++slow_started;  // and its statement is sent before this shard does anything else
    std::vector<gbrt::pg::Param> params{e.json["task"]["n"].get_int64().value_or(0)};
    auto rows = co_await context.service<Pool>().query(
        context, slow ? "SELECT $1::int FROM pg_sleep(3)" : "SELECT $1::int * 3",
        std::move(params));
    if (!rows) throw std::runtime_error(rows.error().message);
    if (slow) {
      ++slow_done;
    } else {
      answer = *rows.value().at(0, 0).as_int();
    }
  });
  runtime.start();
  ASSERT_TRUE(pool.wait_connected(20s));
  auto slow = asio::co_spawn(runtime.shard(0).executor(),
                             runtime.handle(task("slow", R"({"slow":true})")), asio::use_future);
  ASSERT_TRUE(gbrt::test::wait_for([&] { return slow_started.load() == 1; }));
  // One shard: this event runs on the thread whose other handler waits for pg_sleep.
  auto quick = run_on(runtime.shard(0).executor(), runtime.handle(task("quick", R"({"n":14})")));
  EXPECT_EQ(quick.status, 200u) << quick.body;
  EXPECT_EQ(answer.load(), 42);
  EXPECT_EQ(slow_done.load(), 0);
  ASSERT_EQ(slow.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(slow.get().status, 200u);
  EXPECT_EQ(slow_done.load(), 1);
  pool.close();
  runtime.shutdown(1s);
}

TEST(PgPool, WithoutTheServiceAHandlerFailsClearly) {
  Runtime runtime({.threads = 1});
  runtime.on("pg_task", [&](const ev::GenericEvent&, Context& context) -> asio::awaitable<void> {
    context.service<Pool>();
    co_return;
  });
  runtime.start();
  auto answer = run_on(runtime.shard(0).executor(), runtime.handle(task("x", "{}")));
  EXPECT_EQ(answer.status, 500u);
  runtime.shutdown(1s);
}

TEST(PgPool, SpreadsOverItsConnections) {
  gbrt::test::TestShard shard;
  Pool pool(std::vector<asio::any_io_executor>{shard.executor()}, shared_cluster().url(),
            {.connections_per_shard = 3});
  ASSERT_TRUE(pool.wait_connected(20s));
  EXPECT_EQ(pool.size(), 3u);
  EXPECT_EQ(pool.connected(), 3u);
  auto first =
      gbrt::test::start_on(shard.executor(), pool.connection(0).query("SELECT pg_sleep(1)"));
  ASSERT_TRUE(gbrt::test::wait_for([&] { return pool.connection(0).in_flight() == 0; }))
      << "a busy connection is picked while others are idle";
  ASSERT_EQ(first.wait_for(30s), std::future_status::ready);
  pool.close();
}

}  // namespace
