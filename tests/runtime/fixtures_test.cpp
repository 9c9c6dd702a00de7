#include <gbrt/runtime/fixtures.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <gbrt/events/parse.hpp>
#include <gbrt/events/string_arena.hpp>

#include "support/fixtures.hpp"

namespace {

namespace fs = std::filesystem;
namespace ev = gbrt::events;
using gbrt::runtime::FixtureBuilder;

// Sets an environment variable for one test (gtest runs tests on one thread).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(Fixtures, FoundBesideTheProgramLikeAnInstallUnderAnyPrefix) {
  ::unsetenv("GBRT_FIXTURES");
  // This test runs from <build>/tests/, and <build>/share/gbrt/fixtures mirrors an install.
  const fs::path dir = gbrt::runtime::fixtures_dir();
  EXPECT_EQ(dir.filename(), "fixtures");
  EXPECT_EQ(dir.parent_path().filename(), "gbrt");
  EXPECT_EQ(gbrt::runtime::read_fixture("site_view-1"), gbrt::test::fixture("site_view-1.json"));
  EXPECT_EQ(gbrt::runtime::read_fixture("site_view-1.json"),
            gbrt::test::fixture("site_view-1.json"));
}

TEST(Fixtures, TheEnvironmentVariableWinsAndAnExistingPathIsKept) {
  const fs::path dir = fs::temp_directory_path() / ("gbrt-fixtures-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  { std::ofstream(dir / "mine-1.json") << R"({"type":"mine"})"; }
  {
    ScopedEnv env("GBRT_FIXTURES", dir.string());
    EXPECT_EQ(gbrt::runtime::fixtures_dir(), dir);
    EXPECT_EQ(gbrt::runtime::read_fixture("mine-1"), R"({"type":"mine"})");
  }
  const fs::path given = dir / "mine-1.json";
  EXPECT_EQ(gbrt::runtime::fixture_path(given.string()), given);
  fs::remove_all(dir);
}

TEST(Fixtures, AMissingFixtureSaysWhereItLookedAndWhatToSet) {
  ScopedEnv env("GBRT_FIXTURES", "/nonexistent/fixtures");
  try {
    gbrt::runtime::read_fixture("site_view-1");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("/nonexistent/fixtures/site_view-1.json"), std::string::npos) << what;
    EXPECT_NE(what.find("GBRT_FIXTURES"), std::string::npos) << what;
  }
}

// The builder's output goes through the real parser, as a handler would see it.
ev::SiteView parsed_site_view(const std::string& json, ev::Parser& parser, ev::StringArena& arena,
                              ev::PaddedBuffer& buffer) {
  buffer.assign(json);
  auto event = parser.parse_event(buffer.view(), arena);
  EXPECT_TRUE(event) << json;
  return std::get<ev::SiteView>(event.value());
}

TEST(FixtureBuilder, ChangesAddsAndRemovesFieldsAtAnyDepth) {
  const std::string json = FixtureBuilder("site_view-1")
                               .set("pageId", "page \"two\"")
                               .set("visitor.ip", "::1")
                               .set("visitor.cookies.theme", "dark")
                               .set("siteSpaceId", "sitesp_1")
                               .set("extra.depth", 3)
                               .set("extra.flag", true)
                               .remove("visitor.cookies._gid")
                               .json();
  ev::Parser parser;
  ev::StringArena arena;
  ev::PaddedBuffer buffer;
  ev::SiteView view = parsed_site_view(json, parser, arena, buffer);
  EXPECT_EQ(view.page_id, "page \"two\"");
  EXPECT_EQ(view.visitor.ip, "::1");
  EXPECT_EQ(view.visitor.cookies["theme"].get_string(), "dark");
  EXPECT_EQ(view.visitor.cookies["session"].get_string(), "ayFTCtVTtPLyu2Ws");
  EXPECT_EQ(view.site_space_id, "sitesp_1");
  EXPECT_EQ(view.json["extra"]["depth"].get_int64(), 3);
  EXPECT_EQ(view.json["extra"]["flag"].get_bool(), true);
  EXPECT_TRUE(view.visitor.cookies["_gid"].is_missing());
  EXPECT_EQ(view.event_id, "evt_9tL1YnsRjRa0vhByTPGVlN4CC0");
}

TEST(FixtureBuilder, FreshEventIdsDiffer) {
  auto a = FixtureBuilder("site_view-1").fresh_event_id().json();
  auto b = FixtureBuilder("site_view-1").fresh_event_id().json();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find("evt_9tL1YnsRjRa0vhByTPGVlN4CC0"), std::string::npos);
}

TEST(FixtureBuilder, RejectsWhatIsNotJsonOrNotAnObject) {
  EXPECT_THROW(FixtureBuilder("site_view-1").set_json("pageId", "{oops"), std::invalid_argument);
  EXPECT_THROW(FixtureBuilder("site_view-1").set("url.deeper", "x"), std::invalid_argument);
  EXPECT_THROW(FixtureBuilder::from_json("[1]").set("a", "b"), std::invalid_argument);
  EXPECT_EQ(FixtureBuilder::from_json("{}").set("a.b", 1).json(), R"({"a":{"b":1}})");
}

}  // namespace
