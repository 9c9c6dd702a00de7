// --ack TYPE=stored on a runtime with a real PostgreSQL: events grouped into transactions,
// answered after the commit, stored once, handlers run after the store; 503 with
// Retry-After while PostgreSQL is down, and recovery without a restart.
#include <gbrt/pg/event_store.hpp>

#include <future>
#include <set>

#include <gtest/gtest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/post.hpp>

#include <gbrt/pg/schema.hpp>
#include <gbrt/runtime/runtime.hpp>

#include "pg/pg_testing.hpp"
#include "support/async.hpp"
#include "support/http_client.hpp"  // metric_value

namespace {

using gbrt::test::unique_table;

namespace asio = boost::asio;
namespace ev = gbrt::events;
using gbrt::Context;
using gbrt::Runtime;
using gbrt::pg::EventStore;
using gbrt::pg::Pool;
using gbrt::runtime::AckMode;
using gbrt::runtime::Answer;
using gbrt::test::metric_value;
using gbrt::test::PgCluster;
using gbrt::test::run_on;
using gbrt::test::wait_for;
using namespace std::chrono_literals;

std::string site_view(const std::string& id, const std::string& page = "p1") {
  return R"({"eventId":")" + id +
         R"(","type":"site_view","installationId":"i","spaceId":"s",)"
         R"("siteId":"site","pageId":")" +
         page +
         R"(","visitor":{"anonymousId":"a","cookies":{},)"
         R"("userAgent":"ua","ip":"192.0.2.1"},"url":"https://x/","referrer":""})";
}

// A runtime whose site_view events are stored in `table` of `cluster`; with COPY unless
// told otherwise, so that these tests cover the COPY path and its fallback to the INSERT.
struct StoredRuntime {
  StoredRuntime(PgCluster& cluster, std::string table, std::size_t threads = 2,
                gbrt::pg::StoreWrite write = gbrt::pg::StoreWrite::copy)
      : table(std::move(table)),
        runtime({.threads = threads, .ack_per_type = {{"site_view", AckMode::stored}}}),
        pool(runtime, cluster.url(), {.connection = {.min_backoff = 20ms, .max_backoff = 200ms}}),
        store(pool, runtime.metrics(), {.table = this->table, .write = write}) {
    gbrt::pg::migrate(cluster.url(), this->table);
    runtime.store_to(store);
    runtime.provide(pool);
  }
  ~StoredRuntime() {
    pool.close();
    runtime.shutdown(2s);
  }
  // Starts the runtime (handlers registered by then) and waits for PostgreSQL: false if it
  // does not connect.
  [[nodiscard]] bool start() {
    runtime.start();
    return pool.wait_connected(20s);
  }
  Answer send(std::string json, std::size_t shard = 0) {
    return run_on(runtime.shard(shard).executor(),
                  runtime.handle_on(std::move(json), std::nullopt, runtime.shard(shard)));
  }
  // All started on shard 0 before any is answered: they go in one group.
  std::vector<Answer> send_together(const std::vector<std::string>& jsons) {
    auto& shard = runtime.shard(0);
    std::vector<std::future<Answer>> started;
    for (const std::string& json : jsons) {
      started.push_back(
          asio::co_spawn(shard.executor(), runtime.handle_on(json, {}, shard), asio::use_future));
    }
    std::vector<Answer> answers;
    for (auto& answer : started) answers.push_back(answer.get());
    return answers;
  }
  std::string table;
  Runtime runtime;
  Pool pool;
  EventStore store;
};

TEST(PgEventStore, ConcurrentEventsAreGroupedAndEachIsARowAfterItsAnswer) {
  PgCluster& cluster = gbrt::test::shared_cluster();
  StoredRuntime stored(cluster, unique_table("grouped"));
  ASSERT_TRUE(stored.start());
  constexpr int kEvents = 3000;
  std::vector<std::future<Answer>> answers;
  for (int i = 0; i < kEvents; ++i) {
    auto& shard = stored.runtime.shard(i % 2);
    answers.push_back(asio::co_spawn(
        shard.executor(),
        stored.runtime.handle_on(site_view(std::string("g").append(std::to_string(i))), {}, shard),
        asio::use_future));
  }
  for (auto& answer : answers) {
    ASSERT_EQ(answer.wait_for(60s), std::future_status::ready);
    Answer a = answer.get();
    ASSERT_EQ(a.status, 200u) << a.body;
    EXPECT_EQ(a.body, R"({"status":"stored"})");
  }
  EXPECT_EQ(cluster.psql("SELECT count(*), count(DISTINCT event_id) FROM " + stored.table),
            std::to_string(kEvents) + "|" + std::to_string(kEvents) + "\n");
  const std::string metrics = stored.runtime.metrics().render();
  EXPECT_EQ(metric_value(metrics, "gbrt_store_events_total"), kEvents);
  const double groups = metric_value(metrics, "gbrt_store_groups_total");
  EXPECT_GE(groups, 1);
  EXPECT_LT(groups, kEvents) << "one transaction per event: nothing was grouped";
  EXPECT_EQ(cluster.psql("SELECT type, event->>'pageId', environment IS NULL, "
                         "received_at <= now() FROM " +
                         stored.table + " WHERE event_id = 'g7'"),
            "site_view|p1|t|t\n");
}

TEST(PgEventStore, TheEventIsStoredAsReceived) {
  PgCluster& cluster = gbrt::test::shared_cluster();
  StoredRuntime stored(cluster, unique_table("as_received"), 1);
  ASSERT_TRUE(stored.start());
  const std::string json = site_view("quoted\\\"id\\\\", "page \\\"quoted\\\" \\u00e9");
  ASSERT_EQ(stored.send(json).status, 200u);
  EXPECT_EQ(cluster.psql("SELECT event_id, event->>'pageId' FROM " + stored.table),
            "quoted\"id\\|page \"quoted\" é\n");
}

// An event cancelled while its group is open leaves the group (503), but once the group is
// sealed it waits for the commit: here the seal (posted when the event joined) runs before
// the cancelled wait resumes, so the group holds the event and its answer is the commit's.
TEST(PgEventStore, ACancelledEventWhoseGroupWasSealedMeanwhileGetsTheCommitsAnswer) {
  PgCluster& cluster = gbrt::test::shared_cluster();
  StoredRuntime stored(cluster, unique_table("cancel_sealed"), 1);
  ASSERT_TRUE(stored.start());
  auto& shard = stored.runtime.shard(0);
  struct Call {
    gbrt::runtime::SlotPtr slot;
    asio::cancellation_signal cancel;
    std::promise<Answer> answer;
  };
  auto call = std::make_shared<Call>();
  auto answered = call->answer.get_future();
  asio::post(shard.executor(), [&stored, &shard, call] {
    call->slot = shard.slots().acquire();
    ASSERT_FALSE(call->slot->load(shard.parser(), site_view("cancelled-sealed")));
    // Runs at once up to its wait (we are on the shard), then the cancellation.
    asio::co_spawn(shard.executor(), stored.store.forward(*call->slot, shard),
                   asio::bind_cancellation_slot(call->cancel.slot(),
                                                [call](std::exception_ptr error, Answer answer) {
                                                  if (error)
                                                    answer = Answer::error(500, "forward threw");
                                                  call->answer.set_value(std::move(answer));
                                                }));
    call->cancel.emit(asio::cancellation_type::terminal);
  });
  ASSERT_EQ(answered.wait_for(20s), std::future_status::ready);
  const Answer answer = answered.get();
  EXPECT_EQ(answer.status, 200u) << answer.body;
  EXPECT_EQ(cluster.psql("SELECT count(*) FROM " + stored.table), "1\n");
}

TEST(PgEventStore, ARepeatedEventIdIsStoredOnceAndAnswered2xx) {
  PgCluster& cluster = gbrt::test::shared_cluster();
  StoredRuntime stored(cluster, unique_table("dups"));
  ASSERT_TRUE(stored.start());
  Answer first = stored.send(site_view("same"));
  Answer again = stored.send(site_view("same"), 1);
  EXPECT_EQ(first.status, 200u);
  EXPECT_EQ(again.status, 200u);
  EXPECT_EQ(again.body, R"({"status":"stored","duplicate":true})");
  for (const Answer& answer : stored.send_together(std::vector(10, site_view("twin")))) {
    EXPECT_EQ(answer.status, 200u);
  }
  EXPECT_EQ(cluster.psql("SELECT count(*) FROM " + stored.table), "2\n");
}

// The INSERT shape (--store-write insert) stores and flags duplicates the same way.
TEST(PgEventStore, WrittenWithTheInsertRepeatedEventIdsAreStoredOnce) {
  PgCluster& cluster = gbrt::test::shared_cluster();
  StoredRuntime stored(cluster, unique_table("dups_insert"), 1, gbrt::pg::StoreWrite::insert);
  ASSERT_TRUE(stored.start());
  EXPECT_EQ(stored.send(site_view("once")).status, 200u);
  EXPECT_EQ(stored.send(site_view("once")).body, R"({"status":"stored","duplicate":true})");
  EXPECT_EQ(stored.send(site_view("other")).body, R"({"status":"stored"})");
  EXPECT_EQ(cluster.psql("SELECT count(*) FROM " + stored.table), "2\n");
}

// The COPY of a group whose eventId is in the table already fails whole (23505): the group
// is written again with the INSERT, the others stored, the repeat flagged.
TEST(PgEventStore, AGroupWithAKnownEventIdFallsBackToTheInsert) {
  PgCluster& cluster = gbrt::test::shared_cluster();
  StoredRuntime stored(cluster, unique_table("copy_fallback"), 1);
  ASSERT_TRUE(stored.start());
  EXPECT_EQ(stored.send(site_view("known")).body, R"({"status":"stored"})");
  const std::vector<Answer> answers = stored.send_together(
      {site_view("new1"), site_view("known"), site_view("new2"), site_view("new2")});
  EXPECT_EQ(answers[0].body, R"({"status":"stored"})");
  EXPECT_EQ(answers[1].body, R"({"status":"stored","duplicate":true})");
  EXPECT_EQ(answers[2].status, 200u);
  EXPECT_EQ(answers[3].status, 200u);
  EXPECT_EQ(cluster.psql("SELECT string_agg(event_id, ',' ORDER BY event_id) FROM " + stored.table),
            "known,new1,new2\n");
  EXPECT_EQ(metric_value(stored.runtime.metrics().render(), "gbrt_store_copy_fallbacks_total"), 1);
}

// The COPY's session is killed while it waits for a lock: 503 with Retry-After, then the
// store recovers on a new connection without a restart.
TEST(PgEventStore, AConnectionLostMidCopyIs503AndTheStoreRecovers) {
  PgCluster& cluster = gbrt::test::shared_cluster();
  StoredRuntime stored(cluster, unique_table("copy_lost"), 1);
  ASSERT_TRUE(stored.start());
  gbrt::test::TestShard side;
  gbrt::pg::Connection locker(side.executor(), side.blocking.get_executor(), cluster.url());
  locker.start();
  ASSERT_TRUE(wait_for([&] { return locker.connected(); }));
  ASSERT_TRUE(run_on(side.executor(), locker.query("BEGIN")));
  ASSERT_TRUE(run_on(side.executor(), locker.query("LOCK TABLE " + stored.table)));
  auto& shard = stored.runtime.shard(0);
  auto waiting = asio::co_spawn(
      shard.executor(), stored.runtime.handle_on(site_view("lost"), {}, shard), asio::use_future);
  ASSERT_TRUE(wait_for([&] {
    return cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY %" +
                        stored.table + "%'") == "1\n";
  }));
  cluster.psql(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE "
      "'COPY %" +
      stored.table + "%'");
  ASSERT_EQ(waiting.wait_for(30s), std::future_status::ready);
  Answer lost = waiting.get();
  EXPECT_EQ(lost.status, 503u) << lost.body;
  EXPECT_TRUE(lost.retry_after.has_value());
  ASSERT_TRUE(run_on(side.executor(), locker.query("ROLLBACK")));
  gbrt::test::call_on(side.executor(), [&] { locker.close(); });
  ASSERT_TRUE(wait_for([&] { return stored.runtime.forwarding_ready(); }, 30s));
  EXPECT_EQ(stored.send(site_view("lost")).status, 200u);
  EXPECT_EQ(cluster.psql("SELECT count(*) FROM " + stored.table), "1\n");
}

TEST(PgEventStore, HandlersRunAfterTheCommitAndTheirFailureIsTheAnswer) {
  PgCluster& cluster = gbrt::test::shared_cluster();
  StoredRuntime stored(cluster, unique_table("handlers"), 1);
  std::atomic<int> seen_in_table{0};
  stored.runtime.on<ev::SiteView>(
      [&](const ev::SiteView& view, Context& context) -> asio::awaitable<void> {
        std::vector<gbrt::pg::Param> params{view.event_id};
        auto rows = co_await context.service<Pool>().query(
            context, "SELECT count(*) FROM " + stored.table + " WHERE event_id = $1",
            std::move(params));
        if (rows && rows.value().at(0, 0).as_int() == 1) ++seen_in_table;
        if (view.page_id == "fails") throw gbrt::ExposableError("no", 500);
      });
  ASSERT_TRUE(stored.start());
  EXPECT_EQ(stored.send(site_view("h1")).status, 200u);
  EXPECT_EQ(seen_in_table.load(), 1);
  Answer failed = stored.send(site_view("h2", "fails"));
  EXPECT_EQ(failed.status, 500u);
  EXPECT_EQ(seen_in_table.load(), 2);
  EXPECT_EQ(cluster.psql("SELECT count(*) FROM " + stored.table), "2\n");
}

// jsonb refuses \u0000: that event is answered 400, the rest of its group is stored.
TEST(PgEventStore, AnEventPostgresCannotStoreIsRefusedAloneWithoutItsGroup) {
  PgCluster& cluster = gbrt::test::shared_cluster();
  StoredRuntime stored(cluster, unique_table("poison"), 1);
  ASSERT_TRUE(stored.start());
  auto& shard = stored.runtime.shard(0);
  std::vector<std::future<Answer>> answers;
  for (int i = 0; i < 5; ++i) {
    std::string json =
        site_view(std::string("ok").append(std::to_string(i)), i == 2 ? "nul\\u0000" : "p");
    answers.push_back(asio::co_spawn(
        shard.executor(), stored.runtime.handle_on(std::move(json), {}, shard), asio::use_future));
  }
  for (int i = 0; i < 5; ++i) {
    Answer a = answers[i].get();
    if (i == 2) {
      EXPECT_EQ(a.status, 400u) << a.body;
      EXPECT_NE(a.body.find("PostgreSQL cannot store this event"), std::string::npos) << a.body;
    } else {
      EXPECT_EQ(a.status, 200u) << a.body;
    }
  }
  EXPECT_EQ(cluster.psql("SELECT count(*) FROM " + stored.table), "4\n");
}

TEST(PgEventStore, AnEventIdTooLongForTheKeyIs413Alone) {
  PgCluster& cluster = gbrt::test::shared_cluster();
  StoredRuntime stored(cluster, unique_table("long_id"), 1);
  ASSERT_TRUE(stored.start());
  auto& shard = stored.runtime.shard(0);
  // Random characters: PostgreSQL compresses a repetitive key below the index's limit.
  std::string long_id;
  std::uint32_t state = 12345;
  while (long_id.size() < 9000) {
    state = state * 1103515245 + 12345;
    long_id += char('a' + (state >> 16) % 26);
  }
  auto bad = asio::co_spawn(
      shard.executor(), stored.runtime.handle_on(site_view(long_id), {}, shard), asio::use_future);
  auto good = asio::co_spawn(
      shard.executor(), stored.runtime.handle_on(site_view("short"), {}, shard), asio::use_future);
  Answer refused = bad.get();
  EXPECT_EQ(refused.status, 413u) << refused.body;
  EXPECT_EQ(good.get().status, 200u);
  EXPECT_EQ(cluster.psql("SELECT event_id FROM " + stored.table), "short\n");
}

TEST(PgEventStore, WhilePostgresIsDownEventsAre503AndThenStoredAgain) {
  PgCluster cluster;
  StoredRuntime stored(cluster, "gbrt_events", 1);
  ASSERT_TRUE(stored.start());
  EXPECT_EQ(stored.send(site_view("before")).status, 200u);
  EXPECT_TRUE(stored.runtime.forwarding_ready());
  cluster.stop();
  ASSERT_TRUE(wait_for([&] { return stored.pool.connected() == 0; }));
  EXPECT_FALSE(stored.runtime.forwarding_ready());
  Answer down = stored.send(site_view("during"));
  EXPECT_EQ(down.status, 503u) << down.body;
  EXPECT_TRUE(down.retry_after.has_value());
  cluster.start();
  ASSERT_TRUE(wait_for([&] { return stored.runtime.forwarding_ready(); }, 30s));
  EXPECT_EQ(stored.send(site_view("during")).status, 200u);
  EXPECT_EQ(cluster.psql("SELECT string_agg(event_id, ',' ORDER BY event_id) FROM gbrt_events"),
            "before,during\n");
  EXPECT_GE(metric_value(stored.runtime.metrics().render(), "gbrt_store_errors_total"), 1);
}

TEST(PgEventStore, WithoutAStoreTheRuntimeRefusesToStart) {
  Runtime runtime({.threads = 1, .ack_per_type = {{"site_view", AckMode::stored}}});
  EXPECT_THROW(runtime.start(), std::logic_error);
}

}  // namespace
