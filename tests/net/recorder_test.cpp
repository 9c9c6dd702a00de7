#include <gbrt/net/recorder.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "support/async.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"

namespace {

namespace fs = std::filesystem;
using gbrt::net::Recorder;
using gbrt::net::RecorderOptions;
using gbrt::runtime::Metrics;
using std::chrono::hours;
using std::chrono::milliseconds;

class RecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gbrt-recorder-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::size_t lines(const fs::path& file) {
    std::string text = gbrt::test::read_file(file);
    return std::size_t(std::count(text.begin(), text.end(), '\n'));
  }
  double metric(const std::string& series) {
    return gbrt::test::metric_value(metrics_.render(), series);
  }
  fs::path dir_;
  Metrics metrics_{2};
};

TEST_F(RecorderTest, OneLinePerEventWithLineBreaksFlattened) {
  auto path = dir_ / "events.ndjson";
  {
    Recorder recorder({.path = path.string()}, metrics_);
    recorder.record(0, "{\"type\":\"a\"}");
    recorder.record(1, "{\n  \"type\": \"b\"\r\n}");
    EXPECT_TRUE(recorder.flush());
    EXPECT_EQ(recorder.events(), 2u);
  }
  EXPECT_EQ(gbrt::test::read_file(path), "{\"type\":\"a\"}\n{   \"type\": \"b\"  }\n");
  EXPECT_EQ(metric("gbrt_record_events_total"), 2);
}

TEST_F(RecorderTest, EventsReachTheFileWithinTheIntervalWithoutAnotherEvent) {
  auto path = dir_ / "events.ndjson";
  Recorder recorder({.path = path.string(), .flush_interval = milliseconds(20)}, metrics_);
  for (int i = 0; i < 3; ++i) recorder.record(0, "{\"type\":\"a\"}");
  EXPECT_TRUE(gbrt::test::wait_for([&] { return lines(path) == 3; }));
}

TEST_F(RecorderTest, RotatesBySizeAndKeepsTheNewestFiles) {
  auto path = dir_ / "events.ndjson";
  std::string event = "{\"type\":\"x\",\"pad\":\"" + std::string(80, 'p') + "\"}";  // ~100 bytes
  {
    Recorder recorder({.path = path.string(), .max_bytes = 1000, .keep = 3}, metrics_);
    for (int i = 0; i < 70; ++i) {
      recorder.record(0, event);
      recorder.flush();  // write now, so sizes are checked event by event
    }
  }
  EXPECT_TRUE(fs::exists(path));
  EXPECT_TRUE(fs::exists(dir_ / "events.ndjson.1"));
  EXPECT_TRUE(fs::exists(dir_ / "events.ndjson.3"));
  EXPECT_FALSE(fs::exists(dir_ / "events.ndjson.4"));
  for (const char* name :
       {"events.ndjson", "events.ndjson.1", "events.ndjson.2", "events.ndjson.3"}) {
    EXPECT_LE(fs::file_size(dir_ / name), 1000u) << name;
  }
  EXPECT_EQ(lines(dir_ / "events.ndjson.1"), 9u);  // full files hold 9 events of 101 bytes
}

TEST_F(RecorderTest, AFileThatCannotBeOpenedIsAnError) {
  EXPECT_THROW(Recorder({.path = (dir_ / "no/such/dir/file").string()}, metrics_),
               std::runtime_error);
}

// /dev/full: every write fails with ENOSPC, as on a full disk.
TEST_F(RecorderTest, AFullDiskIsCountedAndEventsWaitInMemoryUpToTheirLimit) {
  const std::string event(99, 'x');  // 100 bytes a line
  Recorder recorder({.path = "/dev/full", .flush_interval = hours(1), .max_pending_bytes = 250},
                    metrics_);
  EXPECT_FALSE(recorder.failing());
  EXPECT_EQ(metric("gbrt_record_failing"), 0);
  for (int i = 0; i < 3; ++i) recorder.record(0, event);
  EXPECT_FALSE(recorder.flush());
  EXPECT_TRUE(recorder.failing());
  EXPECT_EQ(recorder.write_errors(), 1u);
  EXPECT_EQ(recorder.events(), 2u);
  EXPECT_EQ(recorder.lost_events(), 1u);  // the third did not fit in 250 bytes
  EXPECT_FALSE(recorder.refusing());      // not required: events are still answered
  EXPECT_EQ(metric("gbrt_record_failing"), 1);
  EXPECT_EQ(metric("gbrt_record_write_errors_total"), 1);
  EXPECT_EQ(metric("gbrt_record_lost_events_total"), 1);
  EXPECT_FALSE(recorder.close());  // the two held in memory are lost at exit
  EXPECT_EQ(recorder.lost_events(), 3u);
}

TEST_F(RecorderTest, RequiredRefusesWith503WhileFailing) {
  Recorder recorder({.path = "/dev/full", .flush_interval = hours(1), .required = true}, metrics_);
  EXPECT_FALSE(recorder.refusing());
  recorder.record(1, "{}");
  EXPECT_FALSE(recorder.flush());
  EXPECT_TRUE(recorder.refusing());
  auto refusal = Recorder::refusal();
  EXPECT_EQ(refusal.status, 503u);
  EXPECT_TRUE(refusal.retry_after);
  EXPECT_NE(refusal.body.find("--record-required"), std::string::npos) << refusal.body;
}

// A file size limit cuts a write in two, then refuses more (EFBIG): once lifted, the rest
// of the cut line and the events after it are written, in order, and the failure clears.
TEST_F(RecorderTest, ACutWriteIsCompletedWhenTheFileTakesBytesAgain) {
  auto path = dir_ / "events.ndjson";
  Recorder recorder({.path = path.string(), .flush_interval = hours(1)}, metrics_);
  const std::string first = "{\"n\":1}",
                    second = "{\"n\":2,\"pad\":\"" + std::string(80, 'p') + "\"}";
  recorder.record(0, first);
  ASSERT_TRUE(recorder.flush());

  ::signal(SIGXFSZ, SIG_IGN);
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &before), 0);
  rlimit small = before;
  small.rlim_cur = fs::file_size(path) + 30;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  recorder.record(1, second);
  const bool written = recorder.flush();
  const std::uintmax_t cut_size = fs::file_size(path);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &before), 0);
  EXPECT_FALSE(written);
  EXPECT_EQ(cut_size, first.size() + 1 + 30);
  EXPECT_TRUE(recorder.failing());

  recorder.record(0, first);
  EXPECT_TRUE(recorder.flush());
  EXPECT_FALSE(recorder.failing());
  EXPECT_EQ(gbrt::test::read_file(path), first + "\n" + second + "\n" + first + "\n");
  EXPECT_GE(recorder.write_errors(), 1u);
  EXPECT_EQ(recorder.lost_events(), 0u);
}

TEST(RecorderAnswers, OnlyA2xxThatIsNotADuplicateIsAccepted) {
  using gbrt::runtime::Answer;
  EXPECT_TRUE(gbrt::net::is_accepted(Answer::ok()));
  EXPECT_TRUE(gbrt::net::is_accepted(Answer::json(202, R"({"status":"queued"})")));
  Answer duplicate = Answer::ok();
  duplicate.duplicate = true;
  EXPECT_FALSE(gbrt::net::is_accepted(duplicate));
  for (unsigned status : {400u, 404u, 406u, 500u, 503u, 504u}) {
    EXPECT_FALSE(gbrt::net::is_accepted(Answer::error(status, "no"))) << status;
  }
}

}  // namespace
