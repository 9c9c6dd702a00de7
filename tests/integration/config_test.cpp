// gbrt-server's configuration: --config FILE, GBRT_* variables and flags over one option
// table, their precedence, errors naming key and line, --print-config, --check-config,
// and the docs.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace {

using gbrt::test::run_server_command;

// A config file in the temp directory, removed with the object.
struct ConfigFile {
  explicit ConfigFile(const std::string& text)
      : path(std::filesystem::temp_directory_path() /
             ("gbrt-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
              ".conf")) {
    std::ofstream(path) << text;
  }
  ~ConfigFile() { std::filesystem::remove(path); }
  std::filesystem::path path;
  static inline int counter = 0;
};

// Sets an environment variable for the scope (run_server_command's child inherits it).
struct ScopedEnv {
  ScopedEnv(const char* name, const char* value) : name(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name); }
  const char* name;
};

// `key = value` lines of --print-config output.
std::string value_of(const std::string& printed, const std::string& key) {
  std::smatch m;
  std::regex line("(^|\n)" + key + " = ([^\n]*)");
  return std::regex_search(printed, m, line) ? m[2].str() : "<absent>";
}

TEST(GbrtServerConfig, FlagsBeatEnvironmentBeatFileBeatDefaults) {
  ConfigFile file(
      "# a comment\nmax-body = 2048\nthreads = 3\nidle-timeout = 7  # trailing\n"
      "deadline = space_view=100\n");
  ScopedEnv threads("GBRT_THREADS", "5");
  ScopedEnv idle("GBRT_IDLE_TIMEOUT", "9");
  auto [status, out] = run_server_command(
      {"--config", file.path.string(), "--print-config", "--idle-timeout", "11"});
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(value_of(out, "max-body"), "2048") << out;      // file over the default
  EXPECT_EQ(value_of(out, "threads"), "5") << out;          // environment over the file
  EXPECT_EQ(value_of(out, "idle-timeout"), "11") << out;    // flag over both
  EXPECT_EQ(value_of(out, "header-timeout"), "10") << out;  // the default
  EXPECT_EQ(value_of(out, "deadline"), "space_view=100") << out;
}

TEST(GbrtServerConfig, ConfigPathFromTheEnvironment) {
  ConfigFile file("max-connections = 12\n");
  ScopedEnv config("GBRT_CONFIG", file.path.c_str());
  auto [status, out] = run_server_command({"--print-config"});
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(value_of(out, "max-connections"), "12") << out;
  EXPECT_EQ(value_of(out, "deadline"), "8000") << out;  // the default in effect, printed
}

TEST(GbrtServerConfig, UnknownKeyNamesKeyAndLine) {
  ConfigFile file("listen = 127.0.0.1:0\n\n# typo next\nmax-bodyy = 3\n");
  auto [status, out] = run_server_command({"--config", file.path.string()});
  EXPECT_EQ(status, 2);
  EXPECT_NE(out.find(file.path.string() + ":4: unknown key \"max-bodyy\""), std::string::npos)
      << out;
}

TEST(GbrtServerConfig, WrongTypeNamesKeyAndLine) {
  ConfigFile file("listen = 127.0.0.1:0\nmax-body = lots\n");
  auto [status, out] = run_server_command({"--config", file.path.string()});
  EXPECT_EQ(status, 2);
  EXPECT_NE(out.find(file.path.string() + ":2: key \"max-body\""), std::string::npos) << out;
  EXPECT_NE(out.find("lots"), std::string::npos) << out;
}

TEST(GbrtServerConfig, WrongTypeInTheEnvironmentNamesTheVariable) {
  ScopedEnv threads("GBRT_THREADS", "many");
  auto [status, out] = run_server_command({"--print-config"});
  EXPECT_EQ(status, 2);
  EXPECT_NE(out.find("GBRT_THREADS"), std::string::npos) << out;
}

TEST(GbrtServerConfig, MissingFileIsAnError) {
  auto [status, out] = run_server_command({"--config", "/nonexistent/gbrt.conf"});
  EXPECT_EQ(status, 2);
  EXPECT_NE(out.find("cannot read --config /nonexistent/gbrt.conf: No such file or directory"),
            std::string::npos)
      << out;
}

TEST(GbrtServerConfig, PrintConfigHidesTheStorePassword) {
  for (const std::string url :
       {"postgresql://gbrt:pa55word@db.example.com:5432/gbrt?sslmode=require",
        "postgresql://gbrt@db.example.com/gbrt?password=pa55word&sslmode=require",
        "host=db.example.com user=gbrt password=pa55word dbname=gbrt"}) {
    auto [status, out] = run_server_command({"--print-config", "--store", url});
    ASSERT_EQ(status, 0) << out;
    EXPECT_EQ(out.find("pa55word"), std::string::npos) << out;
    EXPECT_NE(out.find("<redacted>"), std::string::npos) << out;
    EXPECT_NE(out.find("db.example.com"), std::string::npos) << out;
  }
}

TEST(GbrtServerConfig, PrintConfigNeverShowsTheSecretAndReadsBack) {
  ScopedEnv secret("GBRT_SECRET", "s3cr3t-value");
  auto [status, out] = run_server_command({"--print-config", "--max-body", "4096"});
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(out.find("s3cr3t-value"), std::string::npos) << out;
  EXPECT_NE(out.find("GBRT_SECRET is set (redacted)"), std::string::npos) << out;
  // The printed configuration is itself a valid config file with the same values.
  ConfigFile printed(out);
  auto [again_status, again] =
      run_server_command({"--config", printed.path.string(), "--print-config"});
  ASSERT_EQ(again_status, 0) << again;
  EXPECT_EQ(again, out);
}

TEST(GbrtServerConfig, ServesWithAConfigFileAndLogsJsonLines) {
  ConfigFile file("access-log = true\nlog-level = info\n");
  gbrt::test::ServerProcess server({"--config", file.path.string()});
  EXPECT_EQ(gbrt::test::HttpClient(server.port()).get("/healthz").status, 200u);
  EXPECT_EQ(server.stop(SIGTERM), 0);
  const std::string err = server.stderr_text();
  EXPECT_NE(err.find(R"("msg":"listening")"), std::string::npos) << err;
  EXPECT_NE(err.find(R"("msg":"request","method":"GET","path":"/healthz","status":200)"),
            std::string::npos)
      << err;
  // Every stderr line is one JSON object with a timestamp and a level.
  std::istringstream lines(err);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_EQ(line.rfind(R"({"ts":")", 0), 0u) << line;
    EXPECT_NE(line.find(R"("level":")"), std::string::npos) << line;
    EXPECT_EQ(line.back(), '}') << line;
  }
}

TEST(GbrtServerConfig, LogLevelOffSilencesTheLog) {
  gbrt::test::ServerProcess server({"--log-level", "off"});
  EXPECT_EQ(server.stop(SIGTERM), 0);
  EXPECT_EQ(server.stderr_text(), "");
  EXPECT_EQ(run_server_command({"--log-level", "loud"}).first, 2);
}

// docs/configuration.md names every option of the table, so the docs cannot drift.
TEST(GbrtServerConfig, EveryOptionIsDocumented) {
  auto [status, printed] = run_server_command({"--print-config"});
  ASSERT_EQ(status, 0);
  const std::string docs = gbrt::test::read_file(std::filesystem::path(GBRT_FIXTURES_DIR) /
                                                 "../../docs/configuration.md");
  ASSERT_FALSE(docs.empty());
  std::regex key("(^|\n)#? ?([a-z][a-z0-9.-]*) =");
  std::set<std::string> keys;
  for (std::sregex_iterator it(printed.begin(), printed.end(), key), end; it != end; ++it) {
    keys.insert((*it)[2]);
  }
  ASSERT_GT(keys.size(), 20u);
  for (const std::string& k : keys) {
    EXPECT_NE(docs.find("`" + k + "`"), std::string::npos)
        << k << " is not in docs/configuration.md";
  }
  for (const char* extra : {"`--config", "`--print-config`", "`GBRT_SECRET`"}) {
    EXPECT_NE(docs.find(extra), std::string::npos) << extra;
  }
}

// docs/configuration.md gives every default the table has, as --print-config prints it.
TEST(GbrtServerConfig, EveryDefaultIsDocumented) {
  auto [status, printed] = run_server_command({"--print-config"});
  ASSERT_EQ(status, 0);
  const std::string docs = gbrt::test::read_file(std::filesystem::path(GBRT_FIXTURES_DIR) /
                                                 "../../docs/configuration.md");
  std::regex line("(^|\n)([a-z][a-z0-9.-]*) = ([^\n]*)");
  std::size_t checked = 0;
  for (std::sregex_iterator it(printed.begin(), printed.end(), line), end; it != end; ++it) {
    const std::string row = "| `" + (*it)[2].str() + "` | `" + (*it)[3].str() + "`";
    EXPECT_NE(docs.find(row), std::string::npos) << row << " is not in docs/configuration.md";
    ++checked;
  }
  EXPECT_GT(checked, 30u);
}

// Durations take a unit; a bare number keeps the option's unit (configurations written
// before units were accepted), and --print-config prints each as it was written.
TEST(GbrtServerConfig, DurationsTakeAUnitAndBareNumbersStillWork) {
  ConfigFile file("idle-timeout = 2min\nnak-backoff = 1500\ndeadline = space_view=2s\n");
  auto [status, out] = run_server_command({"--config", file.path.string(), "--print-config",
                                           "--drain-delay", "1s", "--deadline", "9000"});
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(value_of(out, "idle-timeout"), "2min") << out;
  EXPECT_EQ(value_of(out, "nak-backoff"), "1500") << out;
  EXPECT_EQ(value_of(out, "drain-delay"), "1s") << out;
  EXPECT_TRUE(out.find("deadline = 9000\ndeadline = space_view=2s") != std::string::npos) << out;
  auto [bad_status, bad] = run_server_command({"--check-config", "--header-timeout", "1500ms"});
  EXPECT_EQ(bad_status, 2) << bad;
  EXPECT_NE(bad.find("'--header-timeout' is invalid"), std::string::npos) << bad;
  auto [typo_status, typo] = run_server_command({"--check-config", "--deadline", "space_view=2 s"});
  EXPECT_EQ(typo_status, 2) << typo;
  EXPECT_NE(typo.find("\"2 s\" is not a duration"), std::string::npos) << typo;
}

// --check-config: the configuration read as a start reads it, every problem reported with
// where it comes from, a non-zero exit; the same checks at a normal start.
bool has(const std::string& out, const std::string& text) {
  return out.find(text) != std::string::npos;
}

TEST(CheckConfig, AValidConfigurationExitsZero) {
  ConfigFile file("max-body = 4096\nack = site_view=queued\ndeadline = space_view=100\n");
  auto [status, out] = run_server_command({"--config", file.path.string(), "--check-config"});
  EXPECT_EQ(status, 0) << out;
  EXPECT_TRUE(has(out, "the configuration is valid")) << out;
}

TEST(CheckConfig, ReportsEveryProblemWithItsSource) {
  ConfigFile file(
      "# line 1\n"
      "log-level = loud\n"
      "deadline = spaceview=100\n"
      "max-bodyy = 3\n");
  ScopedEnv ack("GBRT_ACK", "site_view=later");
  ScopedEnv typo("GBRT_MAX_BODDY", "1");
  auto [status, out] =
      run_server_command({"--config", file.path.string(), "--check-config", "--ack",
                          "sitview=queued", "--listen", "nowhere", "stray"});
  EXPECT_EQ(status, 2) << out;
  const std::string f = file.path.string();
  EXPECT_TRUE(has(out, f + ":2: \"loud\" is not a level")) << out;
  EXPECT_TRUE(has(out, f + ":3: unknown event type \"spaceview\"")) << out;
  EXPECT_TRUE(has(out, f + ":4: unknown key \"max-bodyy\"")) << out;
  EXPECT_TRUE(has(out, "--ack: unknown event type \"sitview\" (did you mean \"site_view\"?)"))
      << out;
  EXPECT_TRUE(has(out, "GBRT_ACK: \"later\" is not handled, queued, forwarded or stored")) << out;
  EXPECT_TRUE(has(out, "variable GBRT_MAX_BODDY: unknown")) << out;
  EXPECT_TRUE(has(out, "--listen: \"nowhere\" is not HOST:PORT")) << out;
  EXPECT_TRUE(has(out, "argument \"stray\": gbrt-server takes options only")) << out;
  EXPECT_FALSE(has(out, "the configuration is valid")) << out;
}

TEST(CheckConfig, ForwardingWithoutNatsAndUnreadableFilesAreProblems) {
  auto [status, out] = run_server_command(
      {"--check-config", "--ack", "site_view=forwarded", "--tls-cert", "/nonexistent/cert.pem"});
  EXPECT_EQ(status, 2) << out;
  EXPECT_TRUE(has(out, "--ack: --ack TYPE=forwarded needs --nats")) << out;
  EXPECT_TRUE(has(out, "--tls-cert: cannot read /nonexistent/cert.pem: No such file or directory"))
      << out;
}

TEST(CheckConfig, StoringOrMigratingWithoutAStoreIsAProblem) {
  auto [status, out] = run_server_command({"--check-config", "--ack", "site_view=stored"});
  EXPECT_EQ(status, 2) << out;
  EXPECT_TRUE(has(out, "--ack: --ack TYPE=stored needs --store URL")) << out;
  auto [migrate_status, migrate_out] = run_server_command({"--store-migrate"});
  EXPECT_EQ(migrate_status, 2) << migrate_out;
  EXPECT_TRUE(has(migrate_out, "--store-migrate needs --store URL")) << migrate_out;
  auto [write_status, write_out] =
      run_server_command({"--check-config", "--store-write", "upsert"});
  EXPECT_EQ(write_status, 2) << write_out;
  EXPECT_TRUE(has(write_out, "--store-write: \"upsert\" is not a way to write")) << write_out;
}

TEST(CheckConfig, TheSameProblemsStopANormalStartAndPrintConfig) {
  for (const char* mode : {"--print-config", "--threads"}) {
    std::vector<std::string> args = {"--log-level", "loud", mode};
    if (std::string(mode) == "--threads") args.push_back("1");
    auto [status, out] = run_server_command(args);
    EXPECT_EQ(status, 2) << mode << out;
    EXPECT_TRUE(has(out, "--log-level: \"loud\" is not a level")) << out;
  }
  EXPECT_EQ(run_server_command({"stray"}).first, 2);
  ScopedEnv typo("GBRT_LISTNE", "127.0.0.1:0");
  auto [status, out] = run_server_command({"--print-config"});
  EXPECT_EQ(status, 2) << out;
  EXPECT_TRUE(has(out, "variable GBRT_LISTNE: unknown")) << out;
}

}  // namespace
