// gbrt-loadgen against a real gbrt-server child over loopback, in every format, and its
// histogram against known inputs.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "histogram.hpp"
#include "support/fixtures.hpp"
#include "support/server_process.hpp"
#include "support/test_ca.hpp"

namespace {

using gbrt::test::ServerProcess;

struct LoadgenRun {
  int exit_status = -1;
  std::string output;
  simdjson::dom::parser parser;
  simdjson::dom::element result;  // the last stdout line
  std::uint64_t get(const char* key) { return std::uint64_t(result[key].get_double().value()); }
};

// Runs gbrt-loadgen with `args` (and GBRT_SECRET=`secret` when given); parses its last line.
void run_loadgen(LoadgenRun& run, const std::string& args, const std::string& secret = "") {
  std::string command =
      (secret.empty() ? std::string("env -u GBRT_SECRET ") : "env GBRT_SECRET=" + secret + " ") +
      GBRT_LOADGEN_PATH + " " + args + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char chunk[4096];
  for (std::size_t n; (n = fread(chunk, 1, sizeof chunk, pipe)) > 0;) run.output.append(chunk, n);
  run.exit_status = pclose(pipe);
  std::string last = run.output.substr(0, run.output.find_last_not_of('\n') + 1);
  last = last.substr(last.find_last_of('\n') + 1);
  ASSERT_EQ(run.parser.parse(last).get(run.result), simdjson::SUCCESS) << run.output;
}

std::string corpus() {
  return (gbrt::test::fixtures_dir() / "space_view-1.json").string();
}

TEST(Loadgen, SignedJsonClosedLoopReportsEveryField) {
  ServerProcess server({}, {{"GBRT_SECRET", "loadgen-secret"}});
  LoadgenRun run;
  run_loadgen(run,
              "--url http://127.0.0.1:" + std::to_string(server.port()) +
                  "/v1 -c 4 -d 1 --corpus " + corpus(),
              "loadgen-secret");
  EXPECT_EQ(run.exit_status, 0);
  for (const char* key : {"requests", "events", "errors", "rps", "eps", "p50_us", "p90_us",
                          "p99_us", "p999_us", "p9999_us", "max_us"}) {
    EXPECT_FALSE(run.result[key].error()) << key << " missing in " << run.output;
  }
  EXPECT_GT(run.get("requests"), 100u);
  EXPECT_EQ(run.get("events"), run.get("requests"));
  EXPECT_EQ(run.get("errors"), 0u);
  EXPECT_EQ(run.get("non_2xx"), 0u);
  EXPECT_EQ(std::uint64_t(run.result["statuses"]["200"].get_double().value()), run.get("requests"));
  EXPECT_LE(run.get("p50_us"), run.get("p99_us"));
  EXPECT_LE(run.get("p99_us"), run.get("max_us"));
}

// The default demo: gbrt-loadgen's default corpus (the fixtures beside its bin/) against the
// default server gets no error.
TEST(Loadgen, TheDefaultCorpusGetsNoErrorFromTheDefaultServer) {
  ServerProcess server;
  LoadgenRun run;
  run_loadgen(run, "--url http://127.0.0.1:" + std::to_string(server.port()) + "/v1 -c 2 -d 1");
  EXPECT_EQ(run.exit_status, 0);
  EXPECT_GE(run.get("requests"), 42u) << run.output;  // the whole corpus at least once
  EXPECT_EQ(run.get("non_2xx"), 0u) << run.output;
  EXPECT_EQ(run.get("errors"), 0u) << run.output;
}

TEST(Loadgen, AWrongSecretIsCountedAsNon2xx) {
  ServerProcess server({}, {{"GBRT_SECRET", "the-real-secret"}});
  LoadgenRun run;
  run_loadgen(run,
              "--url http://127.0.0.1:" + std::to_string(server.port()) +
                  "/v1 -c 2 -d 1 --corpus " + corpus(),
              "a-wrong-secret");
  EXPECT_GT(run.get("requests"), 0u);
  EXPECT_EQ(run.get("non_2xx"), run.get("requests"));
  EXPECT_EQ(std::uint64_t(run.result["statuses"]["401"].get_double().value()), run.get("requests"));
}

TEST(Loadgen, MultipartAndNdjsonBatches) {
  ServerProcess server;
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  LoadgenRun multipart;
  run_loadgen(multipart, "--url " + url + "/v1 --format multipart -c 2 -d 1 --corpus " + corpus());
  EXPECT_GT(multipart.get("requests"), 0u);
  EXPECT_EQ(multipart.get("non_2xx") + multipart.get("errors"), 0u) << multipart.output;

  LoadgenRun batch;
  run_loadgen(batch, "--url " + url + " --format ndjson --batch 10 -c 2 -d 1 --corpus " + corpus());
  EXPECT_GT(batch.get("requests"), 0u);
  EXPECT_EQ(batch.get("events"), 10 * batch.get("requests"));
  EXPECT_EQ(batch.get("non_2xx") + batch.get("errors"), 0u) << batch.output;
}

// space_view goes to a queue that is always full (--queue-capacity 0): each of its lines is
// shed with 503, while site_view lines are handled.
TEST(Loadgen, ShedBatchLinesAreCountedAsErrors) {
  const auto corpus_file = std::filesystem::temp_directory_path() /
                           ("gbrt-loadgen-shed-" + std::to_string(::getpid()) + ".ndjson");
  using gbrt::test::fixture_line;
  std::ofstream(corpus_file) << fixture_line("site_view-1.json") << '\n'
                             << fixture_line("space_view-1.json") << '\n';
  ServerProcess server({"--ack", "space_view=queued", "--queue-capacity", "0"});
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());

  LoadgenRun mixed;
  run_loadgen(mixed, "--url " + url + " --format ndjson --batch 10 -c 2 -d 1 --corpus " +
                         corpus_file.string());
  EXPECT_GT(mixed.get("requests"), 0u);
  EXPECT_EQ(mixed.get("non_2xx"), 0u) << mixed.output;  // half of each batch was handled
  EXPECT_EQ(mixed.get("events"), 5 * mixed.get("requests"));
  EXPECT_EQ(mixed.get("lines_shed"), 5 * mixed.get("requests")) << mixed.output;
  EXPECT_EQ(mixed.get("lines_rejected"), 0u);
  EXPECT_EQ(mixed.get("errors"), mixed.get("lines_shed"));

  std::ofstream(corpus_file) << fixture_line("space_view-1.json") << '\n';
  LoadgenRun all_shed;
  run_loadgen(all_shed, "--url " + url + " --format ndjson --batch 10 -c 2 -d 1 --corpus " +
                            corpus_file.string());
  EXPECT_GT(all_shed.get("requests"), 0u);
  EXPECT_EQ(all_shed.get("non_2xx"), all_shed.get("requests")) << all_shed.output;  // 503s
  EXPECT_EQ(all_shed.get("events"), 0u);
  EXPECT_EQ(all_shed.get("lines_shed"), 10 * all_shed.get("requests"));
  EXPECT_EQ(all_shed.get("errors"), all_shed.get("requests"));
  std::filesystem::remove(corpus_file);
}

// Both ways of pacing keep the schedule: about rate × duration requests, each sent near its
// time (the lateness is reported; seconds would mean the schedule was not kept at all).
TEST(Loadgen, OpenLoopSendsAboutRateTimesDurationEitherPace) {
  ServerProcess server;
  for (const char* pace : {"spin", "timer"}) {
    LoadgenRun run;
    run_loadgen(run, "--url http://127.0.0.1:" + std::to_string(server.port()) +
                         "/v1 --rate 200 -c 4 -d 2 --pace " + pace + " --corpus " + corpus());
    EXPECT_GE(run.get("requests"), 360u) << pace;
    EXPECT_LE(run.get("requests"), 420u) << pace;
    // Latency counts from the intended time: its median is at least the sending's lateness
    // and at least the answer's own time (each request's latency is their sum).
    EXPECT_LE(run.get("send_lag_p50_us"), run.get("p50_us")) << run.output;
    EXPECT_LE(run.get("answer_p50_us"), run.get("p50_us")) << run.output;
    EXPECT_GT(run.get("answer_p50_us"), 0u) << run.output;
    EXPECT_LT(run.get("send_lag_p50_us"), 1000000u) << pace;
    // Only polling knows how busy the generator was: a share of its time.
    const auto busy = run.result["generator_busy"];
    if (std::string(pace) == "timer") {
      EXPECT_TRUE(busy.is_null()) << run.output;
    } else {
      double share = -1;
      ASSERT_EQ(busy.get_double().get(share), simdjson::SUCCESS) << run.output;
      EXPECT_GT(share, 0.0);
      EXPECT_LE(share, 1.0);
    }
  }
}

TEST(Loadgen, ANewConnectionPerRequest) {
  ServerProcess server;
  LoadgenRun run;
  run_loadgen(run, "--url http://127.0.0.1:" + std::to_string(server.port()) +
                       "/v1 --new-connection -c 2 -d 1 --corpus " + corpus());
  EXPECT_EQ(run.exit_status, 0);
  EXPECT_GT(run.get("requests"), 20u) << run.output;
  EXPECT_EQ(run.get("errors"), 0u) << run.output;
  EXPECT_EQ(run.get("connected"), run.get("requests")) << run.output;
}

// HTTPS against a certificate for `localhost` signed by a CA made for the test.
class LoadgenTls : public ::testing::Test {
 protected:
  void SetUp() override { ca_ = gbrt::test::make_test_ca(); }
  void TearDown() override { gbrt::test::remove_test_ca(ca_); }
  std::vector<std::string> server_flags() const {
    return {"--tls-cert", ca_.server_cert, "--tls-key", ca_.server_key};
  }
  gbrt::test::TestCa ca_;
};

TEST_F(LoadgenTls, KeepAliveChecksTheCertificate) {
  ServerProcess server(server_flags());
  const std::string port = std::to_string(server.port());
  LoadgenRun run;
  run_loadgen(run, "--url https://localhost:" + port + "/v1 --ca-file " + ca_.ca_file +
                       " -c 2 -d 1 --corpus " + corpus());
  EXPECT_EQ(run.exit_status, 0);
  EXPECT_GT(run.get("requests"), 20u) << run.output;
  EXPECT_EQ(run.get("errors"), 0u) << run.output;
  EXPECT_EQ(run.get("connected"), 2u) << run.output;

  // The certificate names localhost only: 127.0.0.1 fails the check, unless --insecure.
  LoadgenRun wrong_name;
  run_loadgen(wrong_name, "--url https://127.0.0.1:" + port + "/v1 --ca-file " + ca_.ca_file +
                              " -c 2 -d 1 --corpus " + corpus());
  EXPECT_EQ(WEXITSTATUS(wrong_name.exit_status), 1) << wrong_name.output;
  EXPECT_EQ(wrong_name.get("connected"), 0u);
  EXPECT_GT(wrong_name.get("errors_connect"), 0u);
  LoadgenRun insecure;
  run_loadgen(insecure,
              "--url https://127.0.0.1:" + port + "/v1 --insecure -c 2 -d 1 --corpus " + corpus());
  EXPECT_EQ(insecure.get("errors"), 0u) << insecure.output;
  EXPECT_GT(insecure.get("requests"), 20u);
}

// gbrt-server issues session tickets: with --tls-resume every handshake but each client's
// first is abbreviated; without it, none is.
TEST_F(LoadgenTls, ANewConnectionPerRequestResumesTheSession) {
  ServerProcess server(server_flags());
  const std::string url = "https://localhost:" + std::to_string(server.port()) + "/v1 --ca-file " +
                          ca_.ca_file + " --new-connection -c 2 -d 1 --corpus " + corpus();
  LoadgenRun resumed;
  run_loadgen(resumed, "--url " + url + " --tls-resume");
  EXPECT_EQ(resumed.get("errors"), 0u) << resumed.output;
  EXPECT_GT(resumed.get("requests"), 10u) << resumed.output;
  EXPECT_EQ(resumed.get("connected"), resumed.get("requests"));
  EXPECT_EQ(resumed.get("tls_resumed"), resumed.get("connected") - 2) << resumed.output;

  LoadgenRun full;
  run_loadgen(full, "--url " + url);
  EXPECT_EQ(full.get("errors"), 0u) << full.output;
  EXPECT_GT(full.get("requests"), 10u);
  EXPECT_EQ(full.get("tls_resumed"), 0u);
}

TEST(Loadgen, BadFlagsExitWith2) {
  LoadgenRun run;
  std::string command = std::string(GBRT_LOADGEN_PATH) + " --format yaml >/dev/null 2>&1";
  int status = std::system(command.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);
  command = std::string(GBRT_LOADGEN_PATH) + " --tls-resume >/dev/null 2>&1";  // needs --tls
  status = std::system(command.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);
  command = std::string(GBRT_LOADGEN_PATH) + " --rate 10 --pace sleep >/dev/null 2>&1";
  status = std::system(command.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

TEST(LoadgenHistogram, PercentilesOfKnownInputs) {
  gbrt::loadgen::Histogram h;
  for (std::uint64_t v = 1; v <= 1000; ++v) h.record(v);
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_EQ(h.max(), 1000u);
  EXPECT_EQ(h.percentile(100), 1000u);
  // Each bucket is at most 1/64 of its values wide: the answer is within 1.6 % above.
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    const double exact = p * 10;
    EXPECT_GE(double(h.percentile(p)), exact) << p;
    EXPECT_LE(double(h.percentile(p)), exact * 1.016 + 1) << p;
  }
  EXPECT_EQ(h.percentile(10), 100u);  // below 128 a bucket holds one value
  gbrt::loadgen::Histogram other;
  other.record(5'000'000);
  h.merge(other);
  EXPECT_EQ(h.max(), 5'000'000u);
  EXPECT_EQ(h.percentile(100), 5'000'000u);
}

}  // namespace
