// gbrt::log: lines as JSON payloads or key=value text, levels, and an embedder's own
// spdlog logger plugged in.
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <gbrt/runtime/log.hpp>

namespace {

namespace log = gbrt::log;

// Sends gbrt's log to a string for the test's scope, then back to stderr.
struct Captured {
  explicit Captured(log::Format format) {
    auto logger = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
    logger->set_pattern(format == log::Format::json ? R"({"level":"%l",%v})" : "%l %v");
    log::use(logger, format);
  }
  ~Captured() { log::to_stderr(); }
  std::ostringstream out;
};

TEST(Log, JsonLinesEscapeValuesAndKeepRawOnes) {
  Captured captured(log::Format::json);
  log::warn("handler failed",
            {{"event_id", "evt_1"}, {"error", "a \"quoted\"\nline"}, {"after_ms", "30", true}});
  EXPECT_EQ(captured.out.str(), R"({"level":"warning","msg":"handler failed","event_id":"evt_1",)"
                                R"("error":"a \"quoted\"\nline","after_ms":30})"
                                "\n");
}

TEST(Log, TextLinesQuoteOnlyWhatNeedsIt) {
  Captured captured(log::Format::text);
  log::info("listening", {{"address", "127.0.0.1:80"}, {"note", "two words"}});
  EXPECT_EQ(captured.out.str(), "info listening address=127.0.0.1:80 note=\"two words\"\n");
}

TEST(Log, LevelsFilter) {
  Captured captured(log::Format::text);
  log::set_level(log::Level::error);
  EXPECT_FALSE(log::enabled(log::Level::warn));
  log::warn("hidden");
  log::error("shown");
  EXPECT_EQ(captured.out.str(), "error shown\n");
  EXPECT_EQ(log::parse_level("debug"), log::Level::debug);
  EXPECT_EQ(log::parse_level("loud"), std::nullopt);
}

}  // namespace
