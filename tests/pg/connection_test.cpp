// gbrt::pg::Connection against a real PostgreSQL 15: parameters, SQLSTATE errors,
// pipelining, deadlines cancelled on the server, the shard free while a query waits, and
// reconnecting after the server restarts.
#include <gbrt/pg/connection.hpp>

#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "pg/pg_testing.hpp"
#include "support/async.hpp"
#include "support/nats_cluster.hpp"  // free_port()

namespace {

namespace asio = boost::asio;
using gbrt::pg::Connection;
using gbrt::pg::Param;
using gbrt::pg::Result;
using gbrt::pg::Rows;
using gbrt::pg::Statement;
using gbrt::test::call_on;
using gbrt::test::run_on;
using gbrt::test::shared_cluster;
using gbrt::test::start_on;
using gbrt::test::TestShard;
using gbrt::test::wait_for;
using std::chrono::steady_clock;
using namespace std::chrono_literals;

using PgConnection = gbrt::test::ConnectedTest;

TEST_F(PgConnection, SendsParametersAsText) {
  std::string owned = "owned";
  auto rows =
      query("SELECT $1::int + $2::int, $3::text, $4::text IS NULL, $5::float8, $6::bool, $7",
            {40, 2L, std::string_view("borrowed"), nullptr, 1.25, true, owned});
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(rows.value().at(0, 0).as_int(), 42);
  EXPECT_EQ(rows.value().at(0, 1).text(), "borrowed");
  EXPECT_EQ(rows.value().at(0, 2).as_bool(), true);
  EXPECT_EQ(rows.value().at(0, 3).as_double(), 1.25);
  EXPECT_EQ(rows.value().at(0, 4).as_bool(), true);
  EXPECT_EQ(rows.value().at(0, 5).text(), "owned");
}

TEST_F(PgConnection, ErrorsAreValuesWithTheirSqlstateAndTheConnectionGoesOn) {
  auto missing = query("SELECT * FROM no_such_table");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().sqlstate, "42P01");
  EXPECT_NE(missing.error().message.find("no_such_table"), std::string::npos);
  auto division = query("SELECT 1 / $1::int", {0});
  ASSERT_FALSE(division);
  EXPECT_EQ(division.error().sqlstate, "22012");
  auto syntax = query("SELEC 1");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().sqlstate, "42601");
  auto fine = query("SELECT 7");
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine.value().at(0, 0).as_int(), 7);
}

TEST_F(PgConnection, PreparedStatementsArePreparedOnFirstUse) {
  const Statement twice{"twice", "SELECT $1::int * 2"};
  for (int i = 0; i < 3; ++i) {
    auto rows = run_on(shard.executor(), connection.execute(twice, {i}));
    ASSERT_TRUE(rows) << rows.error().message;
    EXPECT_EQ(rows.value().at(0, 0).as_int(), i * 2);
  }
  auto prepared = query("SELECT count(*) FROM pg_prepared_statements WHERE name = 'twice'");
  EXPECT_EQ(prepared.value().at(0, 0).as_int(), 1);
}

// All are sent before the first answer is read: one connection, many in flight.
TEST_F(PgConnection, ManyStatementsInFlightAreAnsweredInOrder) {
  constexpr int kQueries = 2000;
  auto all = [&]() -> asio::awaitable<std::vector<int>> {
    std::vector<int> order;
    std::vector<std::future<void>> done;
    for (int i = 0; i < kQueries; ++i) {
      done.push_back(asio::co_spawn(
          shard.executor(),
          [&, i]() -> asio::awaitable<void> {
            std::vector<Param> params{i};  // g++ 12: no braced list inside a co_await
            auto rows = co_await connection.query("SELECT $1::int", std::move(params));
            order.push_back(rows ? int(*rows.value().at(0, 0).as_int()) : -1);
          },
          asio::use_future));
    }
    order.push_back(-int(connection.in_flight()));  // after the loop, none answered yet
    asio::steady_timer poll(shard.executor());
    while (order.size() < kQueries + 1) {
      poll.expires_after(1ms);
      co_await poll.async_wait(asio::use_awaitable);
    }
    co_return order;
  };
  std::vector<int> order = run_on(shard.executor(), all());
  ASSERT_EQ(order.size(), std::size_t(kQueries) + 1);
  EXPECT_EQ(order[0], -kQueries) << "statements in flight before the first answer";
  for (int i = 0; i < kQueries; ++i) ASSERT_EQ(order[i + 1], i);
}

// The slow statement is cancelled on the server at its deadline; the one behind it on the
// same connection then runs and answers.
TEST_F(PgConnection, AQueryPastItsDeadlineIsCancelledAndTheOthersComplete) {
  auto slow = start_on(shard.executor(),
                       connection.query("SELECT pg_sleep(60)", {}, steady_clock::now() + 300ms));
  auto next = start_on(shard.executor(), connection.query("SELECT 'next'"));
  ASSERT_EQ(slow.wait_for(30s), std::future_status::ready);
  auto slow_result = slow.get();
  ASSERT_FALSE(slow_result);
  EXPECT_EQ(slow_result.error().sqlstate, "57014");
  ASSERT_EQ(next.wait_for(30s), std::future_status::ready) << "the slow one still runs";
  auto next_result = next.get();
  ASSERT_TRUE(next_result) << next_result.error().message;
  EXPECT_EQ(next_result.value().at(0, 0).text(), "next");
  auto running = query(
      "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'"
      " AND state = 'active'");
  EXPECT_EQ(running.value().at(0, 0).as_int(), 0);
}

// A handler cancelled at its own deadline cancels the statement it awaits.
TEST_F(PgConnection, CancellingTheAwaitingCoroutineCancelsTheStatement) {
  asio::cancellation_signal signal;
  gbrt::test::Started<Result<Rows>> slow{
      asio::co_spawn(shard.executor(), gbrt::test::boxed(connection.query("SELECT pg_sleep(60)")),
                     asio::bind_cancellation_slot(signal.slot(), asio::use_future))};
  ASSERT_TRUE(wait_for([&] { return connection.in_flight() == 1; }));
  call_on(shard.executor(), [&] { signal.emit(asio::cancellation_type::terminal); });
  ASSERT_EQ(slow.wait_for(30s), std::future_status::ready);
  auto result = slow.get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().sqlstate, "57014");
  EXPECT_TRUE(wait_for([&] { return connection.in_flight() == 0; }))
      << "the statement was not cancelled on the server";
}

TEST_F(PgConnection, TheShardKeepsRunningWhileAStatementWaits) {
  auto slow = start_on(shard.executor(), connection.query("SELECT pg_sleep(5)"));
  for (int i = 0; i < 100; ++i) {
    auto quick = [i]() -> asio::awaitable<int> { co_return i; };
    EXPECT_EQ(run_on(shard.executor(), quick()), i);
  }
  EXPECT_NE(slow.wait_for(0s), std::future_status::ready);
  ASSERT_EQ(slow.wait_for(30s), std::future_status::ready);
  EXPECT_TRUE(slow.get());
}

TEST_F(PgConnection, NotConnectedIsAConnectionErrorAtOnce) {
  call_on(shard.executor(), [this] { connection.close(); });
  auto result = query("SELECT 1");
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().connection_lost());
}

// Its own cluster: stopping the shared one would fail the other tests.
TEST(PgReconnect, AfterTheServerRestartsTheConnectionIsMadeAgain) {
  gbrt::test::PgCluster cluster;
  TestShard shard;
  Connection connection(shard.executor(), shard.blocking.get_executor(), cluster.url(),
                        {.min_backoff = 20ms, .max_backoff = 200ms});
  connection.start();
  ASSERT_TRUE(wait_for([&] { return connection.connected(); }));
  auto in_flight = start_on(shard.executor(), connection.query("SELECT pg_sleep(60)"));
  ASSERT_TRUE(wait_for([&] { return connection.in_flight() == 1; }));
  cluster.stop();
  ASSERT_EQ(in_flight.wait_for(30s), std::future_status::ready);
  auto lost = in_flight.get();
  ASSERT_FALSE(lost);
  EXPECT_TRUE(lost.error().connection_lost()) << lost.error().sqlstate;
  EXPECT_TRUE(wait_for([&] { return !connection.connected(); }));
  auto down = run_on(shard.executor(), connection.query("SELECT 1"));
  EXPECT_FALSE(down);
  cluster.start();
  ASSERT_TRUE(wait_for([&] { return connection.connected(); }, 30s));
  auto again = run_on(shard.executor(), connection.query("SELECT 1"));
  ASSERT_TRUE(again) << again.error().message;
  call_on(shard.executor(), [&] { connection.close(); });
}

TEST(PgConnect, AnUnreachableServerIsRetriedAndNeverConnects) {
  TestShard shard;
  const auto port = gbrt::test::free_port();
  Connection connection(shard.executor(), shard.blocking.get_executor(),
                        "postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/postgres",
                        {.min_backoff = 10ms, .max_backoff = 50ms});
  connection.start();
  auto result = run_on(shard.executor(), connection.query("SELECT 1"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().sqlstate, "08006");
  call_on(shard.executor(), [&] { connection.close(); });
}

namespace copying {

// A table for COPY tests, and a second session that can lock it (a COPY then waits).
struct PgCopy : gbrt::test::ConnectedTest {
  void SetUp() override {
    ConnectedTest::SetUp();
    other.start();
    ASSERT_TRUE(wait_for([&] { return other.connected(); }));
    ASSERT_TRUE(query("DROP TABLE IF EXISTS " + table));
    ASSERT_TRUE(query("CREATE TABLE " + table + " (id text PRIMARY KEY)"));
  }
  void TearDown() override {
    call_on(shard.executor(), [this] { other.close(); });
    ConnectedTest::TearDown();
  }
  std::string copy_sql() const { return "COPY " + table + " FROM STDIN"; }
  void lock_table() {
    ASSERT_TRUE(run_on(shard.executor(), other.query("BEGIN")));
    ASSERT_TRUE(run_on(shard.executor(), other.query("LOCK TABLE " + table)));
  }
  void unlock_table() { ASSERT_TRUE(run_on(shard.executor(), other.query("ROLLBACK"))); }
  std::string count() {
    auto rows = run_on(shard.executor(), other.query("SELECT count(*) FROM " + table));
    return rows ? std::string(rows.value().at(0, 0).text()) : rows.error().message;
  }
  std::string table = gbrt::test::unique_table("copy_target");
  Connection other{shard.executor(), shard.blocking.get_executor(), shared_cluster().url()};
};

TEST_F(PgCopy, CopiesTheRowsAndCountsThem) {
  auto copied = run_on(shard.executor(), connection.copy_in(copy_sql(), "a\nb\nc\n"));
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(copied.value(), 3u);
  EXPECT_EQ(count(), "3");
  auto after = query("SELECT 'pipelined again'");  // back in pipeline mode
  ASSERT_TRUE(after) << after.error().message;
}

TEST_F(PgCopy, ARefusedCopyIsTheServersErrorAndTheConnectionGoesOn) {
  auto twice = run_on(shard.executor(), connection.copy_in(copy_sql(), "a\na\n"));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().sqlstate, "23505");
  auto missing = run_on(shard.executor(), connection.copy_in("COPY no_such_table FROM STDIN", ""));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().sqlstate, "42P01");
  EXPECT_EQ(count(), "0");
  EXPECT_TRUE(query("SELECT 1"));
}

TEST_F(PgCopy, ACopyIsRefusedWhileAStatementIsInFlight) {
  auto slow = start_on(shard.executor(), connection.query("SELECT pg_sleep(1)"));
  ASSERT_TRUE(wait_for([&] { return connection.in_flight() == 1; }));
  auto refused = run_on(shard.executor(), connection.copy_in(copy_sql(), "a\n"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().sqlstate, "55000");
  EXPECT_NE(slow.wait_for(0s), std::future_status::ready) << "not refused at once";
  ASSERT_EQ(slow.wait_for(30s), std::future_status::ready);
  EXPECT_TRUE(slow.get());
}

TEST_F(PgCopy, StatementsSentDuringACopyRunAfterIt) {
  lock_table();
  auto copy = start_on(shard.executor(), connection.copy_in(copy_sql(), "a\n"));
  ASSERT_TRUE(wait_for([&] { return connection.in_flight() == 1; }));
  auto behind = start_on(shard.executor(), connection.query("SELECT 'after'"));
  EXPECT_NE(behind.wait_for(1s), std::future_status::ready) << "ran during the COPY";
  unlock_table();
  ASSERT_EQ(copy.wait_for(30s), std::future_status::ready);
  auto copied = copy.get();
  ASSERT_TRUE(copied) << copied.error().message;
  ASSERT_EQ(behind.wait_for(30s), std::future_status::ready);
  auto after = behind.get();
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after.value().at(0, 0).text(), "after");
}

TEST_F(PgCopy, AStatementWaitingBehindACopyKeepsItsDeadline) {
  lock_table();
  auto copy = start_on(shard.executor(), connection.copy_in(copy_sql(), "a\n"));
  ASSERT_TRUE(wait_for([&] { return connection.in_flight() == 1; }));
  auto behind = start_on(shard.executor(),
                         connection.query("SELECT 'late'", {}, steady_clock::now() + 200ms));
  ASSERT_EQ(behind.wait_for(10s), std::future_status::ready) << "waited past its deadline";
  auto late = behind.get();
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().sqlstate, "57014");
  unlock_table();
  ASSERT_EQ(copy.wait_for(30s), std::future_status::ready);
  EXPECT_TRUE(copy.get());
}

TEST_F(PgCopy, ACopyPastItsDeadlineIsCancelledOnTheServerAndTheConnectionMadeAgain) {
  lock_table();
  auto copied =
      run_on(shard.executor(), connection.copy_in(copy_sql(), "a\n", steady_clock::now() + 300ms));
  ASSERT_FALSE(copied);
  EXPECT_EQ(copied.error().sqlstate, "57014");
  // Asked from a session of its own: `other` is in a transaction, whose view of
  // pg_stat_activity is a snapshot taken at its first look.
  auto copying = [&] {
    return shared_cluster().psql(
               "SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
               "'COPY copy_target%' AND state = 'active'") == "0\n";
  };
  EXPECT_TRUE(wait_for(copying)) << "the COPY still runs on the server";
  unlock_table();
  ASSERT_TRUE(wait_for([&] { return connection.connected(); }));
  EXPECT_TRUE(run_on(shard.executor(), connection.copy_in(copy_sql(), "b\n")));
  EXPECT_EQ(count(), "1");
}

TEST_F(PgCopy, AConnectionLostMidCopyIs08006AndIsMadeAgain) {
  lock_table();
  auto copy = start_on(shard.executor(), connection.copy_in(copy_sql(), "a\n"));
  // Killed once the server runs it (waiting for the lock), not before it got there; from a
  // session of its own, as `other`'s transaction sees a snapshot of pg_stat_activity.
  ASSERT_TRUE(wait_for([&] {
    return shared_cluster().psql(
               "SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
               "'COPY copy_target%' AND state = 'active'") == "1\n";
  }));
  EXPECT_EQ(shared_cluster().psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                  "WHERE query LIKE 'COPY copy_target%'"),
            "1\n");
  ASSERT_EQ(copy.wait_for(30s), std::future_status::ready);
  auto lost = copy.get();
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().sqlstate, "08006") << lost.error().message;
  unlock_table();
  ASSERT_TRUE(wait_for([&] { return connection.connected(); }));
  EXPECT_TRUE(run_on(shard.executor(), connection.copy_in(copy_sql(), "b\n")));
  EXPECT_EQ(count(), "1");
}

}  // namespace copying

}  // namespace
