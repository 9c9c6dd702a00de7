// gbrt-server with --ack site_view=stored against a real PostgreSQL, under load from many
// connections: SIGKILL mid-run, PostgreSQL stopped mid-run, SIGTERM mid-run. Every eventId
// answered 2xx must be a row, exactly once (the table's key makes "once" hold by itself).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pg/pg_testing.hpp"
#include "support/async.hpp"
#include "support/http_client.hpp"
#include "support/nats_cluster.hpp"
#include "support/server_process.hpp"

namespace gbrt::test {
namespace {

using namespace std::chrono_literals;

std::string site_view(const std::string& id) {
  return R"({"eventId":")" + id +
         R"(","type":"site_view","installationId":"inst","spaceId":"space","siteId":"site",)"
         R"("pageId":"page","visitor":{"anonymousId":"anon","cookies":{},"userAgent":"ua",)"
         R"("ip":"192.0.2.1"},"url":"https://docs.example.com/a","referrer":""})";
}

void migrate(const PgCluster& cluster, const std::string& table) {
  auto [status, output] =
      run_server_command({"--store-migrate", "--store", cluster.url(), "--store-table", table});
  ASSERT_EQ(status, 0) << output;
}

std::vector<std::string> stored_args(const PgCluster& cluster, const std::string& table) {
  return {"--threads",   "2",           "--ack",         "site_view=stored",
          "--store",     cluster.url(), "--store-table", table,
          "--log-level", "warn"};
}

// Connections posting distinct events (GitBook's sender, one thread each). A 503 is
// retried after a pause while `retry_503`; a broken connection (the server gone) ends
// that connection's sending.
class Senders {
 public:
  Senders(std::uint16_t port, std::size_t events, std::size_t connections, bool retry_503)
      : events_(events) {
    for (std::size_t c = 0; c < connections; ++c) {
      threads_.emplace_back([this, port, retry_503] { send_all(port, retry_503); });
    }
  }
  ~Senders() { join(); }
  void join() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  void stop() { stop_ = true; }
  std::size_t answered() const { return answered_.load(); }
  std::size_t unavailable() const { return unavailable_.load(); }
  std::size_t unavailable_without_retry_after() const { return no_retry_after_.load(); }
  std::size_t other_statuses() const { return other_.load(); }
  std::set<std::string> stored_ids() {
    std::lock_guard lock(mutex_);
    return stored_;
  }
  static std::string id(std::size_t i) { return std::string("ev-").append(std::to_string(i)); }

 private:
  void send_all(std::uint16_t port, bool retry_503) {
    try {
      HttpClient client(port);
      for (std::size_t i = next_++; i < events_ && !stop_; i = next_++) {
        for (int attempt = 0; attempt < 2000 && !stop_; ++attempt) {
          const HttpResponse answer = client.post_json("/v1", site_view(id(i)));
          if (answer.status == 503) {
            ++unavailable_;
            if (answer.header("retry-after").empty()) ++no_retry_after_;
            if (!retry_503) break;
            std::this_thread::sleep_for(20ms);  // GitBook's sender waits before a retry
            continue;
          }
          if (answer.status == 200) {
            std::lock_guard lock(mutex_);
            stored_.insert(id(i));
          } else {
            ++other_;
          }
          ++answered_;
          break;
        }
      }
    } catch (const std::exception&) {
      // The server is gone (killed) or closed the connection (draining): this sender ends.
    }
  }
  std::size_t events_;
  std::atomic<std::size_t> next_{0}, answered_{0}, unavailable_{0}, no_retry_after_{0}, other_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::set<std::string> stored_;
  std::vector<std::thread> threads_;
};

// The table's event ids (each at most once: its primary key).
std::multiset<std::string> rows_of(const PgCluster& cluster, const std::string& table) {
  std::istringstream lines(cluster.psql("SELECT event_id FROM " + table));
  std::multiset<std::string> ids;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) ids.insert(line);
  }
  return ids;
}

void expect_every_answer_is_one_row(const std::set<std::string>& answered,
                                    const std::multiset<std::string>& rows) {
  std::size_t missing = 0;
  for (const auto& id : answered) {
    const std::size_t n = rows.count(id);
    missing += n == 0 ? 1 : 0;
    EXPECT_LE(n, 1u) << id;
  }
  EXPECT_EQ(missing, 0u) << "events answered 200 and not in the table";
}

TEST(StoredServer, EveryEventAnswered200IsARowOnceDespiteASigkill) {
  PgCluster& cluster = shared_cluster();
  const std::string table = unique_table("killed");
  migrate(cluster, table);
  constexpr std::size_t kEvents = 20000;
  auto server = std::make_unique<ServerProcess>(stored_args(cluster, table));
  std::set<std::string> answered;
  {
    Senders senders(server->port(), kEvents, 32, false);
    ASSERT_TRUE(wait_for([&] { return senders.answered() >= kEvents / 4; }, 120s));
    server->stop(SIGKILL);  // mid-load, without warning
    senders.join();
    answered = senders.stored_ids();
    EXPECT_EQ(senders.other_statuses(), 0u);
  }
  EXPECT_GE(answered.size(), kEvents / 4);
  const auto rows = rows_of(cluster, table);
  expect_every_answer_is_one_row(answered, rows);
  // Restarted, it answers GitBook's retry of a stored event 200 and stores it once (the
  // example handlers of gbrt-server run after the store and give the answer's body).
  server = std::make_unique<ServerProcess>(stored_args(cluster, table));
  HttpClient client(server->port());
  const HttpResponse again = client.post_json("/v1", site_view(*answered.begin()));
  EXPECT_EQ(again.status, 200u);
  EXPECT_EQ(rows_of(cluster, table).count(*answered.begin()), 1u);
  EXPECT_EQ(server->stop(SIGTERM), 0);
}

TEST(StoredServer, WhilePostgresIsStoppedEventsAre503ThenAllAreStored) {
  PgCluster cluster;  // its own: it is stopped
  migrate(cluster, "gbrt_events");
  constexpr std::size_t kEvents = 6000;
  // At info the log says when each shard's connection comes back: printed on a failure.
  std::vector<std::string> args = stored_args(cluster, "gbrt_events");
  std::replace(args.begin(), args.end(), std::string("warn"), std::string("info"));
  ServerProcess server(args);
  HttpClient probe(server.port());
  EXPECT_EQ(probe.get("/readyz").status, 200u);
  std::set<std::string> answered;
  {
    Senders senders(server.port(), kEvents, 16, true);
    ASSERT_TRUE(wait_for([&] { return senders.answered() >= kEvents / 3; }, 120s));
    cluster.stop();
    ASSERT_TRUE(wait_for([&] { return senders.unavailable() >= 100; }, 60s));
    const HttpResponse ready = probe.get("/readyz");
    EXPECT_EQ(ready.status, 503u);
    EXPECT_EQ(ready.body, R"({"status":"event store unreachable"})");
    const std::size_t answered_while_down = senders.answered();
    cluster.start();
    senders.join();
    answered = senders.stored_ids();
    EXPECT_GT(senders.answered(), answered_while_down) << "answers did not resume";
    EXPECT_EQ(senders.unavailable_without_retry_after(), 0u);
    EXPECT_EQ(senders.other_statuses(), 0u);
  }
  EXPECT_EQ(answered.size(), kEvents) << server.stderr_text();
  const auto rows = rows_of(cluster, "gbrt_events");
  EXPECT_EQ(rows.size(), kEvents);
  expect_every_answer_is_one_row(answered, rows);
  EXPECT_TRUE(wait_for([&] { return probe.get("/readyz").status == 200; }));
  const HttpResponse metrics = probe.get("/metrics");
  EXPECT_GE(metric_value(metrics.body, "gbrt_store_errors_total"), 1);
  EXPECT_EQ(metric_value(metrics.body, "gbrt_store_events_total"), double(kEvents));
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

TEST(StoredServer, SigtermMidLoadLosesNothingAnswered) {
  PgCluster& cluster = shared_cluster();
  const std::string table = unique_table("drained");
  migrate(cluster, table);
  constexpr std::size_t kEvents = 20000;
  ServerProcess server(stored_args(cluster, table));
  std::set<std::string> answered;
  {
    Senders senders(server.port(), kEvents, 32, false);
    ASSERT_TRUE(wait_for([&] { return senders.answered() >= kEvents / 4; }, 120s));
    EXPECT_EQ(server.stop(SIGTERM), 0) << server.stderr_text();
    senders.join();
    answered = senders.stored_ids();
  }
  expect_every_answer_is_one_row(answered, rows_of(cluster, table));
}

// ingest -> JetStream -> worker -> PostgreSQL: the worker acknowledges a JetStream message
// only once its event is committed, so nothing is acked while PostgreSQL is down, and a
// worker killed mid-run loses nothing: every forwarded eventId ends as one row.
TEST(StoredServer, AJetStreamWorkerAcksOnlyAfterTheCommit) {
  NatsCluster nats(1);
  PgCluster cluster;  // its own: it is stopped
  migrate(cluster, "gbrt_events");
  ServerProcess ingest({"--threads", "1", "--ack", "site_view=forwarded", "--nats", nats.urls(),
                        "--log-level", "warn"});
  const auto worker = [&] {
    return std::make_unique<ServerProcess>(std::vector<std::string>{
        "--threads", "1", "--consume", "--nats", nats.urls(), "--nak-backoff", "50", "--ack",
        "site_view=stored", "--store", cluster.url(), "--log-level", "warn"});
  };
  const auto consumed = [](const ServerProcess& process, const char* series) {
    return metric_value(HttpClient(process.port()).get("/metrics").body, series);
  };
  auto consumer = worker();
  HttpClient client(ingest.port());

  cluster.stop();
  constexpr std::size_t kWhileDown = 200;
  for (std::size_t i = 0; i < kWhileDown; ++i) {
    ASSERT_EQ(client.post_json("/v1", site_view(Senders::id(i))).status, 202u);
  }
  ASSERT_EQ(client.post_json("/v1", site_view(Senders::id(0))).status, 202u);  // a retry
  ASSERT_TRUE(wait_for([&] { return consumed(*consumer, "gbrt_consume_nacked_total") >= 10; }));
  EXPECT_EQ(consumed(*consumer, "gbrt_consume_acked_total"), 0);
  EXPECT_EQ(consumed(*consumer, "gbrt_consume_dead_lettered_total"), 0);
  cluster.start();
  ASSERT_TRUE(wait_for(
      [&] { return consumed(*consumer, "gbrt_consume_acked_total") == double(kWhileDown); }, 120s));

  // A worker killed without warning in the middle of a run, then a new one.
  constexpr std::size_t kEvents = 3000;
  for (std::size_t i = kWhileDown; i < kEvents; ++i) {
    ASSERT_EQ(client.post_json("/v1", site_view(Senders::id(i))).status, 202u);
    if (i == kEvents / 2) consumer->stop(SIGKILL);
  }
  consumer = worker();
  ASSERT_TRUE(wait_for(
      [&] {
        return consumed(*consumer, "gbrt_consume_lag") == 0 &&
               rows_of(cluster, "gbrt_events").size() >= kEvents;
      },
      120s));
  const auto rows = rows_of(cluster, "gbrt_events");
  EXPECT_EQ(rows.size(), kEvents);
  std::set<std::string> sent;
  for (std::size_t i = 0; i < kEvents; ++i) sent.insert(Senders::id(i));
  expect_every_answer_is_one_row(sent, rows);
  EXPECT_EQ(consumer->stop(SIGTERM), 0) << consumer->stderr_text();
  EXPECT_EQ(ingest.stop(SIGTERM), 0);
}

TEST(StoredServer, StartUpRefusesAMissingSchemaAndNamesTheMigrateCommand) {
  PgCluster& cluster = shared_cluster();
  auto [status, output] =
      run_server_command({"--listen", "127.0.0.1:0", "--ack", "site_view=stored", "--store",
                          cluster.url(), "--store-table", unique_table("never_migrated")});
  EXPECT_EQ(status, 1);
  EXPECT_NE(output.find("gbrt-server --store-migrate"), std::string::npos) << output;
  // Found by the configuration check, before anything starts (exit 2).
  auto [no_store, why] =
      run_server_command({"--listen", "127.0.0.1:0", "--ack", "site_view=stored"});
  EXPECT_EQ(no_store, 2);
  EXPECT_NE(why.find("--ack TYPE=stored needs --store URL"), std::string::npos) << why;
  auto [migrated, said] = run_server_command(
      {"--store-migrate", "--store", cluster.url(), "--store-table", unique_table("twice")});
  EXPECT_EQ(migrated, 0) << said;
  auto [again, said_again] = run_server_command(
      {"--store-migrate", "--store", cluster.url(), "--store-table", unique_table("twice")});
  EXPECT_EQ(again, 0);
  EXPECT_NE(said_again.find("nothing to do"), std::string::npos) << said_again;
}

}  // namespace
}  // namespace gbrt::test
