// --ack TYPE=forwarded and --consume against a real nats-server (one node, JetStream).
#include <signal.h>

#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "nats/nats_testing.hpp"
#include "support/http_client.hpp"
#include "support/load.hpp"
#include "support/nats_cluster.hpp"
#include "support/server_process.hpp"

namespace gbrt::test {
namespace {

using namespace std::chrono_literals;

// A temporary file path for the recording worker, removed at the end.
struct TempFile {
  std::string path = "/tmp/gbrt-ids-" + std::to_string(::getpid()) + "-" +
                     std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  ~TempFile() { std::filesystem::remove(path); }
};

std::vector<std::string> ingest_args(const NatsCluster& nats, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--threads",           "2",      "--ack",
                                   "site_view=forwarded", "--nats", nats.urls()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

ServerProcess worker(const NatsCluster& nats, const TempFile& ids,
                     std::vector<std::string> extra = {},
                     std::map<std::string, std::string> env = {}) {
  std::vector<std::string> args = {"--threads", "2", "--consume", "--nats", nats.urls()};
  args.insert(args.end(), extra.begin(), extra.end());
  env["RECORDING_WORKER_IDS"] = ids.path;
  return ServerProcess(args, env, GBRT_RECORDING_WORKER_PATH);
}

double metric(std::uint16_t port, const std::string& series) {
  return metric_value(HttpClient(port).get("/metrics").body, series);
}

TEST(Forward, AnswersAcceptedOnlyOnceStoredAndStoresAnEventIdOnce) {
  NatsCluster nats(1);
  ServerProcess ingest(ingest_args(nats));
  HttpClient client(ingest.port());

  const std::string first = site_view("evt_forward_1");
  auto answer = client.post_json("/v1", first);
  EXPECT_EQ(answer.status, 202u) << answer.body;
  EXPECT_EQ(answer.body, R"({"status":"forwarded","stream":"GBRT_EVENTS","seq":1})");
  // GitBook's retry of the same event: stored once, answered 202 again.
  answer = client.post_json("/v1", first);
  EXPECT_EQ(answer.status, 202u);
  EXPECT_EQ(answer.body,
            R"({"status":"forwarded","stream":"GBRT_EVENTS","seq":1,"duplicate":true})");
  answer = client.post_json("/v1", site_view("evt_forward_2"));
  EXPECT_EQ(answer.status, 202u);
  EXPECT_NE(answer.body.find(R"("seq":2)"), std::string::npos) << answer.body;
  // Types not forwarded are handled here as before.
  EXPECT_EQ(client.post_json("/v1", fixture("space_view-1.json")).status, 200u);

  auto stored = read_stream(nats.url(0), "GBRT_EVENTS");
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].subject, "gbrt.events.site_view");
  EXPECT_EQ(stored[0].data, first);  // unchanged, byte for byte
  EXPECT_EQ(stored[0].headers["Nats-Msg-Id"], "evt_forward_1");
  EXPECT_EQ(stored[1].headers["Nats-Msg-Id"], "evt_forward_2");

  const std::string metrics = client.get("/metrics").body;
  EXPECT_EQ(
      metric_value(metrics, R"(gbrt_events_handled_total{type="site_view",outcome="forwarded"})"),
      3);
  EXPECT_EQ(metric_value(metrics, "gbrt_forward_published_total"), 3);
  EXPECT_EQ(metric_value(metrics, "gbrt_forward_publish_failures_total"), 0);
  EXPECT_EQ(metric_value(metrics, "gbrt_forward_publish_duration_seconds_count"), 3);
  EXPECT_EQ(ingest.stop(SIGTERM), 0);
}

TEST(Forward, WorkersRunTheHandlersWithTheEnvironmentAndAcknowledge) {
  NatsCluster nats(1);
  ServerProcess ingest(ingest_args(nats));
  TempFile ids;
  ServerProcess consumer = worker(nats, ids);
  HttpClient client(ingest.port());
  std::set<std::string> sent;
  for (int i = 0; i < 200; ++i) {
    const std::string id = "evt_work_" + std::to_string(i);
    ASSERT_EQ(client.post_json("/v1", site_view(id)).status, 202u);
    sent.insert(id);
  }
  // The dispatcher's form: the environment travels with the event (header Gbrt-Environment).
  auto [type, form] = dispatcher_form(site_view("evt_work_env"), fixture("environment.json"));
  ASSERT_EQ(client.request("POST", "/v1", form, type).status, 202u);
  sent.insert("evt_work_env");

  std::set<std::string> handled;
  std::string env_line;
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& line : recorded_lines(ids.path)) {
          handled.insert(line.substr(0, line.find(' ')));
          if (line.starts_with("evt_work_env ")) env_line = line;
        }
        return handled.size() >= sent.size();
      },
      20s));
  EXPECT_EQ(handled, sent);
  EXPECT_EQ(env_line, "evt_work_env env=https://api.gitbook.com");
  ASSERT_TRUE(
      wait_until([&] { return metric(consumer.port(), "gbrt_consume_acked_total") == 201; }, 10s));
  const std::string metrics = HttpClient(consumer.port()).get("/metrics").body;
  EXPECT_EQ(metric_value(metrics, "gbrt_consume_consumed_total"), 201);
  EXPECT_EQ(metric_value(metrics, "gbrt_consume_nacked_total"), 0);
  EXPECT_EQ(metric_value(metrics, "gbrt_consume_redelivered_total"), 0);
  EXPECT_EQ(metric_value(metrics, R"(gbrt_events_handled_total{type="site_view",outcome="ok"})"),
            201);
  EXPECT_TRUE(wait_until([&] { return metric(consumer.port(), "gbrt_consume_lag") == 0; }, 5s));
  EXPECT_EQ(consumer.stop(SIGTERM), 0);
  EXPECT_EQ(ingest.stop(SIGTERM), 0);
}

TEST(Forward, OneProcessCanIngestAndConsume) {
  NatsCluster nats(1);
  TempFile ids;
  ServerProcess both = worker(nats, ids, {"--ack", "site_view=forwarded"});
  HttpClient client(both.port());
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(client.post_json("/v1", site_view("evt_both_" + std::to_string(i))).status, 202u);
  }
  ASSERT_TRUE(wait_until([&] { return recorded_lines(ids.path).size() >= 50; }, 20s));
  const auto lines = recorded_lines(ids.path);
  EXPECT_EQ(std::set<std::string>(lines.begin(), lines.end()).size(), 50u);
  const std::string metrics = client.get("/metrics").body;
  EXPECT_EQ(
      metric_value(metrics, R"(gbrt_events_handled_total{type="site_view",outcome="forwarded"})"),
      50);
  EXPECT_EQ(metric_value(metrics, R"(gbrt_events_handled_total{type="site_view",outcome="ok"})"),
            50);
  EXPECT_EQ(both.stop(SIGTERM), 0) << both.stderr_text();
}

TEST(Forward, UnreachableJetStreamAnswers503WithRetryAfterAndRecovers) {
  NatsCluster nats(1);
  ServerProcess ingest(ingest_args(nats, {"--forward-timeout", "300"}));
  HttpClient client(ingest.port());
  ASSERT_EQ(client.post_json("/v1", site_view("evt_down_0")).status, 202u);

  nats.kill(0);
  const auto start = std::chrono::steady_clock::now();
  auto answer = client.post_json("/v1", site_view("evt_down_1"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(answer.status, 503u);  // never a 4xx: GitBook would drop the event
  EXPECT_EQ(answer.header("retry-after"), "1");
  EXPECT_NE(answer.body.find("Event store unavailable"), std::string::npos) << answer.body;
  EXPECT_TRUE(is_valid_json(answer.body));
  EXPECT_TRUE(ingest.running());

  nats.start(0);  // the same store: the stream is still there
  EXPECT_TRUE(wait_until(
      [&] { return client.post_json("/v1", site_view("evt_down_1")).status == 202; }, 20s));
  EXPECT_GE(metric(ingest.port(), "gbrt_forward_publish_failures_total"), 1);
  EXPECT_EQ(ingest.stop(SIGTERM), 0) << ingest.stderr_text();
}

// Without the stream no one takes the subject: NATS says so at once ("no responders"),
// answered 503 well before the publish timeout (2 s by default).
TEST(Forward, AMissingStreamAnswers503AtOnce) {
  NatsCluster nats(1);
  ServerProcess ingest(ingest_args(nats));
  HttpClient client(ingest.port());
  ASSERT_EQ(client.post_json("/v1", site_view("evt_gone_0")).status, 202u);
  ASSERT_TRUE(delete_stream(nats.url(0), "GBRT_EVENTS"));

  for (int i = 1; i <= 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto answer = client.post_json("/v1", site_view("evt_gone_" + std::to_string(i)));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    EXPECT_EQ(answer.status, 503u);
    EXPECT_EQ(answer.header("retry-after"), "1");
    EXPECT_NE(answer.body.find("responders"), std::string::npos) << answer.body;
    EXPECT_TRUE(is_valid_json(answer.body));
  }
  EXPECT_EQ(metric(ingest.port(), "gbrt_forward_publish_failures_total"), 3);
  EXPECT_EQ(ingest.stop(SIGTERM), 0) << ingest.stderr_text();
}

// JetStream refusing a message (here: a full stream that discards new ones) is a 503 that
// names JetStream's reason; nothing else is stored.
TEST(Forward, AMessageJetStreamRefusesIs503WithItsReason) {
  NatsCluster nats(1);
  ASSERT_TRUE(create_small_stream(nats.url(0), "GBRT_EVENTS", 1));
  ServerProcess ingest(ingest_args(nats));
  HttpClient client(ingest.port());
  ASSERT_EQ(client.post_json("/v1", site_view("evt_full_stream_0")).status, 202u);
  auto answer = client.post_json("/v1", site_view("evt_full_stream_1"));
  EXPECT_EQ(answer.status, 503u);
  EXPECT_EQ(answer.header("retry-after"), "1");
  EXPECT_NE(answer.body.find("maximum messages exceeded"), std::string::npos) << answer.body;
  EXPECT_TRUE(is_valid_json(answer.body));
  EXPECT_EQ(read_stream(nats.url(0), "GBRT_EVENTS").size(), 1u);
  EXPECT_EQ(ingest.stop(SIGTERM), 0) << ingest.stderr_text();
}

// JetStream stores no message whose header block is over 65,535 bytes, and the eventId is
// a header (Nats-Msg-Id): a longer one is the sender's to fix, so 413 in our words, every
// time, and nothing is published. The block: "NATS/1.0\r\n" "Nats-Msg-Id: ID\r\n" "\r\n".
TEST(Forward, AnEventIdTooLongForNatsHeadersIs413) {
  NatsCluster nats(1);
  ServerProcess ingest(ingest_args(nats));
  HttpClient client(ingest.port());
  const std::size_t longest = 65535 - 27;
  auto stored = client.post_json("/v1", site_view(std::string(longest, 'a')));
  EXPECT_EQ(stored.status, 202u) << stored.body;
  for (std::size_t length : {longest + 1, longest + 1, std::size_t(500000)}) {
    auto answer = client.post_json("/v1", site_view(std::string(length, 'b')));
    EXPECT_EQ(answer.status, 413u) << length << ": " << answer.body;
    EXPECT_NE(answer.body.find("its eventId is too long (NATS message headers hold at most 65535 "
                               "bytes; this event needs " +
                               std::to_string(length + 27) + ")"),
              std::string::npos)
        << answer.body;
    EXPECT_TRUE(is_valid_json(answer.body));
  }
  EXPECT_EQ(read_stream(nats.url(0), "GBRT_EVENTS").size(), 1u);
  const std::string metrics = client.get("/metrics").body;
  EXPECT_EQ(metric_value(metrics, "gbrt_forward_publish_failures_total"), 0);
  EXPECT_EQ(
      metric_value(metrics, R"(gbrt_events_handled_total{type="site_view",outcome="rejected"})"),
      3);
  EXPECT_EQ(ingest.stop(SIGTERM), 0) << ingest.stderr_text();
}

// /readyz fails while the ingest node cannot reach NATS, and recovers with it. A worker
// that only consumes forwards nothing: its readiness does not depend on NATS.
TEST(Forward, ReadyzFailsWhileNatsIsUnreachable) {
  NatsCluster nats(1);
  ServerProcess ingest(ingest_args(nats));
  TempFile ids;
  ServerProcess consumer = worker(nats, ids);
  HttpClient client(ingest.port());
  EXPECT_EQ(client.get("/readyz").status, 200u);
  nats.kill(0);
  ASSERT_TRUE(wait_until([&] { return client.get("/readyz").status == 503; }, 20s));
  const auto unready = client.get("/readyz");
  EXPECT_EQ(unready.body, R"({"status":"event store unreachable"})");
  EXPECT_EQ(HttpClient(consumer.port()).get("/readyz").status, 200u);
  EXPECT_EQ(client.get("/healthz").status, 200u);  // alive, only not ready
  nats.start(0);
  EXPECT_TRUE(wait_until([&] { return client.get("/readyz").status == 200; }, 20s));
  EXPECT_TRUE(wait_until(
      [&] { return client.post_json("/v1", site_view("evt_ready_again")).status == 202; }, 20s));
  EXPECT_EQ(consumer.stop(SIGTERM), 0) << consumer.stderr_text();
  EXPECT_EQ(ingest.stop(SIGTERM), 0) << ingest.stderr_text();
}

TEST(Forward, TooManyPublishesInFlightAre503NeverA4xx) {
  NatsCluster nats(1);
  ServerProcess ingest(ingest_args(nats, {"--forward-max-pending", "2"}));
  std::vector<std::string> bodies;
  for (int i = 0; i < 640; ++i) bodies.push_back(site_view("evt_full_" + std::to_string(i)));
  LoadOptions load;
  load.port = ingest.port();
  load.connections = 32;
  load.requests_per_connection = 20;
  load.bodies = bodies;
  LoadResult result = run_load(load);
  EXPECT_EQ(result.errors, 0u);
  EXPECT_EQ(result.count(202) + result.count(503), 640u);  // nothing else, no 4xx
  EXPECT_GT(result.count(503), 0u);
  EXPECT_EQ(result.retry_after, result.count(503));
  EXPECT_GT(result.count(202), 0u);
  EXPECT_EQ(ingest.stop(SIGTERM), 0) << ingest.stderr_text();
}

TEST(Forward, FailingHandlersAreRetriedWithBackoffThenDeadLettered) {
  NatsCluster nats(1);
  ServerProcess ingest(ingest_args(nats));
  TempFile ids;
  ServerProcess consumer = worker(nats, ids, {"--max-deliver", "3", "--nak-backoff", "100"});
  HttpClient client(ingest.port());
  ASSERT_EQ(client.post_json("/v1", site_view("fail-1")).status, 202u);
  ASSERT_EQ(client.post_json("/v1", site_view("evt_fine")).status, 202u);

  ASSERT_TRUE(wait_until(
      [&] { return metric(consumer.port(), "gbrt_consume_dead_lettered_total") == 1; }, 20s))
      << HttpClient(consumer.port()).get("/metrics").body << consumer.stderr_text();
  std::size_t attempts = 0;
  for (const auto& line : recorded_lines(ids.path)) attempts += line == "fail-1";
  EXPECT_EQ(attempts, 3u);
  const std::string metrics = HttpClient(consumer.port()).get("/metrics").body;
  EXPECT_EQ(metric_value(metrics, "gbrt_consume_nacked_total"), 2);
  EXPECT_EQ(metric_value(metrics, "gbrt_consume_redelivered_total"), 2);
  EXPECT_EQ(metric_value(metrics, "gbrt_consume_acked_total"), 1);

  std::vector<StoredMessage> dead;
  for (auto& m : read_stream(nats.url(0), "GBRT_EVENTS")) {
    if (m.subject.starts_with("gbrt.dead.")) dead.push_back(m);
  }
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].subject, "gbrt.dead.site_view");
  EXPECT_EQ(dead[0].data, site_view("fail-1"));
  EXPECT_EQ(dead[0].headers["Gbrt-Deliveries"], "3");
  EXPECT_EQ(dead[0].headers["Gbrt-Error"].rfind("500: ", 0), 0u) << dead[0].headers["Gbrt-Error"];
  EXPECT_EQ(consumer.stop(SIGTERM), 0);
}

TEST(Forward, SigtermDrainsWhatWasPulledAndStopsPulling) {
  NatsCluster nats(1);
  ServerProcess ingest(ingest_args(nats));
  TempFile first_ids, second_ids;
  ServerProcess first_worker = worker(nats, first_ids, {"--consume-inflight", "5"},
                                      {{"RECORDING_WORKER_HANDLER_MS", "500"}});
  ServerProcess* first = &first_worker;
  HttpClient client(ingest.port());
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(client.post_json("/v1", site_view("evt_drain_" + std::to_string(i))).status, 202u);
  }
  ASSERT_TRUE(wait_until([&] { return metric(first->port(), "gbrt_consume_in_flight") > 0; }, 10s));
  EXPECT_EQ(first->stop(SIGTERM), 0);  // the events it pulled finish and are acknowledged
  const auto handled_by_first = recorded_lines(first_ids.path);
  EXPECT_GE(handled_by_first.size(), 1u);
  EXPECT_LT(handled_by_first.size(), 30u);  // it stopped pulling

  ServerProcess second = worker(nats, second_ids);
  std::vector<std::string> handled_by_second;
  ASSERT_TRUE(wait_until(
      [&] {
        handled_by_second = recorded_lines(second_ids.path);
        return handled_by_first.size() + handled_by_second.size() >= 30;
      },
      20s));
  std::set<std::string> all(handled_by_first.begin(), handled_by_first.end());
  all.insert(handled_by_second.begin(), handled_by_second.end());
  EXPECT_EQ(all.size(), 30u);
  // Nothing the first worker handled came back: it was acknowledged before it exited.
  EXPECT_EQ(handled_by_first.size() + handled_by_second.size(), 30u);
  EXPECT_EQ(second.stop(SIGTERM), 0);
}

TEST(Forward, RefusesForwardingOrConsumingWithoutNats) {
  // Found by the configuration check, before anything starts (exit 2).
  auto [status, output] = run_server_command({"--ack", "site_view=forwarded"});
  EXPECT_EQ(status, 2);
  EXPECT_NE(output.find("--ack TYPE=forwarded needs --nats"), std::string::npos) << output;
  std::tie(status, output) = run_server_command({"--consume"});
  EXPECT_EQ(status, 2);
  EXPECT_NE(output.find("--consume needs --nats"), std::string::npos) << output;
  // Nothing listens there: start-up gives up after --nats-startup-timeout, naming the cause.
  const std::string url = "nats://127.0.0.1:" + std::to_string(free_port());
  const auto start = std::chrono::steady_clock::now();
  std::tie(status, output) = run_server_command(
      {"--ack", "site_view=forwarded", "--nats", url, "--nats-startup-timeout", "500"});
  EXPECT_EQ(status, 1);
  EXPECT_NE(output.find("no server answers at " + url + " within 500 ms (is nats-server running"),
            std::string::npos)
      << output;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  std::tie(status, output) = run_server_command({"--ack", "site_view=somewhere"});
  EXPECT_EQ(status, 2);
  EXPECT_NE(output.find("\"somewhere\" is not handled, queued, forwarded or stored"),
            std::string::npos)
      << output;
}

}  // namespace
}  // namespace gbrt::test
