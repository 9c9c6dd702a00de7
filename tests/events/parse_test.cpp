#include <gbrt/events/parse.hpp>

#include <cctype>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "events/strict_json.hpp"
#include "support/fixtures.hpp"

namespace {

using namespace std::string_view_literals;
namespace ev = gbrt::events;
using Code = ev::ParseError::Code;
using gbrt::test::fixture;
using gbrt::test::fixture_files;

using StringPairs = std::vector<std::pair<std::string, std::string>>;

std::string code_name(Code code) {
  switch (code) {
    case Code::empty:
      return "empty";
    case Code::invalid_json:
      return "invalid_json";
    case Code::invalid_utf8:
      return "invalid_utf8";
    case Code::too_deep:
      return "too_deep";
    case Code::too_large:
      return "too_large";
    case Code::not_an_object:
      return "not_an_object";
    case Code::missing_field:
      return "missing_field";
    case Code::wrong_type:
      return "wrong_type";
  }
  return "code " + std::to_string(int(code));
}

bool points_into(std::string_view part, const ev::PaddedBuffer& body) {
  return part.data() >= body.data() && part.data() + part.size() <= body.data() + body.size();
}

testing::AssertionResult contains(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) return testing::AssertionSuccess();
  return testing::AssertionFailure() << '"' << text << "\" does not contain \"" << part << '"';
}

// An object of string values as (key, value) pairs in document order.
StringPairs string_members(ev::JsonView object) {
  StringPairs out;
  for (const auto& [key, value] : object.members()) {
    out.emplace_back(
        key, value.get_string().value_or("<not a string: " + std::string(value.raw()) + ">"));
  }
  return out;
}

// Parses bodies with one Parser and one StringArena, keeping every body alive so that the
// views stay valid for the whole test.
class ParseTest : public testing::Test {
 protected:
  ev::ParseResult<ev::Event> parse(std::string_view json) {
    bodies_.push_back(std::make_unique<ev::PaddedBuffer>(json));
    return parser_.parse_event(bodies_.back()->view(), arena_);
  }

  // The typed view of `json`; a test failure (and nullopt) when it does not parse as View.
  template <class View>
  std::optional<View> parse_as(std::string_view json) {
    auto result = parse(json);
    if (!result) {
      ADD_FAILURE() << "does not parse: " << result.error().message() << "\n" << json;
      return std::nullopt;
    }
    if (!std::holds_alternative<View>(result.value())) {
      ADD_FAILURE() << "parsed as " << ev::to_string(ev::type_of(result.value())) << ", not "
                    << ev::to_string(View::kType);
      return std::nullopt;
    }
    return std::get<View>(result.value());
  }

  template <class View>
  std::optional<View> fixture_as(const std::string& name) {
    return parse_as<View>(fixture(name));
  }

  // The error of `json`; a test failure when it parses.
  ev::ParseError error_of(std::string_view json) {
    auto result = parse(json);
    if (result) {
      ADD_FAILURE() << "parsed as " << ev::to_string(ev::type_of(result.value()))
                    << ", expected an error:\n"
                    << json;
      return {};
    }
    return result.error();
  }

  const ev::PaddedBuffer& last_body() const { return *bodies_.back(); }

  ev::Parser parser_;
  ev::StringArena arena_;
  std::vector<std::unique_ptr<ev::PaddedBuffer>> bodies_;
};

void expect_envelope(const ev::EventBase& event, std::string_view type, std::string_view event_id,
                     std::string_view installation_id) {
  EXPECT_EQ(event.type, type);
  EXPECT_EQ(event.event_id, event_id);
  EXPECT_EQ(event.installation_id, installation_id);
  EXPECT_TRUE(event.json.is_object());
  EXPECT_EQ(event.json["type"].get_string(), type);
}

struct ExpectedVisitor {
  std::string_view anonymous_id;
  StringPairs cookies;
  std::string_view user_agent;
  std::string_view ip;
  std::optional<std::string_view> language;
};

void expect_visitor(const ev::Visitor& visitor, const ExpectedVisitor& expected) {
  EXPECT_EQ(visitor.anonymous_id, expected.anonymous_id);
  EXPECT_TRUE(visitor.cookies.is_object());
  EXPECT_EQ(string_members(visitor.cookies), expected.cookies);
  EXPECT_EQ(visitor.user_agent, expected.user_agent);
  EXPECT_EQ(visitor.ip, expected.ip);
  EXPECT_EQ(visitor.language, expected.language);
}

// The configuration objects of the *_installation_setup fixtures.
void expect_configuration(const std::optional<ev::JsonView>& configuration,
                          std::string_view tracking_id, bool enabled, std::int64_t threshold) {
  ASSERT_TRUE(configuration.has_value());
  EXPECT_EQ(configuration->size(), 3u);
  EXPECT_EQ((*configuration)["trackingId"].get_string(), tracking_id);
  EXPECT_EQ((*configuration)["enabled"].get_bool(), enabled);
  EXPECT_EQ((*configuration)["threshold"].get_int64(), threshold);
}

// `"futureField": {"added": "later", "n": 1500.0}`: accepted, readable through json.
void expect_future_field(const ev::EventBase& event) {
  ev::JsonView future = event.json["futureField"];
  EXPECT_TRUE(future.is_object());
  EXPECT_EQ(future["added"].get_string(), "later"sv);
  EXPECT_EQ(future["n"].raw(), "1500.0"sv);
  EXPECT_EQ(future["n"].get_double(), 1500.0);
}

void expect_no_future_field(const ev::EventBase& event) {
  EXPECT_TRUE(event.json["futureField"].is_missing());
}

struct ExpectedUser {
  std::string_view id;
  std::string_view display_name;
  std::optional<std::string_view> email;
  std::optional<std::string_view> photo_url;
  std::string_view location;  // urls.location
};

void expect_users(const ev::UserList& users, const std::vector<ExpectedUser>& expected) {
  ASSERT_EQ(users.size(), expected.size());
  EXPECT_FALSE(users.empty());
  EXPECT_TRUE(users.json().is_array());
  std::size_t i = 0;
  for (const ev::User& user : users) {
    ASSERT_LT(i, expected.size());
    SCOPED_TRACE("user " + std::to_string(i));
    EXPECT_EQ(user.object, "user"sv);
    EXPECT_EQ(user.id, expected[i].id);
    EXPECT_EQ(user.display_name, expected[i].display_name);
    EXPECT_EQ(user.email, expected[i].email);
    EXPECT_EQ(user.photo_url, expected[i].photo_url);
    EXPECT_TRUE(user.urls.is_object());
    EXPECT_EQ(user.urls["location"].get_string(), expected[i].location);
    ++i;
  }
  EXPECT_EQ(i, expected.size());
}

// ---------------------------------------------------------------------------------------
// Every fixture: it parses, as the type its file name says.

std::string event_type_in_file_name(const std::filesystem::path& file) {
  std::string stem = file.stem().string();
  return stem.substr(0, stem.rfind('-'));
}

TEST_F(ParseTest, EveryEventFixtureParsesAsTheTypeInItsName) {
  std::size_t parsed = 0;
  for (const auto& file : fixture_files(".json")) {
    if (file.filename() == "environment.json") continue;
    SCOPED_TRACE(file.filename().string());
    auto result = parse(gbrt::test::read_file(file));
    ASSERT_TRUE(result) << result.error().message();
    const std::string type = event_type_in_file_name(file);
    EXPECT_EQ(ev::to_string(ev::type_of(result.value())), type);
    EXPECT_EQ(ev::base(result.value()).type, type);
    EXPECT_EQ(ev::base(result.value()).json.raw(), last_body().str());
    ++parsed;
  }
  EXPECT_EQ(parsed, 54u);
}

// "space_view-1.json" -> "SpaceView1": the name of its test in FixtureValues.
std::string value_test_name(const std::filesystem::path& file) {
  std::string name;
  bool upper = true;
  for (char c : file.stem().string()) {
    if (c == '_' || c == '-') {
      upper = true;
      continue;
    }
    name += upper ? char(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return name;
}

TEST(FixtureCoverage, EveryEventFixtureHasAValueTest) {
  const testing::TestSuite* suite = nullptr;
  auto* unit = testing::UnitTest::GetInstance();
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    if (std::string_view(unit->GetTestSuite(i)->name()) == "FixtureValues") {
      suite = unit->GetTestSuite(i);
    }
  }
  ASSERT_NE(suite, nullptr);
  for (const auto& file : fixture_files(".json")) {
    if (file.filename() == "environment.json") continue;
    const std::string wanted = value_test_name(file);
    bool found = false;
    for (int j = 0; j < suite->total_test_count(); ++j) {
      found = found || wanted == suite->GetTestInfo(j)->name();
    }
    EXPECT_TRUE(found) << file.filename() << " has no FixtureValues." << wanted;
  }
}

// ---------------------------------------------------------------------------------------
// Every fixture's values.

class FixtureValues : public ParseTest {};

// The *_installation_setup and *_installation_deleted fixtures: one row each, the same
// checks for all (a pointer left null, or `unchecked`, is not checked for that fixture).
struct InstallationFixture {
  struct Configuration {
    std::string_view tracking_id;
    bool enabled;
    std::int64_t threshold;
  };
  enum class Previous { unchecked, absent, present };
  enum class Future { unchecked, absent, present };

  const char* test;  // FixtureValues.<test>
  const char* file;
  const char* type;
  const char* event_id;
  const char* installation_id;
  const char* scope_id;         // space_id or site_id; null for the installation's own events
  const char* status;           // setup events
  Previous previous;            // setup events: whether there is a previous state
  const char* previous_status;  // setup events
  // The previous state's configuration: kNoConfiguration when it has none; kUnchecked: not
  // checked.
  std::optional<std::optional<Configuration>> configuration;
  Future future;
};
using Configuration = InstallationFixture::Configuration;
using Previous = InstallationFixture::Previous;
using Future = InstallationFixture::Future;
constexpr std::nullopt_t kUnchecked = std::nullopt;
const std::optional<std::optional<Configuration>> kNoConfiguration{std::in_place, std::nullopt};

template <class View>
class InstallationFixtureValues : public FixtureValues {
 public:
  explicit InstallationFixtureValues(const InstallationFixture& row) : row_(row) {}
  void TestBody() override {
    auto e = fixture_as<View>(row_.file);
    ASSERT_TRUE(e);
    expect_envelope(*e, row_.type, row_.event_id, row_.installation_id);
    if constexpr (requires { e->space_id; }) {
      EXPECT_EQ(e->space_id, row_.scope_id);
    }
    if constexpr (requires { e->site_id; }) {
      EXPECT_EQ(e->site_id, row_.scope_id);
    }
    const std::optional<ev::JsonView>* configuration = nullptr;
    if constexpr (requires { e->status; }) {  // a setup event: an optional previous state
      EXPECT_EQ(ev::to_string(e->status), row_.status);
      if (row_.previous == Previous::absent) {
        EXPECT_FALSE(e->previous);
      }
      if (row_.previous == Previous::present) {
        ASSERT_TRUE(e->previous);
        if (row_.previous_status) {
          EXPECT_EQ(ev::to_string(e->previous->status), row_.previous_status);
        }
        configuration = &e->previous->configuration;
      }
    } else {  // a deleted event: always a previous state
      configuration = &e->previous.configuration;
    }
    if (row_.configuration && configuration != nullptr) {
      if (*row_.configuration) {
        const Configuration& c = **row_.configuration;
        expect_configuration(*configuration, c.tracking_id, c.enabled, c.threshold);
      } else {
        EXPECT_FALSE(*configuration);
      }
    }
    if (row_.future == Future::absent) expect_no_future_field(*e);
    if (row_.future == Future::present) expect_future_field(*e);
  }

 private:
  const InstallationFixture& row_;
};

const InstallationFixture kInstallationSetupFixtures[] = {
    {"InstallationSetup1", "installation_setup-1.json", "installation_setup",
     "evt_iK2ZWeqhFWCEPyYngFb51yBMWX", "inst_aSCrUZoL8g5ubbbPIa84", nullptr, "pending",
     Previous::present, "pending", kNoConfiguration, Future::absent},
    {"InstallationSetup2", "installation_setup-2.json", "installation_setup",
     "evt_JowoRoWD8s7bA16J7PglOU3shV", "inst_v5UTG79BG16QmtsL4F28", nullptr, "paused",
     Previous::present, "active", Configuration{"G-VZzAQlxJ4S", false, 94}, Future::unchecked},
    {"InstallationSetup3", "installation_setup-3.json", "installation_setup",
     "evt_XkH1zxFUbEctT2NLLzPkkGoaXm", "inst_I63JozGw82KwD6rQJM9U", nullptr, "active",
     Previous::present, "paused", Configuration{"G-iHXJnB8dE3", true, 70}, Future::present},
};
const InstallationFixture kSpaceInstallationSetupFixtures[] = {
    {"SpaceInstallationSetup1", "space_installation_setup-1.json", "space_installation_setup",
     "evt_wAwaIINYNvDMbZoOlJLl3fZJZ2", "inst_07qc18Ref3bCaWWrprhZ", "NlwsekkqH8kQrPTsDSuF",
     "pending", Previous::present, "pending", Configuration{"G-AYmqgq5UGn", false, 55},
     Future::unchecked},
    {"SpaceInstallationSetup2", "space_installation_setup-2.json", "space_installation_setup",
     "evt_GRBI1oOZSHCoHPbzRKZuQOBdVt", "inst_i9n4dte2et68tVkAKqia", "J42cL0n95KDk033XTNGc",
     "pending", Previous::present, "active", Configuration{"G-R5BLmFg8Qy", true, 63},
     Future::present},
    {"SpaceInstallationSetup3", "space_installation_setup-3.json", "space_installation_setup",
     "evt_sbkm2uZKYivBnrRg1y7Jw641RI", "inst_FXIpeUcfikk6InrWvMG1", "qxvvhsp38MX9T4FiLJXg",
     "pending", Previous::present, "active", Configuration{"G-Yj1ivhNLY7", true, 73},
     Future::unchecked},
};
const InstallationFixture kSiteInstallationSetupFixtures[] = {
    {"SiteInstallationSetup1", "site_installation_setup-1.json", "site_installation_setup",
     "evt_Qm3xVt8LpR2aKd9WfHs6Ye1NcZ", "inst_Hq7Lm2PzR8vXc4NbTk1W", "site_Pf4Kw9ZqT2mLx7RcV3Ha",
     "active", Previous::absent, nullptr, kUnchecked, Future::absent},
    {"SiteInstallationSetup2", "site_installation_setup-2.json", "site_installation_setup",
     "evt_Vb6Nq1ZxC8tRm3KpLw5Hs9DyGe", "inst_Ty5Rk8WmX2cQn7LpZ4Vb", "site_Jm2Xc7Nq4RtK9vLp1ZwB",
     "pending", Previous::present, "active", Configuration{"G-Pk3Tz8QmW1", true, 42},
     Future::absent},
    {"SiteInstallationSetup3", "site_installation_setup-3.json", "site_installation_setup",
     "evt_Lx4Tm9RqB2zWk7NcVp1Hd6SyFa", "inst_Wc3Zp6Lq9XmT1RvKb8Nh", "site_Rz8Lq3Tm6WkX1cVp9NbH",
     "paused", Previous::present, "active", kNoConfiguration, Future::present},
};
const InstallationFixture kInstallationDeletedFixtures[] = {
    {"InstallationDeleted1", "installation_deleted-1.json", "installation_deleted",
     "evt_Fz2Rk7Wm1QxTn9LcVb4Hp8JyDs", "inst_Nv8Qx3Lm6ZtR2KpWc9Hb", nullptr, nullptr,
     Previous::unchecked, nullptr, kNoConfiguration, Future::absent},
    {"InstallationDeleted2", "installation_deleted-2.json", "installation_deleted",
     "evt_Kp9Wz4Tq2LmX7RcNv1Hb6FsYdQ", "inst_Xm4Lz9Rq2TkW7NcVp3Hb", nullptr, nullptr,
     Previous::unchecked, nullptr, Configuration{"G-Tq7Lm2Xz9Kw4", false, 12}, Future::absent},
    {"InstallationDeleted3", "installation_deleted-3.json", "installation_deleted",
     "evt_Rw1Lq8Zm5TxK3NcVp7Hb2GsYdF", "inst_Bq6Tz1Lm8XwR3KpNc5Vh", nullptr, nullptr,
     Previous::unchecked, nullptr, Configuration{"G-Wm5Rz1Tq8Lx3", true, 88}, Future::present},
};
const InstallationFixture kSpaceInstallationDeletedFixtures[] = {
    {"SpaceInstallationDeleted1", "space_installation_deleted-1.json", "space_installation_deleted",
     "evt_Tm7Xq2Lz9RwK4NcVb1Hp6DsJyG", "inst_Lz2Wq7Tm4XkR9NcVb1Hp", "NlwsekkqH8kQrPTsDSuF", nullptr,
     Previous::unchecked, nullptr, kNoConfiguration, Future::absent},
    {"SpaceInstallationDeleted2", "space_installation_deleted-2.json", "space_installation_deleted",
     "evt_Zq5Lm1Tx8RwK2NcVb9Hp4FsDyJ", "inst_i9n4dte2et68tVkAKqia", "J42cL0n95KDk033XTNGc", nullptr,
     Previous::unchecked, nullptr, Configuration{"G-R5BLmFg8Qy", true, 63}, Future::absent},
    {"SpaceInstallationDeleted3", "space_installation_deleted-3.json", "space_installation_deleted",
     "evt_Wx3Tq9Lm6ZrK1NcVb5Hp8GsDyF", "inst_FXIpeUcfikk6InrWvMG1", "qxvvhsp38MX9T4FiLJXg", nullptr,
     Previous::unchecked, nullptr, Configuration{"G-Yj1ivhNLY7", false, 73}, Future::present},
};
const InstallationFixture kSiteInstallationDeletedFixtures[] = {
    {"SiteInstallationDeleted1", "site_installation_deleted-1.json", "site_installation_deleted",
     "evt_Hb8Lq3Tz6XwK1RcNv9Mp4DsJyQ", "inst_Hq7Lm2PzR8vXc4NbTk1W", "site_Pf4Kw9ZqT2mLx7RcV3Ha",
     nullptr, Previous::unchecked, nullptr, kNoConfiguration, Future::absent},
    {"SiteInstallationDeleted2", "site_installation_deleted-2.json", "site_installation_deleted",
     "evt_Nc4Tq7Lz1XwK8RmVb3Hp6FsDyG", "inst_Ty5Rk8WmX2cQn7LpZ4Vb", "site_Jm2Xc7Nq4RtK9vLp1ZwB",
     nullptr, Previous::unchecked, nullptr, Configuration{"G-Pk3Tz8QmW1", true, 42},
     Future::absent},
    {"SiteInstallationDeleted3", "site_installation_deleted-3.json", "site_installation_deleted",
     "evt_Pv2Lq6Tz9XwK3RmNc8Hb1GsDyF", "inst_Wc3Zp6Lq9XmT1RvKb8Nh", "site_Rz8Lq3Tm6WkX1cVp9NbH",
     nullptr, Previous::unchecked, nullptr, Configuration{"G-Zx4Lm7Tq2Wk9", false, 5},
     Future::present},
};

template <class View, std::size_t N>
void register_installation_fixtures(const InstallationFixture (&rows)[N]) {
  for (const InstallationFixture& row : rows) {
    testing::RegisterTest(
        "FixtureValues", row.test, nullptr, nullptr, __FILE__, __LINE__,
        [&row]() -> FixtureValues* { return new InstallationFixtureValues<View>(row); });
  }
}

// Registered before main() runs the tests, under the names FixtureCoverage looks for.
const bool kInstallationFixturesRegistered = [] {
  register_installation_fixtures<ev::InstallationSetup>(kInstallationSetupFixtures);
  register_installation_fixtures<ev::SpaceInstallationSetup>(kSpaceInstallationSetupFixtures);
  register_installation_fixtures<ev::SiteInstallationSetup>(kSiteInstallationSetupFixtures);
  register_installation_fixtures<ev::InstallationDeleted>(kInstallationDeletedFixtures);
  register_installation_fixtures<ev::SpaceInstallationDeleted>(kSpaceInstallationDeletedFixtures);
  register_installation_fixtures<ev::SiteInstallationDeleted>(kSiteInstallationDeletedFixtures);
  return true;
}();

const std::string_view kIphoneAgent =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const std::string_view kFirefoxAgent =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const std::string_view kChromeAgent =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36";
const std::string_view kApiUrl = "https://docs.example.com/reference/api?tab=curl#auth";
const std::string_view kQuotedReferrer = "https://example.org/a\"quote\"/b\\backslash";
const std::string_view kUnicodeReferrer = "https://例え.jp/パス?q=ドキュメント";
const std::string_view kDuckDuckGoReferrer = "https://duckduckgo.com/?q=%22quoted+search%22&t=h_";
const std::string_view kHackerNewsReferrer = "https://news.ycombinator.com/item?id=41234567";

TEST_F(FixtureValues, SpaceView1) {
  auto e = fixture_as<ev::SpaceView>("space_view-1.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "space_view", "evt_x5sKI7hD5rgYc0saNQafAh04Yc", "inst_mpYLAkhCkRpkV2gB69yZ");
  EXPECT_EQ(e->space_id, "I60sJqTEugnPucbaY7sU"sv);
  EXPECT_EQ(e->page_id, "Czuzee6uMDhqnYNX5I3S"sv);
  expect_visitor(
      e->visitor,
      {.anonymous_id = "anon_RItjD1qFkDGcrGgVLBeweQCb",
       .cookies = {{"gitbook_visitor", "sZg5"},
                   {"_gid", "eG8QllXjj03utgTG"},
                   {"consent", "wtIzvYURKFhP6yyn"},
                   {"session", "IwFA"},
                   {"c_rV6f9i", "TOwyG2kIUcHfZqOg"},
                   {"c_q1RCY3", "19QRSfC27p2y8Z5Bzk6uCiN6F9nhBMIA6hQsrpyVJa9mHCLbbOMp1qnlsjImrtLW"},
                   {"c_w6qZTA",
                    "Gm7DM1HA7VTtSkCNQHmxHaRyLBzv3NLUS59VeFVpO9PsObAUOjOX7zYr2lXe0XMa"}},
       .user_agent = kIphoneAgent,
       .ip = "192.0.2.255",
       .language = std::nullopt});
  EXPECT_EQ(e->url, kApiUrl);
  EXPECT_EQ(e->referrer, kQuotedReferrer);
  expect_future_field(*e);
}

TEST_F(FixtureValues, SpaceView2) {
  auto e = fixture_as<ev::SpaceView>("space_view-2.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "space_view", "evt_tnHnp4vreeS16HQxDGJVdktPVT", "inst_0JrwNVozJzlEYq3NvToq");
  EXPECT_EQ(e->space_id, "9NTp2Qb253Nzu7B7WpYr"sv);
  EXPECT_EQ(e->page_id, "OUk3LCL67UjM8qDHkiXi"sv);
  expect_visitor(
      e->visitor,
      {.anonymous_id = "anon_ZgIRrTgnqeOKHPf2eY2nP1lG",
       .cookies = {{"c_7g9lcd", "tWzphTnTRtegozuF"},
                   {"consent", "AImT4IB6QeTrVNUWeqlgjd6n2B2cdOf60GEGxguciIcCQi5zWT54CbVHrfqZuftc"},
                   {"gitbook_visitor", "GJnv"},
                   {"_gid", "qifDP1t5acIdH1ic"},
                   {"session", "giP0CHJU21LSHIb5"},
                   {"theme", "ugAwiKect0ZPIuAtuwruVVHGaHhju6UuYuKeCrED6x7Vy047f7LZdidHFK2qYpSK"},
                   {"c_h2RtgB", "qYyZ"},
                   {"_ga", "tDMvIGkbjqRoKi6h"}},
       .user_agent = "curl/8.5.0",
       .ip = "203.0.113.7",
       .language = std::nullopt});
  std::string deep_url = "https://docs.example.com/very";
  for (int i = 0; i < 30; ++i) deep_url += "/deep";
  deep_url += "/page";
  EXPECT_EQ(e->url, deep_url);
  EXPECT_EQ(e->referrer, kUnicodeReferrer);
  expect_no_future_field(*e);
}

TEST_F(FixtureValues, SpaceView3) {
  auto e = fixture_as<ev::SpaceView>("space_view-3.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "space_view", "evt_8mZEUe01qAmaVIXyG4FezN4GYL", "inst_LBcw2Dam9tSSPaIh0tG4");
  EXPECT_EQ(e->space_id, "VuXIPKJsHAI8079HAMOL"sv);
  EXPECT_EQ(e->page_id, "tiGCLiJXkqOaBVQKcxAz"sv);
  expect_visitor(
      e->visitor,
      {.anonymous_id = "anon_s3FO5ZI6nYWNv3FgaWUQw749",
       .cookies = {{"_gid", "5WQb5f7f2ayrDrYYxOV2EXvyDZhEwjAjbl0qx2iLYs8Aq8GsVASrBvX6FnT1F8zT"},
                   {"consent", "Ubgq"},
                   {"gitbook_visitor",
                    "l1afBN9dJnIBwd8P7gVJRA1QVhqRrlEZYT2dYnRPf3yhQCsRGF5zhM2EgjyN5Smk"}},
       .user_agent = kFirefoxAgent,
       .ip = "203.0.113.7",
       .language = std::nullopt});
  EXPECT_EQ(e->url, "https://docs.example.com/"sv);
  EXPECT_EQ(e->referrer, kHackerNewsReferrer);
}

TEST_F(FixtureValues, SiteView1) {
  auto e = fixture_as<ev::SiteView>("site_view-1.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "site_view", "evt_9tL1YnsRjRa0vhByTPGVlN4CC0", "inst_ICx1ndfUggIyiCzlECH2");
  EXPECT_EQ(e->site_id, "site_XbJdZQe7JoC2uCv4Vgyd"sv);
  EXPECT_EQ(e->space_id, "LcLm8LCFys6wXWl1Mrl4"sv);
  EXPECT_EQ(e->site_space_id, std::nullopt);
  EXPECT_EQ(e->page_id, "ADvGgkzI3B44NV2EGjuj"sv);
  expect_visitor(e->visitor,
                 {.anonymous_id = "anon_gIhIuu0F8RJ7OvULuJLZDuFS",
                  .cookies = {{"_gid", "NmoY"}, {"theme", "SgBd"}, {"session", "ayFTCtVTtPLyu2Ws"}},
                  .user_agent = "curl/8.5.0",
                  .ip = "192.0.2.255",
                  .language = std::nullopt});
  EXPECT_EQ(e->url, kApiUrl);
  EXPECT_EQ(e->referrer, ""sv);
}

TEST_F(FixtureValues, SiteView2) {
  auto e = fixture_as<ev::SiteView>("site_view-2.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "site_view", "evt_u5NWdvA8bwxxMM4Q3AnY52s6ou", "inst_zSyQXlayP599wMYXN15o");
  EXPECT_EQ(e->site_id, "site_hIYU0lWvjyBuI3O8SHr8"sv);
  EXPECT_EQ(e->space_id, "oe0NuynT3sgBaZwfZA8j"sv);
  EXPECT_EQ(e->site_space_id, std::nullopt);
  EXPECT_EQ(e->page_id, "kIk99jhCLHiBi2vMYUSR"sv);
  expect_visitor(
      e->visitor,
      {.anonymous_id = "anon_sbEObEeWYLBfEIMGgiI2RT8z",
       .cookies = {{"session", "ibwXlopSFLFc7PfiIEKjnxTir5VweyEbHD4mUpnS6ZaUStcr0HmeZg0ZX2h3zvgC"},
                   {"c_xLdwh1", "rjBxPw7WyABx9J7nmejppbpQzDYNCKgdl000HacB2YrAi3pSXQx5AXvLVdGDiS6H"},
                   {"_gid", "OOhB"}},
       .user_agent = "Googlebot/2.1 (+http://www.google.com/bot.html)",
       .ip = "192.0.2.255",
       .language = std::nullopt});
  EXPECT_EQ(e->url, kApiUrl);
  EXPECT_EQ(e->referrer, kDuckDuckGoReferrer);
}

TEST_F(FixtureValues, SiteView3) {
  auto e = fixture_as<ev::SiteView>("site_view-3.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "site_view", "evt_nLN3Sxggwg46mhSPLfaGB69pft", "inst_FNdKBJtzOcQMbr6NECor");
  EXPECT_EQ(e->site_id, "site_uGQzW9QSARJMzEWOotbe"sv);
  EXPECT_EQ(e->space_id, "63uX8ECIdrGlVTCDsLLl"sv);
  EXPECT_EQ(e->site_space_id, std::nullopt);
  EXPECT_EQ(e->page_id, "05h0xq21tYI4tigGiD2c"sv);
  expect_visitor(
      e->visitor,
      {.anonymous_id = "anon_DBIhmaptnHMs6tq6wrsdb3aO",
       .cookies = {{"consent", "oqjS"},
                   {"theme", "w2u2Xk4Ow4HpuMopOXSnt9t1IuTtLaQEq3QYojp3kfqzmik0J96Y21Neuy6TnkcC"},
                   {"_gid", "hHDT"},
                   {"session", "ee0c"},
                   {"c_DfsNcw", "BqG1XguY8jJTIYq8R5RbJQU6gXxDqWgsiZfATybELUiXXJzFZ1XoGbyZdAMfpRc5"},
                   {"_ga", "UOsG"}},
       .user_agent = "curl/8.5.0",
       .ip = "203.0.113.7",
       .language = "zh-Hans"});
  EXPECT_EQ(e->url, "https://docs.example.com/"sv);
  EXPECT_EQ(e->referrer, kQuotedReferrer);
}

TEST_F(FixtureValues, PageFeedback1) {
  auto e = fixture_as<ev::PageFeedback>("page_feedback-1.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "page_feedback", "evt_l1I86aoieb3iu6KfHIqmzaIrwq",
                  "inst_Iy3zHHIDrflWEKzi5NnH");
  EXPECT_EQ(e->site_id, "site_bHd2ujouzc4AU1LE1G4Y"sv);
  EXPECT_EQ(e->space_id, std::nullopt);
  EXPECT_EQ(e->page_id, "SciJAIyIrLcnmtTy9t6H"sv);
  EXPECT_EQ(ev::to_string(e->feedback.rating), "bad"sv);
  EXPECT_EQ(e->feedback.comment, std::nullopt);
  expect_visitor(
      e->visitor,
      {.anonymous_id = "anon_DwGf4vRcr1LHXN2viKkBRtTC",
       .cookies = {{"_gid", "LBE9l80nKDZQ7g3Qz3oeivGEFGQxB02Lp28Cq8zwyZKoy5N3glR3MOZwebA4LFdW"},
                   {"_ga", "Q1z4"}},
       .user_agent = kIphoneAgent,
       .ip = "::1",
       .language = std::nullopt});
  EXPECT_EQ(e->url, "https://docs.example.com/guides/getting-started"sv);
  EXPECT_EQ(e->referrer, kDuckDuckGoReferrer);
}

TEST_F(FixtureValues, PageFeedback2) {
  auto e = fixture_as<ev::PageFeedback>("page_feedback-2.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "page_feedback", "evt_xzO0X9C3ZREQQ21gKFKf7Qcdbr",
                  "inst_crtlIENTRvbD3vp29owV");
  EXPECT_EQ(e->site_id, "site_0NHkc1Bo07qRH9Cm1cM1"sv);
  EXPECT_EQ(e->space_id, "26TdbCGmzjlofzcluaDI"sv);
  EXPECT_EQ(e->page_id, "AzGBrCvK7bfE1UVAk5Bk"sv);
  EXPECT_EQ(ev::to_string(e->feedback.rating), "good"sv);
  EXPECT_EQ(e->feedback.comment, std::nullopt);
  expect_visitor(e->visitor, {.anonymous_id = "anon_oqb2QeqT4ykqXZLqFbk0Ehoj",
                              .cookies = {{"gitbook_visitor", "AVEs9w7TD3zJyspw"}},
                              .user_agent = kChromeAgent,
                              .ip = "::1",
                              .language = "en"});
  EXPECT_EQ(e->url, "https://docs.example.com/guides/getting-started"sv);
  EXPECT_EQ(e->referrer, kUnicodeReferrer);
}

TEST_F(FixtureValues, PageFeedback3) {
  auto e = fixture_as<ev::PageFeedback>("page_feedback-3.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "page_feedback", "evt_dHE4VPnwMChv5u3y7Pysfo0UCJ",
                  "inst_wBBT5UVBLrlj2dv9w9ye");
  EXPECT_EQ(e->site_id, "site_wNH6OTkXntk2ViPzBFwT"sv);
  EXPECT_EQ(e->space_id, "OLYuK5ljWU61OhInE8To"sv);
  EXPECT_EQ(e->page_id, "Iebxpjn6zCGLrBM2v7E5"sv);
  EXPECT_EQ(ev::to_string(e->feedback.rating), "ok"sv);
  EXPECT_EQ(e->feedback.comment, "Great page!"sv);
  expect_visitor(
      e->visitor,
      {.anonymous_id = "anon_L0RC2RSPgBzVh2K4ba67XJMA",
       .cookies = {{"_ga", "VE8lfaeblrmUDzTIGrS36RqJy3gTzDpeUUuiRMbOTyOdswXQ375bSNCuLaWIu64U"}},
       .user_agent = kFirefoxAgent,
       .ip = "198.51.100.23",
       .language = "en"});
  EXPECT_EQ(e->url, kApiUrl);
  EXPECT_EQ(e->referrer, kHackerNewsReferrer);
}

// The props every ui_render fixture has: {spaceId, limit, nested: {a: [1, 2, {b: null}]}}.
void expect_render_props(ev::JsonView props, std::string_view space_id, std::int64_t limit) {
  EXPECT_EQ(props.size(), 3u);
  EXPECT_EQ(props["spaceId"].get_string(), space_id);
  EXPECT_EQ(props["limit"].get_int64(), limit);
  EXPECT_EQ(props["nested"]["a"].size(), 3u);
  EXPECT_EQ(props["nested"]["a"][1].get_int64(), 2);
  EXPECT_TRUE(props["nested"]["a"][2]["b"].is_null());
}

TEST_F(FixtureValues, UiRender1) {
  auto e = fixture_as<ev::UiRender>("ui_render-1.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "ui_render", "evt_TpAjiqmAJOM59dI1MGj8ArrESt", "inst_rFnFxMEpvlMWlV4LSCIj");
  EXPECT_EQ(e->space_id, "dGuHSiPWZ5nuNFEvhi4i"sv);
  EXPECT_EQ(e->site_id, std::nullopt);
  EXPECT_EQ(e->component_id, "embed-block"sv);
  expect_render_props(e->props, "dGuHSiPWZ5nuNFEvhi4i", 17);
  ASSERT_TRUE(e->state);
  EXPECT_EQ(e->state->size(), 2u);
  EXPECT_EQ((*e->state)["page"].get_int64(), 8);
  EXPECT_EQ((*e->state)["filter"].get_string(), "unicode ✓"sv);  // "\u2713" in the fixture
  EXPECT_EQ(e->context.size(), 3u);
  EXPECT_EQ(e->context["type"].get_string(), "configuration_space"sv);
  EXPECT_EQ(e->context["theme"].get_string(), "dark"sv);
  EXPECT_EQ(e->context["spaceId"].get_string(), "dGuHSiPWZ5nuNFEvhi4i"sv);
  ASSERT_TRUE(e->action);
  EXPECT_EQ((*e->action)["action"].get_string(), "@ui.modal.open"sv);
  EXPECT_EQ((*e->action)["value"].get_int64(), 4);
  ASSERT_TRUE(e->auth);
  EXPECT_EQ(e->auth->user_id, "O3vrMUHybhvwihq5XjRKcwefUgtu"sv);
}

TEST_F(FixtureValues, UiRender2) {
  auto e = fixture_as<ev::UiRender>("ui_render-2.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "ui_render", "evt_7zx7UOSpgRvraG4u98hw7ZYPU1", "inst_iM73rzfRKNUHEKAI7zt5");
  EXPECT_EQ(e->space_id, "oOtJidMGhlpn5BrIbqIr"sv);
  EXPECT_EQ(e->site_id, std::nullopt);
  EXPECT_EQ(e->component_id, "embed-block"sv);
  expect_render_props(e->props, "oOtJidMGhlpn5BrIbqIr", 17);
  ASSERT_TRUE(e->state);
  EXPECT_EQ((*e->state)["page"].get_int64(), 6);
  EXPECT_EQ((*e->state)["filter"].get_string(), "unicode ✓"sv);  // raw UTF-8 in the fixture
  EXPECT_EQ(e->context["type"].get_string(), "configuration_space"sv);
  EXPECT_EQ(e->context["theme"].get_string(), "light"sv);
  EXPECT_EQ(e->context["spaceId"].get_string(), "oOtJidMGhlpn5BrIbqIr"sv);
  EXPECT_FALSE(e->action);
  ASSERT_TRUE(e->auth);
  EXPECT_EQ(e->auth->user_id, "40nE1Z2Xvx4skj2Yy1CzhMjrsQRZ"sv);
}

TEST_F(FixtureValues, UiRender3) {
  auto e = fixture_as<ev::UiRender>("ui_render-3.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "ui_render", "evt_0PiyVJ84gDbXBMRBr7xAzMDdgE", "inst_XcPTSaZc1hLiHGWwJrYK");
  EXPECT_EQ(e->space_id, "69PwZE0Sp7ZNpgJ8w3kh"sv);
  EXPECT_EQ(e->site_id, std::nullopt);
  EXPECT_EQ(e->component_id, "view-counter"sv);
  expect_render_props(e->props, "69PwZE0Sp7ZNpgJ8w3kh", 46);
  ASSERT_TRUE(e->state);
  EXPECT_EQ((*e->state)["page"].get_int64(), 5);
  EXPECT_EQ((*e->state)["filter"].get_string(), "all"sv);
  EXPECT_EQ(e->context.size(), 2u);
  EXPECT_EQ(e->context["type"].get_string(), "configuration_account"sv);
  EXPECT_EQ(e->context["theme"].get_string(), "dark"sv);
  EXPECT_TRUE(e->context["spaceId"].is_missing());
  EXPECT_FALSE(e->action);
  ASSERT_TRUE(e->auth);
  EXPECT_EQ(e->auth->user_id, "wsW0vCZSpONHjdvRh5GlIPOF5vWT"sv);
  expect_future_field(*e);
}

TEST_F(FixtureValues, SpaceContentUpdated1) {
  auto e = fixture_as<ev::SpaceContentUpdated>("space_content_updated-1.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "space_content_updated", "evt_nyO18lzTogpvvQpYRDVExFPXQU",
                  "inst_7mBCzIhKF7r1ijayAgZb");
  EXPECT_EQ(e->space_id, "Pe8lDXyQGZ0s6jjH0g8q"sv);
  EXPECT_EQ(e->revision_id, "bDzZOTVY6oISzaIZpB6k"sv);
  expect_users(e->updated_by,
               {{.id = "vQpeXI7J9klyLbGnBpYc7HUmSGSN",
                 .display_name = "Ada Lovelace",
                 .email = "ijt0uxio@example.com",
                 .photo_url = "https://avatars.example.com/GZAJkSzSyZ.png",
                 .location = "https://api.gitbook.com/v1/users/pzXDhKPdyfJgP0EcHpXab92tDrUA"}});
}

TEST_F(FixtureValues, SpaceContentUpdated2) {
  auto e = fixture_as<ev::SpaceContentUpdated>("space_content_updated-2.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "space_content_updated", "evt_jqKr2lXUNfUxv7jqqqwyrKDaj9",
                  "inst_i9qomeZLINmIBT3pKiJD");
  EXPECT_EQ(e->space_id, "zTmfO7ejYQdbVzyARiLM"sv);
  EXPECT_EQ(e->revision_id, "iRIIe7p2yismQUzwV1lo"sv);
  expect_users(e->updated_by,
               {{.id = "TjwFIsfG0tnTDbsZZNLgNxWCqNdd",
                 .display_name = "李雷",
                 .email = std::nullopt,
                 .photo_url = "https://avatars.example.com/TLqUaThZmW.png",
                 .location = "https://api.gitbook.com/v1/users/kZi97O0gh2BOLpVnGGzh65Tn08yQ"},
                {.id = "KyQEINorcOkQQ6JGo2A9rXQAzrFg",
                 .display_name = "Zoë Ångström",
                 .email = "gm2gyhxm@example.com",
                 .photo_url = "https://avatars.example.com/Q4LWXev5dD.png",
                 .location = "https://api.gitbook.com/v1/users/lJbDWcFnz0UI07v6pgeRVc2B1Cm9"}});
  expect_future_field(*e);
}

TEST_F(FixtureValues, SpaceContentUpdated3) {
  auto e = fixture_as<ev::SpaceContentUpdated>("space_content_updated-3.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "space_content_updated", "evt_268sEcLGe31KzfzYG1KPtzr5wE",
                  "inst_97dJ863EbBtLVuYjMLJ2");
  EXPECT_EQ(e->space_id, "re3MYYXxAzHYbKLhcKHa"sv);
  EXPECT_EQ(e->revision_id, "g5vv7xWJcOxLeF5Of2IC"sv);
  expect_users(e->updated_by,
               {{.id = "G6ZIa7k6uxnj5LjLgzu3GA0xv2qM",
                 .display_name = "李雷",
                 .email = "pqpngrue@example.com",
                 .photo_url = "https://avatars.example.com/GtY3Zn0IeJ.png",
                 .location = "https://api.gitbook.com/v1/users/cTeXOp0YqWzJsKYNfeTk578rAfis"},
                {.id = "uv7s3HicC0xZVcbuAVk4JcTLSQO3",
                 .display_name = "O'Brien \"Bob\"",
                 .email = "afckq5jc@example.com",
                 .photo_url = "https://avatars.example.com/W4fH0lc8Hm.png",
                 .location = "https://api.gitbook.com/v1/users/l5mohLiLGhUrDmYdx9Dv79NUwo77"}});
}

TEST_F(FixtureValues, SpaceVisibilityUpdated1) {
  auto e = fixture_as<ev::SpaceVisibilityUpdated>("space_visibility_updated-1.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "space_visibility_updated", "evt_emMlmRNt97LBNExbFb7gQOKQN8",
                  "inst_2B0TLvvePAmSGZF811MK");
  EXPECT_EQ(e->space_id, "QJ8G2EMRVK52XCMEk1rR"sv);
  EXPECT_EQ(ev::to_string(e->visibility), "share-link"sv);
  EXPECT_EQ(ev::to_string(e->previous_visibility), "in-collection"sv);
}

TEST_F(FixtureValues, SpaceVisibilityUpdated2) {
  auto e = fixture_as<ev::SpaceVisibilityUpdated>("space_visibility_updated-2.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "space_visibility_updated", "evt_qqtaMWcYDD5woGCnSE7vSOjy3B",
                  "inst_dPhw3Y6aqWIVdtyauvtL");
  EXPECT_EQ(e->space_id, "4Y03dnTfvhQ0PeiXSs9A"sv);
  EXPECT_EQ(ev::to_string(e->visibility), "share-link"sv);
  EXPECT_EQ(ev::to_string(e->previous_visibility), "in-collection"sv);
}

TEST_F(FixtureValues, SpaceVisibilityUpdated3) {
  auto e = fixture_as<ev::SpaceVisibilityUpdated>("space_visibility_updated-3.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "space_visibility_updated", "evt_lWXWGVKPxtsyA7HDZ32e8mA8oM",
                  "inst_cNpOopTzynNjUtVU4xaT");
  EXPECT_EQ(e->space_id, "TRtCFkRjbxBJv3ZGFu8M"sv);
  EXPECT_EQ(ev::to_string(e->visibility), "in-collection"sv);
  EXPECT_EQ(ev::to_string(e->previous_visibility), "public"sv);
}

TEST_F(FixtureValues, SpaceGitsyncStarted1) {
  auto e = fixture_as<ev::SpaceGitSyncStarted>("space_gitsync_started-1.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "space_gitsync_started", "evt_xXdo8sSKamgioxG4rjkoetKGG5",
                  "inst_4IM53IYB33CLGElG3wmB");
  EXPECT_EQ(e->space_id, "ZernoWjiXnbkFxldYxfN"sv);
  EXPECT_EQ(e->revision_id, "pRS3nfCPPmMvkKS11QT7"sv);
  EXPECT_EQ(e->commit_id, "7af9100ce3c043a950eb4a4837b2c03e04983bde"sv);
}

TEST_F(FixtureValues, SpaceGitsyncStarted2) {
  auto e = fixture_as<ev::SpaceGitSyncStarted>("space_gitsync_started-2.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "space_gitsync_started", "evt_FJwiFeGuQV7KQtMu4YKfEvA2eq",
                  "inst_eQP2ubl6uouq10q3t8FA");
  EXPECT_EQ(e->space_id, "8askOsdhBB7NnrwXPUKF"sv);
  EXPECT_EQ(e->revision_id, "KsMqRlujwgzwHVKS3mzC"sv);
  EXPECT_EQ(e->commit_id, "b2a548e5f8985df37b2be71dd528d7752669a118"sv);
}

TEST_F(FixtureValues, SpaceGitsyncStarted3) {
  auto e = fixture_as<ev::SpaceGitSyncStarted>("space_gitsync_started-3.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "space_gitsync_started", "evt_VecHGEKESu6HYkKTFzayJUJ1VC",
                  "inst_kLLxd1Ux0wCpSPQIt2fC");
  EXPECT_EQ(e->space_id, "W3wmkiC71c9xKvZlKFEa"sv);
  EXPECT_EQ(e->revision_id, "Ko44NdCPkGnzDhuqikvi"sv);
  EXPECT_EQ(e->commit_id, "9e024117bdd52e83e969f04cce31b56e2e33d87a"sv);
}

TEST_F(FixtureValues, SpaceGitsyncCompleted1) {
  auto e = fixture_as<ev::SpaceGitSyncCompleted>("space_gitsync_completed-1.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "space_gitsync_completed", "evt_Ba1tWfOFhGo3MVPV7qBxYodgMG",
                  "inst_GGkis7d4enaRdBUT2bed");
  EXPECT_EQ(e->space_id, "acIvvYbNaJnEmrsLJHq4"sv);
  EXPECT_EQ(ev::to_string(e->state), "success"sv);
  EXPECT_EQ(e->revision_id, "lnz4dpJSCcvuAhbKlGOf"sv);
  EXPECT_EQ(e->commit_id, "2d310b5d3992967b37e715ad2f5269cfc2f0d5d7"sv);
}

TEST_F(FixtureValues, SpaceGitsyncCompleted2) {
  auto e = fixture_as<ev::SpaceGitSyncCompleted>("space_gitsync_completed-2.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "space_gitsync_completed", "evt_u4Uje1CjocVs9wdLfCmYoQlhdm",
                  "inst_dVUhf8YZVo8sTqHB3pUc");
  EXPECT_EQ(e->space_id, "UqWmuwwDW37Q3Ny3RyfB"sv);
  EXPECT_EQ(ev::to_string(e->state), "success"sv);
  EXPECT_EQ(e->revision_id, "11F4v6lMPhpeXZB4rIt6"sv);
  EXPECT_EQ(e->commit_id, "d4e3319ec1375dde55c50e4bee4721d7f8b87edc"sv);
}

TEST_F(FixtureValues, SpaceGitsyncCompleted3) {
  auto e = fixture_as<ev::SpaceGitSyncCompleted>("space_gitsync_completed-3.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "space_gitsync_completed", "evt_z9EGbxitktKi3JTUjkDPOjikf0",
                  "inst_NqpwPukr2EteBjJw4C6g");
  EXPECT_EQ(e->space_id, "2jRueRlEIccU9mPwV9xG"sv);
  EXPECT_EQ(ev::to_string(e->state), "failure"sv);
  EXPECT_EQ(e->revision_id, "22YGOZQxvPhl8ycr4NT9"sv);
  EXPECT_EQ(e->commit_id, "d67645dc3f3964c40ff8116d35cd901acc60a1c9"sv);
}

TEST_F(FixtureValues, Task1) {
  auto e = fixture_as<ev::Task>("task-1.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "task", "evt_k2Vq7TnYb0aR3sXw9LmPc4HdEf", "inst_rFnFxMEpvlMWlV4LSCIj");
  EXPECT_EQ(e->task["type"].get_string(), "sync-space"sv);
  EXPECT_EQ(e->task["attempt"].get_int64(), 2);
}

TEST_F(FixtureValues, Task2) {
  auto e = fixture_as<ev::Task>("task-2.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "task", "evt_Wm3Zx8QpL1nB6cV0tR5yHs2KdJ", "");  // installationId optional
  EXPECT_EQ(e->task["ids"].size(), 2u);
  EXPECT_EQ(e->task["ids"][1].get_string(), "bé"sv);
}

TEST_F(FixtureValues, Fetch1) {
  auto e = fixture_as<ev::Fetch>("fetch-1.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "fetch", "evt_fT6pQ2mWz9Yx4cN1bV8rK3sLd0", "inst_rFnFxMEpvlMWlV4LSCIj");
  EXPECT_EQ(e->space_id, "dGuHSiPWZ5nuNFEvhi4i"sv);
  EXPECT_EQ(e->site_id, std::nullopt);
  ASSERT_TRUE(e->auth);
  EXPECT_EQ(e->auth->user_id, "O3vrMUHybhvwihq5XjRKcwefUgtu"sv);
  EXPECT_EQ(e->request.method, "post"sv);
  EXPECT_TRUE(e->request.url.ends_with("/installations/inst_rFnFxMEpvlMWlV4LSCIj/echo"));
  EXPECT_EQ(e->request.headers.size(), 2u);
  EXPECT_EQ(e->request.headers["content-type"].get_string(), "application/json"sv);
  EXPECT_TRUE(e->body.empty());  // a Webhook delivery has no fetch-body
}

TEST_F(FixtureValues, Fetch2) {
  auto e = fixture_as<ev::Fetch>("fetch-2.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "fetch", "evt_a9Hc3Rt7Lw0Vz2Pn5Kq8Bx4Ms1", "");
  EXPECT_FALSE(e->auth);
  EXPECT_EQ(e->request.method, "get"sv);
  EXPECT_TRUE(e->request.url.ends_with("/hello?name=J%C3%BCrgen%20%26%20co"));
  EXPECT_EQ(e->request.headers.size(), 0u);
}

TEST_F(FixtureValues, FetchPublishedScript1) {
  auto e = fixture_as<ev::FetchPublishedScript>("fetch_published_script-1.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "fetch_published_script", "evt_P0sCr1pTq8Wn3Xv6Bz2Lm5Kd9Y",
                  "inst_iM73rzfRKNUHEKAI7zt5");
  EXPECT_EQ(e->site_id, "site_Qm8Zt2Lp0Vx"sv);
  expect_no_future_field(*e);
}

TEST_F(FixtureValues, FetchPublishedScript2) {
  auto e = fixture_as<ev::FetchPublishedScript>("fetch_published_script-2.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "fetch_published_script", "evt_N7oPs3Cr1pTb5Wq2Xz8Lk4Vm0H",
                  "inst_XcPTSaZc1hLiHGWwJrYK");
  EXPECT_EQ(e->site_id, "site_none_7Hq2"sv);
  expect_future_field(*e);
}

TEST_F(FixtureValues, FetchVisitorAuthentication1) {
  auto e = fixture_as<ev::FetchVisitorAuthentication>("fetch_visitor_authentication-1.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "fetch_visitor_authentication", "evt_V1s1t0rAuThQ9Wz2Xc7Lm4Kp8B",
                  "inst_iM73rzfRKNUHEKAI7zt5");
  EXPECT_EQ(e->site_id, "site_Qm8Zt2Lp0Vx"sv);
  EXPECT_EQ(e->location, "/docs/getting started?x=1&y=é"sv);
  ASSERT_TRUE(e->search_params);
  EXPECT_EQ((*e->search_params)["jwt_token"].get_string(), "abc"sv);
  ASSERT_TRUE(e->cookies);
  EXPECT_EQ((*e->cookies)["session"].get_string(), "s1"sv);
  EXPECT_EQ(e->action, std::nullopt);
}

TEST_F(FixtureValues, FetchVisitorAuthentication2) {
  auto e = fixture_as<ev::FetchVisitorAuthentication>("fetch_visitor_authentication-2.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "fetch_visitor_authentication", "evt_L0g0uTz8Wq3Xv6Bn1Km5Pd9Yr2",
                  "inst_XcPTSaZc1hLiHGWwJrYK");
  EXPECT_EQ(e->site_id, "site_4Bn7"sv);
  EXPECT_EQ(e->location, std::nullopt);
  EXPECT_FALSE(e->search_params);
  EXPECT_FALSE(e->cookies);
  EXPECT_EQ(e->action, "logout"sv);
}

TEST_F(FixtureValues, ContentComputeDocument1) {
  auto e = fixture_as<ev::ContentComputeDocument>("content_compute_document-1.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "content_compute_document", "evt_D0cUm3nTq8Wz2Xv6Bn1Lm5Kp9Y",
                  "inst_rFnFxMEpvlMWlV4LSCIj");
  EXPECT_EQ(e->space_id, "dGuHSiPWZ5nuNFEvhi4i"sv);
  EXPECT_EQ(e->source_id, "openapi-pages"sv);
  EXPECT_EQ(e->props["depth"].get_int64(), 2);
  EXPECT_EQ(e->dependencies["spec"]["ref"]["kind"].get_string(), "openapi"sv);
}

TEST_F(FixtureValues, ContentComputeDocument2) {
  auto e = fixture_as<ev::ContentComputeDocument>("content_compute_document-2.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "content_compute_document", "evt_Q2wE4rT6yU8iO0pA1sD3fG5hJ7",
                  "inst_XcPTSaZc1hLiHGWwJrYK");
  EXPECT_EQ(e->source_id, "changelog"sv);
  EXPECT_EQ(e->props.size(), 0u);
  EXPECT_EQ(e->dependencies.size(), 0u);
}

TEST_F(FixtureValues, ContentComputeRevision1) {
  auto e = fixture_as<ev::ContentComputeRevision>("content_compute_revision-1.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "content_compute_revision", "evt_R3v1s10nQ8Wz2Xv6Bn1Lm5Kp9Y",
                  "inst_rFnFxMEpvlMWlV4LSCIj");
  EXPECT_EQ(e->source_id, "openapi-pages"sv);
  EXPECT_EQ(e->props["models"].raw(), "true"sv);
  EXPECT_EQ(e->dependencies.size(), 1u);
}

TEST_F(FixtureValues, ContentComputeRevision2) {
  auto e = fixture_as<ev::ContentComputeRevision>("content_compute_revision-2.json");
  ASSERT_TRUE(e);
  expect_envelope(*e, "content_compute_revision", "evt_Z9xC7vB5nM3qW1eR2tY4uI6oP8",
                  "inst_XcPTSaZc1hLiHGWwJrYK");
  EXPECT_EQ(e->space_id, "69PwZE0Sp7ZNpgJ8w3kh"sv);
  EXPECT_EQ(e->props["since"].get_string(), "2024-01-01"sv);
}

// ---------------------------------------------------------------------------------------
// Malformed input: every file in fixtures/bad fails, with an error naming what is wrong.

struct BadFixture {
  Code code;
  std::string_view path;      // ParseError::path()
  std::string_view expected;  // ParseError::expected
  std::string_view message;   // a part of ParseError::message()
};

const std::map<std::string, BadFixture> kBadFixtures = {
    {"array-root.bad", {Code::not_an_object, "", "object", "expected a JSON object"}},
    {"bad-escape.bad", {Code::invalid_json, "", "", "invalid JSON: "}},
    {"control-char-in-string.bad", {Code::invalid_json, "", "", "invalid JSON: "}},
    {"deep-nesting.bad", {Code::too_deep, "", "", "nested deeper than 128 levels"}},
    {"empty.bad", {Code::empty, "", "", "empty body"}},
    {"invalid-utf8.bad", {Code::invalid_utf8, "", "", "not valid UTF-8"}},
    {"nan-literal.bad", {Code::invalid_json, "", "", "invalid JSON: "}},
    {"not-json.bad", {Code::invalid_json, "", "", "invalid JSON: "}},
    {"trailing-garbage.bad", {Code::invalid_json, "", "", "invalid JSON: "}},
    {"truncated.bad", {Code::invalid_json, "", "", "invalid JSON: "}},
    {"type-missing.bad",
     {Code::missing_field, "type", "string", "missing required field \"type\" (string)"}},
    {"type-not-string.bad",
     {Code::wrong_type, "type", "string", "field \"type\": expected string"}},
    {"unterminated-string.bad", {Code::invalid_json, "", "", "invalid JSON: "}},
    {"url-missing.bad",
     {Code::missing_field, "url", "string", "missing required field \"url\" (string)"}},
    {"fetch-url-missing.bad",
     {Code::missing_field, "request.url", "string",
      "missing required field \"request.url\" (string)"}},
    {"source-id-missing.bad",
     {Code::missing_field, "sourceId", "string", "missing required field \"sourceId\" (string)"}},
    {"task-not-object.bad",
     {Code::not_an_object, "task", "object", "field \"task\": expected object"}},
    {"visitor-wrong-type.bad",
     {Code::not_an_object, "visitor", "object", "field \"visitor\": expected object"}},
};

TEST_F(ParseTest, EveryBadFixtureFailsWithAUsefulError) {
  const auto files = fixture_files(".bad", "bad");
  EXPECT_EQ(files.size(), kBadFixtures.size());
  for (const auto& file : files) {
    const std::string name = file.filename().string();
    SCOPED_TRACE(name);
    auto expected = kBadFixtures.find(name);
    ASSERT_NE(expected, kBadFixtures.end()) << "no expectation for " << name;
    auto result = parse(gbrt::test::read_file(file));
    ASSERT_FALSE(result) << "parsed as " << ev::to_string(ev::type_of(result.value()));
    const ev::ParseError& error = result.error();
    EXPECT_EQ(code_name(error.code), code_name(expected->second.code));
    EXPECT_EQ(error.path(), expected->second.path);
    EXPECT_EQ(error.expected, expected->second.expected);
    const std::string message = error.message();
    EXPECT_TRUE(contains(message, expected->second.message));
    EXPECT_TRUE(contains(message, "(byte " + std::to_string(error.offset) + ")"));
    if (error.code == Code::invalid_json) {
      EXPECT_FALSE(error.detail.empty());
      EXPECT_TRUE(contains(message, error.detail));
    }
  }
}

TEST_F(ParseTest, WrongTypeErrorPointsAtTheValue) {
  const std::string body = fixture("bad/type-not-string.bad");
  ev::ParseError error = error_of(body);
  EXPECT_EQ(error.offset, body.find("42"));
  EXPECT_EQ(error.object, ""sv);
  EXPECT_EQ(error.field, "type"sv);
  EXPECT_EQ(error.message(), "field \"type\": expected string, got number (byte " +
                                 std::to_string(body.find("42")) + ")");
}

TEST_F(ParseTest, NotAnObjectFieldErrorPointsAtTheValue) {
  const std::string body = fixture("bad/visitor-wrong-type.bad");
  ev::ParseError error = error_of(body);
  EXPECT_EQ(error.offset, body.find("\"bob\""));
}

TEST_F(ParseTest, MissingTopLevelFieldErrorMessage) {
  ev::ParseError error = error_of(fixture("bad/url-missing.bad"));
  EXPECT_EQ(error.message(), "missing required field \"url\" (string) (byte 0)"sv);
}

TEST_F(ParseTest, DefaultPaddedBufferIsEmpty) {
  ev::PaddedBuffer nothing;
  auto result = parser_.parse_event(nothing.view(), arena_);
  ASSERT_FALSE(result);
  EXPECT_EQ(code_name(result.error().code), "empty"sv);
  EXPECT_EQ(result.error().message(), "empty body: expected a JSON object (byte 0)"sv);
}

TEST_F(ParseTest, NonObjectRootsAreNotAnObject) {
  for (std::string_view body : {"[]", "\"space_view\"", "42", "null", "true"}) {
    ev::ParseError error = error_of(body);
    EXPECT_EQ(code_name(error.code), "not_an_object") << body;
    EXPECT_EQ(error.message(), "expected a JSON object (byte 0)") << body;
  }
}

// ParseError::Code::invalid_json is "not JSON"; not_an_object is for valid JSON of
// another type.
TEST_F(ParseTest, NonJsonBodyIsInvalidJsonNotNotAnObject) {
  for (std::string_view body : {"hello", "tru", "[1,", "42x"}) {
    ev::ParseError error = error_of(body);
    EXPECT_EQ(code_name(error.code), "invalid_json"sv) << body << ": " << error.message();
  }
}

// ---------------------------------------------------------------------------------------
// Errors inside nested objects and arrays.

const std::string kVisitorPrefix =
    R"({"eventId":"e","type":"space_view","installationId":"i","spaceId":"s","visitor":)";
const std::string kVisitorSuffix = R"(,"url":"u","referrer":""})";

TEST_F(ParseTest, MissingVisitorFieldNamesItsPathAndPointsAtTheVisitor) {
  const std::string body =
      kVisitorPrefix + R"({"anonymousId":"a","cookies":{},"userAgent":"u"})" + kVisitorSuffix;
  ev::ParseError error = error_of(body);
  EXPECT_EQ(code_name(error.code), "missing_field"sv);
  EXPECT_EQ(error.object, "visitor"sv);
  EXPECT_EQ(error.field, "ip"sv);
  EXPECT_EQ(error.path(), "visitor.ip"sv);
  EXPECT_EQ(error.expected, "string"sv);
  EXPECT_EQ(error.offset, kVisitorPrefix.size());
  EXPECT_TRUE(contains(error.message(), "missing required field \"visitor.ip\" (string)"));
}

TEST_F(ParseTest, WrongVisitorFieldTypeNamesItsPathAndPointsAtTheValue) {
  const std::string body = kVisitorPrefix +
                           R"({"anonymousId":"a","cookies":{},"userAgent":"u","ip":4})" +
                           kVisitorSuffix;
  ev::ParseError error = error_of(body);
  EXPECT_EQ(code_name(error.code), "wrong_type"sv);
  EXPECT_EQ(error.path(), "visitor.ip"sv);
  EXPECT_EQ(error.expected, "string"sv);
  EXPECT_EQ(error.offset, body.find(":4}") + 1);
}

// parse.hpp documents the message as `field "visitor.ip": expected string, got number (byte N)`.
TEST_F(ParseTest, WrongTypeMessageIsTheDocumentedSentence) {
  const std::string body = kVisitorPrefix +
                           R"({"anonymousId":"a","cookies":{},"userAgent":"u","ip":4})" +
                           kVisitorSuffix;
  ev::ParseError error = error_of(body);
  EXPECT_EQ(error.message(), "field \"visitor.ip\": expected string, got number (byte " +
                                 std::to_string(body.find(":4}") + 1) + ")");
}

TEST_F(ParseTest, CookiesMustBeAnObject) {
  ev::ParseError error =
      error_of(kVisitorPrefix + R"({"anonymousId":"a","cookies":"a=b","userAgent":"u","ip":"1"})" +
               kVisitorSuffix);
  EXPECT_EQ(code_name(error.code), "not_an_object"sv);
  EXPECT_EQ(error.path(), "visitor.cookies"sv);
  EXPECT_EQ(error.expected, "object"sv);
  EXPECT_TRUE(contains(error.message(), "field \"visitor.cookies\": expected object"));
}

TEST_F(ParseTest, MissingFeedbackRatingNamesItsPath) {
  ev::ParseError error = error_of(
      R"({"eventId":"e","type":"page_feedback","installationId":"i","siteId":"s",)"
      R"("feedback":{"comment":"c"},"visitor":{"anonymousId":"a","cookies":{},"userAgent":"u",)"
      R"("ip":"1"},"url":"u","referrer":""})");
  EXPECT_EQ(code_name(error.code), "missing_field"sv);
  EXPECT_EQ(error.path(), "feedback.rating"sv);
  EXPECT_EQ(error.expected, "string"sv);
}

TEST_F(ParseTest, MissingEventIdOfATypedEvent) {
  ev::ParseError error = error_of(
      R"({"type":"space_gitsync_started","installationId":"i","spaceId":"s","revisionId":"r",)"
      R"("commitId":"c"})");
  EXPECT_EQ(code_name(error.code), "missing_field"sv);
  EXPECT_EQ(error.path(), "eventId"sv);
  EXPECT_EQ(error.expected, "string"sv);
}

TEST_F(ParseTest, RequiredFieldThatIsNullIsAWrongType) {
  ev::ParseError error =
      error_of(kVisitorPrefix + R"({"anonymousId":"a","cookies":{},"userAgent":"u","ip":"1"})" +
               R"(,"url":null,"referrer":""})");
  EXPECT_EQ(code_name(error.code), "wrong_type"sv);
  EXPECT_EQ(error.path(), "url"sv);
  EXPECT_EQ(error.expected, "string"sv);
}

TEST_F(ParseTest, PropsMustBeAnObject) {
  ev::ParseError error =
      error_of(R"({"eventId":"e","type":"ui_render","installationId":"i","componentId":"c",)"
               R"("props":[1],"context":{}})");
  EXPECT_EQ(code_name(error.code), "not_an_object"sv);
  EXPECT_EQ(error.path(), "props"sv);
  EXPECT_EQ(error.expected, "object"sv);
}

// ---------------------------------------------------------------------------------------
// Enumerated fields.

TEST_F(ParseTest, UnknownEnumValuesAreUnknown) {
  auto visibility = parse_as<ev::SpaceVisibilityUpdated>(
      R"({"eventId":"e","type":"space_visibility_updated","installationId":"i","spaceId":"s",)"
      R"("visibility":"members-only","previousVisibility":"visitor-auth"})");
  ASSERT_TRUE(visibility);
  EXPECT_EQ(ev::to_string(visibility->visibility), "unknown"sv);
  EXPECT_EQ(ev::to_string(visibility->previous_visibility), "visitor-auth"sv);

  auto setup = parse_as<ev::InstallationSetup>(
      R"({"eventId":"e","type":"installation_setup","installationId":"i","status":"archived",)"
      R"("previous":{"status":"deleted"}})");
  ASSERT_TRUE(setup);
  EXPECT_EQ(ev::to_string(setup->status), "unknown"sv);
  ASSERT_TRUE(setup->previous);
  EXPECT_EQ(ev::to_string(setup->previous->status), "unknown"sv);

  auto gitsync = parse_as<ev::SpaceGitSyncCompleted>(
      R"({"eventId":"e","type":"space_gitsync_completed","installationId":"i","spaceId":"s",)"
      R"("state":"cancelled","revisionId":"r","commitId":"c"})");
  ASSERT_TRUE(gitsync);
  EXPECT_EQ(ev::to_string(gitsync->state), "unknown"sv);

  auto feedback = parse_as<ev::PageFeedback>(
      R"({"eventId":"e","type":"page_feedback","installationId":"i","siteId":"s",)"
      R"("feedback":{"rating":"meh"},"visitor":{"anonymousId":"a","cookies":{},"userAgent":"u",)"
      R"("ip":"1"},"url":"u","referrer":""})");
  ASSERT_TRUE(feedback);
  EXPECT_EQ(ev::to_string(feedback->feedback.rating), "unknown"sv);
}

TEST_F(ParseTest, EnumFieldOfAnotherJsonTypeIsAnError) {
  struct Case {
    std::string body;
    std::string_view path;
  };
  const std::vector<Case> cases = {
      {R"({"eventId":"e","type":"installation_setup","installationId":"i","status":1})", "status"},
      {R"({"eventId":"e","type":"installation_setup","installationId":"i","status":"active",)"
       R"("previous":{"status":true}})",
       "previous.status"},
      {R"({"eventId":"e","type":"space_visibility_updated","installationId":"i","spaceId":"s",)"
       R"("visibility":["public"],"previousVisibility":"public"})",
       "visibility"},
      {R"({"eventId":"e","type":"space_visibility_updated","installationId":"i","spaceId":"s",)"
       R"("visibility":"public","previousVisibility":null})",
       "previousVisibility"},
      {R"({"eventId":"e","type":"space_gitsync_completed","installationId":"i","spaceId":"s",)"
       R"("state":0,"revisionId":"r","commitId":"c"})",
       "state"},
      {R"({"eventId":"e","type":"page_feedback","installationId":"i","siteId":"s",)"
       R"("feedback":{"rating":5},"visitor":{"anonymousId":"a","cookies":{},"userAgent":"u",)"
       R"("ip":"1"},"url":"u","referrer":""})",
       "feedback.rating"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    ev::ParseError error = error_of(c.body);
    EXPECT_EQ(code_name(error.code), "wrong_type"sv);
    EXPECT_EQ(error.path(), c.path);
    EXPECT_EQ(error.expected, "string"sv);
  }
}

// ---------------------------------------------------------------------------------------
// Optional fields.

TEST_F(ParseTest, NullOptionalFieldsAreAbsent) {
  auto view = parse_as<ev::SiteView>(
      R"({"eventId":"e","type":"site_view","installationId":"i","siteId":"site","spaceId":null,)"
      R"("siteSpaceId":null,"pageId":null,"visitor":{"anonymousId":"a","cookies":{},)"
      R"("userAgent":"u","ip":"1","language":null},"url":"u","referrer":""})");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->site_id, "site"sv);
  EXPECT_EQ(view->space_id, std::nullopt);
  EXPECT_EQ(view->site_space_id, std::nullopt);
  EXPECT_EQ(view->page_id, std::nullopt);
  EXPECT_EQ(view->visitor.language, std::nullopt);
  EXPECT_TRUE(view->json["pageId"].is_null());  // still there for who wants it

  auto render = parse_as<ev::UiRender>(
      R"({"eventId":"e","type":"ui_render","installationId":"i","spaceId":null,"siteId":null,)"
      R"("componentId":"c","props":{},"state":null,"context":{},"action":null,"auth":null})");
  ASSERT_TRUE(render);
  EXPECT_EQ(render->space_id, std::nullopt);
  EXPECT_EQ(render->site_id, std::nullopt);
  EXPECT_FALSE(render->state);
  EXPECT_FALSE(render->action);
  EXPECT_FALSE(render->auth);

  auto setup = parse_as<ev::InstallationSetup>(
      R"({"eventId":"e","type":"installation_setup","installationId":"i","status":"active",)"
      R"("previous":null})");
  ASSERT_TRUE(setup);
  EXPECT_FALSE(setup->previous);

  auto with_previous = parse_as<ev::SpaceInstallationSetup>(
      R"({"eventId":"e","type":"space_installation_setup","installationId":"i","spaceId":"s",)"
      R"("status":"active","previous":{"status":"paused","configuration":null}})");
  ASSERT_TRUE(with_previous);
  ASSERT_TRUE(with_previous->previous);
  EXPECT_FALSE(with_previous->previous->configuration);

  auto feedback = parse_as<ev::PageFeedback>(
      R"({"eventId":"e","type":"page_feedback","installationId":"i","siteId":"s","pageId":null,)"
      R"("feedback":{"rating":"good","comment":null},"visitor":{"anonymousId":"a",)"
      R"("cookies":{},"userAgent":"u","ip":"1"},"url":"u","referrer":""})");
  ASSERT_TRUE(feedback);
  EXPECT_EQ(feedback->feedback.comment, std::nullopt);
  EXPECT_EQ(feedback->page_id, std::nullopt);
}

TEST_F(ParseTest, OptionalFieldsThatArePresent) {
  auto view = parse_as<ev::SiteView>(
      R"({"eventId":"e","type":"site_view","installationId":"i","siteId":"site",)"
      R"("siteSpaceId":"sitesp_1","visitor":{"anonymousId":"a","cookies":{"k":"v"},)"
      R"("userAgent":"u","ip":"1","language":"fr"},"url":"u","referrer":"r"})");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->site_space_id, "sitesp_1"sv);
  EXPECT_EQ(view->space_id, std::nullopt);
  EXPECT_EQ(view->page_id, std::nullopt);
  EXPECT_EQ(view->visitor.language, "fr"sv);

  auto render = parse_as<ev::UiRender>(
      R"({"eventId":"e","type":"ui_render","installationId":"i","siteId":"site_1",)"
      R"("componentId":"c","props":{},"context":{"type":"document","theme":"light",)"
      R"("siteId":"site_1","editable":true}})");
  ASSERT_TRUE(render);
  EXPECT_EQ(render->site_id, "site_1"sv);
  EXPECT_EQ(render->space_id, std::nullopt);
  EXPECT_EQ(render->context["type"].get_string(), "document"sv);
  EXPECT_EQ(render->context["editable"].get_bool(), true);
  EXPECT_FALSE(render->state);
  EXPECT_FALSE(render->auth);
}

TEST_F(ParseTest, OptionalFieldOfAnotherTypeIsAnError) {
  ev::ParseError page =
      error_of(kVisitorPrefix + R"({"anonymousId":"a","cookies":{},"userAgent":"u","ip":"1"})" +
               R"(,"url":"u","referrer":"","pageId":7})");
  EXPECT_EQ(code_name(page.code), "wrong_type"sv);
  EXPECT_EQ(page.path(), "pageId"sv);

  ev::ParseError state = error_of(
      R"({"eventId":"e","type":"ui_render","installationId":"i","componentId":"c","props":{},)"
      R"("context":{},"state":"s"})");
  EXPECT_EQ(code_name(state.code), "not_an_object"sv);
  EXPECT_EQ(state.path(), "state"sv);
}

// ---------------------------------------------------------------------------------------
// updatedBy.

const std::string kContentUpdatedPrefix =
    R"({"eventId":"e","type":"space_content_updated","installationId":"i","spaceId":"s",)"
    R"("revisionId":"r")";

TEST_F(ParseTest, AbsentUpdatedByIsAnEmptyList) {
  auto e = parse_as<ev::SpaceContentUpdated>(kContentUpdatedPrefix + "}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->space_id, "s"sv);
  EXPECT_EQ(e->revision_id, "r"sv);
  EXPECT_TRUE(e->updated_by.empty());
  EXPECT_EQ(e->updated_by.size(), 0u);
  EXPECT_EQ(e->updated_by.begin(), e->updated_by.end());
  EXPECT_TRUE(e->updated_by.json().is_missing());
}

TEST_F(ParseTest, NullOrEmptyUpdatedByIsAnEmptyList) {
  auto null_users =
      parse_as<ev::SpaceContentUpdated>(kContentUpdatedPrefix + R"(,"updatedBy":null})");
  ASSERT_TRUE(null_users);
  EXPECT_TRUE(null_users->updated_by.empty());

  auto no_users = parse_as<ev::SpaceContentUpdated>(kContentUpdatedPrefix + R"(,"updatedBy":[]})");
  ASSERT_TRUE(no_users);
  EXPECT_TRUE(no_users->updated_by.empty());
  EXPECT_EQ(no_users->updated_by.begin(), no_users->updated_by.end());
}

TEST_F(ParseTest, UserWithOnlyRequiredFields) {
  auto e = parse_as<ev::SpaceContentUpdated>(
      kContentUpdatedPrefix + R"(,"updatedBy":[{"id":"u1","displayName":"D\u00e9d\u00e9"}]})");
  ASSERT_TRUE(e);
  ASSERT_EQ(e->updated_by.size(), 1u);
  ev::User user = *e->updated_by.begin();
  EXPECT_EQ(user.id, "u1"sv);
  EXPECT_EQ(user.display_name, "Dédé"sv);
  EXPECT_EQ(user.object, ""sv);
  EXPECT_EQ(user.email, std::nullopt);
  EXPECT_EQ(user.photo_url, std::nullopt);
  EXPECT_TRUE(user.urls.is_missing());
}

TEST_F(ParseTest, WrongTypesInsideUpdatedByAreErrors) {
  struct Case {
    std::string updated_by;
    std::string_view code;
    std::string_view path;
    std::string_view expected;
  };
  const std::vector<Case> cases = {
      {R"("ada")", "wrong_type", "updatedBy", "array"},
      {R"({"id":"u"})", "wrong_type", "updatedBy", "array"},
      {R"([42])", "wrong_type", "updatedBy", "object"},
      {R"([{"id":"u","displayName":"D"},"bob"])", "wrong_type", "updatedBy", "object"},
      {R"([{"id":1,"displayName":"D"}])", "wrong_type", "updatedBy.id", "string"},
      {R"([{"displayName":"D"}])", "missing_field", "updatedBy.id", "string"},
      {R"([{"id":"u","displayName":null}])", "wrong_type", "updatedBy.displayName", "string"},
      {R"([{"id":"u"}])", "missing_field", "updatedBy.displayName", "string"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.updated_by);
    const std::string body = kContentUpdatedPrefix + R"(,"updatedBy":)" + c.updated_by + "}";
    ev::ParseError error = error_of(body);
    EXPECT_EQ(code_name(error.code), c.code);
    EXPECT_EQ(error.path(), c.path);
    EXPECT_EQ(error.expected, c.expected);
    EXPECT_GT(error.offset, body.find("updatedBy"));
  }
}

// ---------------------------------------------------------------------------------------
// Events without a fixture.

TEST_F(ParseTest, SiteInstallationSetup) {
  auto e = parse_as<ev::SiteInstallationSetup>(
      R"({"eventId":"evt_1","type":"site_installation_setup","installationId":"inst_1",)"
      R"("siteId":"site_1","status":"active","previous":{"status":"pending",)"
      R"("configuration":{"key":"value"}}})");
  ASSERT_TRUE(e);
  expect_envelope(*e, "site_installation_setup", "evt_1", "inst_1");
  EXPECT_EQ(e->site_id, "site_1"sv);
  EXPECT_EQ(ev::to_string(e->status), "active"sv);
  ASSERT_TRUE(e->previous);
  EXPECT_EQ(ev::to_string(e->previous->status), "pending"sv);
  ASSERT_TRUE(e->previous->configuration);
  EXPECT_EQ((*e->previous->configuration)["key"].get_string(), "value"sv);
}

TEST_F(ParseTest, SetupWithoutPrevious) {
  auto e = parse_as<ev::SiteInstallationSetup>(
      R"({"eventId":"e","type":"site_installation_setup","installationId":"i","siteId":"s",)"
      R"("status":"paused"})");
  ASSERT_TRUE(e);
  EXPECT_EQ(ev::to_string(e->status), "paused"sv);
  EXPECT_FALSE(e->previous);
}

TEST_F(ParseTest, InstallationDeletedEvents) {
  auto installation = parse_as<ev::InstallationDeleted>(
      R"({"eventId":"e1","type":"installation_deleted","installationId":"i1",)"
      R"("previous":{"configuration":{"trackingId":"G-1"}}})");
  ASSERT_TRUE(installation);
  expect_envelope(*installation, "installation_deleted", "e1", "i1");
  ASSERT_TRUE(installation->previous.configuration);
  EXPECT_EQ((*installation->previous.configuration)["trackingId"].get_string(), "G-1"sv);

  auto space = parse_as<ev::SpaceInstallationDeleted>(
      R"({"eventId":"e2","type":"space_installation_deleted","installationId":"i2",)"
      R"("spaceId":"space_2","previous":{}})");
  ASSERT_TRUE(space);
  expect_envelope(*space, "space_installation_deleted", "e2", "i2");
  EXPECT_EQ(space->space_id, "space_2"sv);
  EXPECT_FALSE(space->previous.configuration);

  auto site = parse_as<ev::SiteInstallationDeleted>(
      R"({"eventId":"e3","type":"site_installation_deleted","installationId":"i3",)"
      R"("siteId":"site_3","previous":{"configuration":{}}})");
  ASSERT_TRUE(site);
  expect_envelope(*site, "site_installation_deleted", "e3", "i3");
  EXPECT_EQ(site->site_id, "site_3"sv);
  ASSERT_TRUE(site->previous.configuration);
  EXPECT_EQ(site->previous.configuration->size(), 0u);
}

TEST_F(ParseTest, DeletedEventRequiresPrevious) {
  ev::ParseError error = error_of(
      R"({"eventId":"e","type":"site_installation_deleted","installationId":"i","siteId":"s"})");
  EXPECT_EQ(code_name(error.code), "missing_field"sv);
  EXPECT_EQ(error.path(), "previous"sv);
  EXPECT_EQ(error.expected, "object"sv);
}

// ---------------------------------------------------------------------------------------
// Other types: GenericEvent.

TEST_F(ParseTest, UnknownTypeIsAGenericEventWithTheWholeJson) {
  auto result = parse(R"({"type":"later","eventId":"e","installationId":"i","task":{"a":1}})");
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(ev::to_string(ev::type_of(result.value())), "other"sv);
  ASSERT_TRUE(std::holds_alternative<ev::GenericEvent>(result.value()));
  const auto& e = std::get<ev::GenericEvent>(result.value());
  expect_envelope(e, "later", "e", "i");
  EXPECT_EQ(e.json["task"].raw(), R"({"a":1})"sv);
  EXPECT_EQ(e.json["task"]["a"].get_int64(), 1);
}

TEST_F(ParseTest, GenericEventMayLackTheEnvelopeIds) {
  auto e = parse_as<ev::GenericEvent>(R"({"type":"later","request":{"method":"GET"}})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "later"sv);
  EXPECT_EQ(e->event_id, ""sv);
  EXPECT_EQ(e->installation_id, ""sv);
  EXPECT_EQ(e->json["request"]["method"].get_string(), "GET"sv);
}

TEST_F(ParseTest, GenericEventIdsMustStillBeStrings) {
  ev::ParseError error = error_of(R"({"type":"task","eventId":12,"task":{}})");
  EXPECT_EQ(code_name(error.code), "wrong_type"sv);
  EXPECT_EQ(error.path(), "eventId"sv);
  EXPECT_EQ(error.expected, "string"sv);
}

TEST_F(ParseTest, TypedFieldsOfAnotherTypeDoNotMatterToAGenericEvent) {
  // "url" is a field of space_view; for a task it is just JSON.
  auto e = parse_as<ev::GenericEvent>(
      R"({"type":"integration_event","eventId":"e","installationId":"i","url":42,)"
      R"("visitor":"nobody"})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->json["url"].get_int64(), 42);
}

// ---------------------------------------------------------------------------------------
// Strings: unescaping and zero copy.

TEST_F(ParseTest, EscapedStringsAreUnescaped) {
  auto e = parse_as<ev::SpaceGitSyncStarted>(
      R"({"type":"space_gitsync\u005fstarted","eventId":"line\nbreak\ttab",)"
      R"("installationId":"caf\u00e9","spaceId":"\ud83d\ude00 smile",)"
      R"("revisionId":"a\"b\\c\/d","commitId":"plain"})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "space_gitsync_started"sv);
  EXPECT_EQ(e->event_id, "line\nbreak\ttab"sv);
  EXPECT_EQ(e->installation_id, "caf\xC3\xA9"sv);
  EXPECT_EQ(e->space_id, "\xF0\x9F\x98\x80 smile"sv);
  EXPECT_EQ(e->revision_id, "a\"b\\c/d"sv);
  EXPECT_EQ(e->commit_id, "plain"sv);
  // Unescaped strings live in the arena, the others in the body.
  EXPECT_FALSE(points_into(e->event_id, last_body()));
  EXPECT_FALSE(points_into(e->installation_id, last_body()));
  EXPECT_FALSE(points_into(e->space_id, last_body()));
  EXPECT_FALSE(points_into(e->revision_id, last_body()));
  EXPECT_TRUE(points_into(e->commit_id, last_body()));
  EXPECT_GT(arena_.used(), 0u);
}

TEST_F(ParseTest, EscapedKeysAreRecognized) {
  auto e = parse_as<ev::SpaceGitSyncStarted>(
      R"({"eventId":"e","\u0074ype":"space_gitsync_started","installationId":"i",)"
      R"("space\u0049d":"s","revisionId":"r","commit\u0049d":"c"})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->space_id, "s"sv);
  EXPECT_EQ(e->commit_id, "c"sv);
}

TEST_F(ParseTest, StringsWithoutEscapesPointIntoTheBody) {
  auto e = fixture_as<ev::SiteView>("site_view-3.json");
  ASSERT_TRUE(e);
  const ev::PaddedBuffer& body = last_body();
  for (std::string_view field :
       {e->type, e->event_id, e->installation_id, e->site_id, *e->space_id, *e->page_id, e->url,
        e->visitor.anonymous_id, e->visitor.user_agent, e->visitor.ip, *e->visitor.language}) {
    EXPECT_TRUE(points_into(field, body)) << field;
  }
  EXPECT_TRUE(points_into(e->visitor.cookies.raw(), body));
  EXPECT_TRUE(points_into(*e->visitor.cookies["theme"].get_string(), body));
  EXPECT_EQ(e->json.raw().data(), body.data());
  // The one escaped string.
  EXPECT_FALSE(points_into(e->referrer, body));
  EXPECT_EQ(e->referrer, kQuotedReferrer);
}

TEST_F(ParseTest, UnicodeWithoutEscapesIsBorrowedAsIs) {
  auto e = fixture_as<ev::SpaceView>("space_view-2.json");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->referrer, kUnicodeReferrer);
  EXPECT_TRUE(points_into(e->referrer, last_body()));
  EXPECT_EQ(arena_.used(), 0u);
}

TEST_F(ParseTest, SecondParseKeepsTheFirstEventsViews) {
  ev::Parser parser;
  ev::PaddedBuffer first_body(fixture("site_view-3.json"));
  ev::StringArena first_arena;
  auto first = parser.parse_event(first_body.view(), first_arena);
  ASSERT_TRUE(first) << first.error().message();

  ev::PaddedBuffer second_body(fixture("site_view-2.json"));
  ev::StringArena second_arena;
  auto second = parser.parse_event(second_body.view(), second_arena);
  ASSERT_TRUE(second) << second.error().message();
  // A failing parse in between must not matter either.
  ev::PaddedBuffer bad_body(fixture("bad/url-missing.bad"));
  ev::StringArena bad_arena;
  ASSERT_FALSE(parser.parse_event(bad_body.view(), bad_arena));

  const auto& one = std::get<ev::SiteView>(first.value());
  EXPECT_EQ(one.event_id, "evt_nLN3Sxggwg46mhSPLfaGB69pft"sv);
  EXPECT_EQ(one.site_id, "site_uGQzW9QSARJMzEWOotbe"sv);
  EXPECT_EQ(one.referrer, kQuotedReferrer);
  EXPECT_EQ(one.visitor.language, "zh-Hans"sv);
  EXPECT_EQ(one.visitor.cookies["session"].get_string(), "ee0c"sv);
  EXPECT_EQ(one.json["pageId"].get_string(), "05h0xq21tYI4tigGiD2c"sv);

  const auto& two = std::get<ev::SiteView>(second.value());
  EXPECT_EQ(two.event_id, "evt_u5NWdvA8bwxxMM4Q3AnY52s6ou"sv);
  EXPECT_EQ(two.referrer, kDuckDuckGoReferrer);
  EXPECT_EQ(two.visitor.language, std::nullopt);
  EXPECT_EQ(two.visitor.cookies["_gid"].get_string(), "OOhB"sv);
}

TEST_F(ParseTest, UnknownFieldsAreAccepted) {
  auto e = parse_as<ev::SpaceGitSyncStarted>(
      R"({"eventId":"e","type":"space_gitsync_started","installationId":"i","spaceId":"s",)"
      R"("revisionId":"r","commitId":"c","futureField":{"added":"later","n":1500.0},)"
      R"("list":[{"x":[null,true,"\u00e9"]}],"flag":false,"count":-3})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->commit_id, "c"sv);
  EXPECT_EQ(e->json["futureField"]["added"].get_string(), "later"sv);
  EXPECT_EQ(e->json["list"][std::size_t{0}]["x"][2].get_string(), "\xC3\xA9"sv);
  EXPECT_EQ(e->json["count"].get_int64(), -3);
}

// 1e999 and 2^70 are valid JSON that fit no double or 64-bit integer. gbrt reads no number
// itself: the event parses, and a handler asking for the number gets nullopt.
TEST_F(ParseTest, NumbersTooLargeForADoubleAreValidJsonAndAccepted) {
  auto e = parse_as<ev::SpaceGitSyncStarted>(
      R"({"eventId":"e","type":"space_gitsync_started","installationId":"i","spaceId":"s",)"
      R"("revisionId":"r","commitId":"c","big":1e999,"list":[-1E+999,2, 1180591620717411303424],)"
      R"("nested":{"n":123456789012345678901234567890.5e-3}})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->commit_id, "c"sv);
  EXPECT_EQ(e->json["big"].type(), ev::JsonType::number);
  EXPECT_EQ(e->json["big"].raw(), "1e999"sv);
  EXPECT_EQ(e->json["big"].get_double(), std::nullopt);
  EXPECT_EQ(e->json["list"][std::size_t{1}].get_int64(), 2);
  EXPECT_EQ(e->json["list"][std::size_t{2}].get_int64(), std::nullopt);
  // The DOM check still sees the grammar around such numbers.
  for (std::string_view bad : {R"({"type":"x","n":1e999,})", R"({"type":"x","a":[1e999 "b"]})",
                               R"({"type":"x","n":01e999})", R"({"type":"x","n":1e999x})",
                               R"({"type":"x","n":1.e999})", R"({"type":"x","n":-e999})"}) {
    auto result = parse(bad);
    ASSERT_FALSE(result) << bad;
    EXPECT_EQ(result.error().code, Code::invalid_json) << bad;
  }
  auto root = parse("1e999");
  ASSERT_FALSE(root);
  EXPECT_EQ(root.error().code, Code::not_an_object);
}

// An unknown field nested in an object the parser reads field by field (here `visitor`)
// must not be mistaken for the top-level field of the same name (here `feedback`).
TEST_F(ParseTest, NestedUnknownFieldDoesNotOverrideAReadField) {
  auto e = parse_as<ev::PageFeedback>(
      R"({"eventId":"e","type":"page_feedback","installationId":"i","siteId":"s",)"
      R"("feedback":{"rating":"bad"},"visitor":{"anonymousId":"a","cookies":{},"userAgent":"u",)"
      R"("ip":"1","feedback":{"rating":"good","comment":"from a nested object"}},)"
      R"("url":"u","referrer":""})");
  ASSERT_TRUE(e);
  EXPECT_EQ(ev::to_string(e->feedback.rating), "bad"sv);
  EXPECT_EQ(e->feedback.comment, std::nullopt);
}

// Known field names used by unknown fields, in number: a valid event must still parse.
TEST_F(ParseTest, ManyUnknownFieldsWithKnownNamesDoNotHideRequiredFields) {
  const std::vector<std::string_view> names = {
      "eventId",     "type",         "installationId", "spaceId",    "siteId",       "siteSpaceId",
      "pageId",      "status",       "previous",       "visitor",    "url",          "referrer",
      "feedback",    "componentId",  "props",          "state",      "context",      "action",
      "auth",        "revisionId",   "updatedBy",      "visibility", "commitId",     "apiEndpoint",
      "integration", "installation", "secrets",        "authToken",  "signingSecret"};
  std::string previous = "{";
  std::string feedback = "{";
  // Appended piece by piece: g++ 12 warns (-Wrestrict) on `"..." + std::string&&`.
  for (std::string_view name : names) {
    for (std::string* object : {&previous, &feedback}) {
      if (object->size() > 1) *object += ',';
      object->append("\"").append(name).append("\":\"x\"");
    }
  }
  previous += "}";
  feedback += "}";
  auto e = parse_as<ev::SpaceGitSyncStarted>(
      R"({"previous":)" + previous + R"(,"feedback":)" + feedback +
      R"(,"eventId":"e","type":"space_gitsync_started","installationId":"i","spaceId":"s",)"
      R"("revisionId":"r","commitId":"c"})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event_id, "e"sv);
  EXPECT_EQ(e->commit_id, "c"sv);
}

TEST_F(ParseTest, RepeatedKeyLastOneWins) {
  auto e = parse_as<ev::SpaceGitSyncStarted>(
      R"({"eventId":"e","type":"space_gitsync_started","installationId":"i","spaceId":"s",)"
      R"("revisionId":"r","commitId":"first","commitId":"second"})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->commit_id, "second"sv);
}

TEST_F(ParseTest, WhiteSpaceAroundTheEventIsNotPartOfItsJson) {
  const std::string event =
      R"({ "type" : "later" , "eventId" : "e" , "installationId" : "i" , "task" : [ 1 , 2 ] })";
  auto e = parse_as<ev::GenericEvent>(" \r\n\t" + event + "\n \t\r\n");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->json.raw(), event);
  EXPECT_EQ(e->event_id, "e"sv);
  EXPECT_EQ(e->json["task"].raw(), "[ 1 , 2 ]"sv);
  EXPECT_EQ(e->json["task"].size(), 2u);
}

TEST_F(ParseTest, WhiteSpaceAroundReadFieldsIsNotPartOfThem) {
  auto e = parse_as<ev::UiRender>(
      "{ \"eventId\" : \"e\" ,\n \"type\" :\t\"ui_render\" , \"installationId\" : \"i\" ,"
      " \"componentId\" : \"c\"  , \"props\" : { \"a\" : [ 1 ] }  ,\r\n"
      " \"state\" : { } , \"context\" : {\"theme\":\"dark\"}\n,"
      " \"auth\" : { \"userId\" : \"u\" } }");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event_id, "e"sv);
  EXPECT_EQ(e->component_id, "c"sv);
  EXPECT_EQ(e->props.raw(), R"({ "a" : [ 1 ] })"sv);
  EXPECT_EQ(e->props["a"][std::size_t{0}].get_int64(), 1);
  ASSERT_TRUE(e->state);
  EXPECT_EQ(e->state->raw(), "{ }"sv);
  EXPECT_EQ(e->context.raw(), R"({"theme":"dark"})"sv);
  ASSERT_TRUE(e->auth);
  EXPECT_EQ(e->auth->user_id, "u"sv);
}

// ---------------------------------------------------------------------------------------
// Limits.

// A task event of exactly `size` bytes.
std::string task_event_of_size(std::size_t size) {
  const std::string head = R"({"type":"later","pad":")";
  const std::string tail = R"("})";
  return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

TEST(ParserLimits, DefaultMaxBytes) {
  EXPECT_EQ(ev::Parser().max_bytes(), ev::Parser::kDefaultMaxBytes);
  EXPECT_EQ(ev::Parser::kDefaultMaxBytes, 1u << 20);
  EXPECT_EQ(ev::Parser(4096).max_bytes(), 4096u);
}

TEST(ParserLimits, BodyOfMaxBytesParsesAndOneMoreIsTooLarge) {
  ev::Parser parser(200);
  ev::StringArena arena;
  ev::PaddedBuffer fits(task_event_of_size(200));
  auto ok = parser.parse_event(fits.view(), arena);
  EXPECT_TRUE(ok) << ok.error().message();

  ev::PaddedBuffer too_big(task_event_of_size(201));
  auto result = parser.parse_event(too_big.view(), arena);
  ASSERT_FALSE(result);
  EXPECT_EQ(code_name(result.error().code), "too_large"sv);
  EXPECT_TRUE(contains(result.error().message(), "too large"));
}

TEST(ParserLimits, DefaultParserRejectsMoreThanOneMebibyte) {
  ev::Parser parser;
  ev::StringArena arena;
  ev::PaddedBuffer too_big(task_event_of_size(ev::Parser::kDefaultMaxBytes + 1));
  auto result = parser.parse_event(too_big.view(), arena);
  ASSERT_FALSE(result);
  EXPECT_EQ(code_name(result.error().code), "too_large"sv);

  // The parser is still usable afterwards.
  ev::PaddedBuffer small(fixture("space_gitsync_started-1.json"));
  EXPECT_TRUE(parser.parse_event(small.view(), arena));
}

// An event whose `task` nests `arrays` arrays: the event object is level 1.
std::string task_nesting_arrays(std::size_t arrays) {
  return R"({"type":"later","task":)" + std::string(arrays, '[') + std::string(arrays, ']') + "}";
}

TEST(ParserLimits, NestingUpToMaxDepthParsesAndDeeperIsTooDeep) {
  ev::Parser parser;
  ev::StringArena arena;
  ev::PaddedBuffer deepest(task_nesting_arrays(ev::Parser::kMaxDepth - 1));
  auto ok = parser.parse_event(deepest.view(), arena);
  EXPECT_TRUE(ok) << ok.error().message();

  ev::PaddedBuffer too_deep(task_nesting_arrays(ev::Parser::kMaxDepth));
  auto result = parser.parse_event(too_deep.view(), arena);
  ASSERT_FALSE(result);
  EXPECT_EQ(code_name(result.error().code), "too_deep"sv);
}

// An event whose `task` nests `objects` objects.
std::string task_nesting_objects(std::size_t objects) {
  std::string body = R"({"type":"later","task":)";
  for (std::size_t i = 0; i < objects; ++i) body += R"({"k":)";
  return body + "1" + std::string(objects, '}') + "}";
}

TEST(ParserLimits, ObjectsCountTowardsTheDepthToo) {
  ev::Parser parser;
  ev::StringArena arena;
  ev::PaddedBuffer deepest(task_nesting_objects(ev::Parser::kMaxDepth - 1));
  auto ok = parser.parse_event(deepest.view(), arena);
  EXPECT_TRUE(ok) << ok.error().message();

  ev::PaddedBuffer too_deep(task_nesting_objects(ev::Parser::kMaxDepth));
  auto result = parser.parse_event(too_deep.view(), arena);
  ASSERT_FALSE(result);
  EXPECT_EQ(code_name(result.error().code), "too_deep"sv);
  EXPECT_TRUE(contains(result.error().message(), "nested deeper than 128 levels"));
}

TEST(ParserMove, MovedParserStillParses) {
  ev::Parser original(4096);
  ev::Parser parser = std::move(original);
  EXPECT_EQ(parser.max_bytes(), 4096u);
  ev::StringArena arena;
  ev::PaddedBuffer body(fixture("space_gitsync_completed-3.json"));
  auto result = parser.parse_event(body.view(), arena);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(std::get<ev::SpaceGitSyncCompleted>(result.value()).commit_id,
            "d67645dc3f3964c40ff8116d35cd901acc60a1c9"sv);
}

// ---------------------------------------------------------------------------------------
// The environment.

class EnvironmentTest : public testing::Test {
 protected:
  ev::ParseResult<ev::Environment> parse(std::string_view json) {
    bodies_.push_back(std::make_unique<ev::PaddedBuffer>(json));
    return parser_.parse_environment(bodies_.back()->view(), arena_);
  }
  ev::Parser parser_;
  ev::StringArena arena_;
  std::vector<std::unique_ptr<ev::PaddedBuffer>> bodies_;
};

const std::string kMinimalEnvironment =
    R"({"apiEndpoint":"https://api.example.com","apiTokens":{"integration":"tok"},)"
    R"("integration":{"name":"n","version":1,"title":"T"},"signingSecrets":{"integration":"s"},)"
    R"("secrets":{}})";

TEST_F(EnvironmentTest, TypedAccessToTheCommonFields) {
  auto result = parse(fixture("environment.json"));
  ASSERT_TRUE(result) << result.error().message();
  const ev::Environment& env = result.value();
  EXPECT_EQ(env.integration_name(), "space-analytics"sv);
  EXPECT_EQ(env.integration_version(), 7);
  EXPECT_TRUE(env.integration_urls().is_missing());
  EXPECT_EQ(env.installation_configuration().size(), 0u);
  EXPECT_EQ(env.space_installation_configuration()["trackingId"].get_string(), "G-0okIKF438k"sv);
  EXPECT_TRUE(env.site_installation_configuration().is_missing());
  EXPECT_EQ(env.secret("none"), std::nullopt);
  EXPECT_EQ(env.signing_secret_for("integration"), "w1Mz0GYZKQkuH2e7OZWd9aZKtgCfa3QdVrJtL7N8WYq"sv);
}

TEST_F(EnvironmentTest, FixtureParses) {
  auto result = parse(fixture("environment.json"));
  ASSERT_TRUE(result) << result.error().message();
  const ev::Environment& env = result.value();
  EXPECT_EQ(env.api_endpoint, "https://api.gitbook.com"sv);
  EXPECT_EQ(env.api_tokens.integration, "gb_int_kYKEUsLZMqVRcX4zI8LA6jukDzK76J59"sv);
  EXPECT_EQ(env.api_tokens.installation, "gb_inst_QiG5PfML9NzqzFUcZOVsk1O7ryrhq9ah"sv);

  EXPECT_EQ(env.integration["object"].get_string(), "integration"sv);
  EXPECT_EQ(env.integration["name"].get_string(), "space-analytics"sv);
  EXPECT_EQ(env.integration["version"].get_int64(), 7);
  EXPECT_EQ(env.integration["title"].get_string(), "Space analytics"sv);
  EXPECT_EQ(env.integration["target"].get_string(), "space"sv);
  EXPECT_EQ(env.integration["scopes"].size(), 1u);
  EXPECT_EQ(env.integration["scopes"][std::size_t{0}].get_string(), "space:views:read"sv);
  EXPECT_EQ(env.integration["previewImages"].raw(), "[]"sv);

  ASSERT_TRUE(env.installation);
  EXPECT_EQ((*env.installation)["id"].get_string(), "inst_1Q7Y1gD8jDpYpcofg07g"sv);
  EXPECT_EQ((*env.installation)["status"].get_string(), "active"sv);
  EXPECT_EQ((*env.installation)["configuration"].raw(), "{}"sv);

  ASSERT_TRUE(env.space_installation);
  EXPECT_EQ((*env.space_installation)["space"].get_string(), "UcLQhcqAj0whd1Z6yYNN"sv);
  EXPECT_EQ((*env.space_installation)["status"].get_string(), "active"sv);
  EXPECT_EQ((*env.space_installation)["configuration"]["trackingId"].get_string(),
            "G-0okIKF438k"sv);
  EXPECT_FALSE(env.site_installation);

  EXPECT_EQ(env.signing_secrets["integration"].get_string(),
            "w1Mz0GYZKQkuH2e7OZWd9aZKtgCfa3QdVrJtL7N8WYq"sv);
  EXPECT_EQ(env.signing_secrets.size(), 1u);
  EXPECT_TRUE(env.secrets.is_object());
  EXPECT_EQ(env.secrets.size(), 0u);
  EXPECT_EQ(env.auth_token, std::nullopt);
  EXPECT_EQ(env.signing_secret, std::nullopt);
  EXPECT_EQ(env.json["apiEndpoint"].get_string(), "https://api.gitbook.com"sv);
  EXPECT_EQ(env.json.raw(), bodies_.back()->str());
}

TEST_F(EnvironmentTest, MinimalEnvironmentHasNoOptionalParts) {
  auto result = parse(kMinimalEnvironment);
  ASSERT_TRUE(result) << result.error().message();
  const ev::Environment& env = result.value();
  EXPECT_EQ(env.api_endpoint, "https://api.example.com"sv);
  EXPECT_EQ(env.api_tokens.integration, "tok"sv);
  EXPECT_EQ(env.api_tokens.installation, std::nullopt);
  EXPECT_EQ(env.integration["name"].get_string(), "n"sv);
  EXPECT_FALSE(env.installation);
  EXPECT_FALSE(env.space_installation);
  EXPECT_FALSE(env.site_installation);
  EXPECT_EQ(env.auth_token, std::nullopt);
  EXPECT_EQ(env.signing_secret, std::nullopt);
}

TEST_F(EnvironmentTest, OptionalStringsAndSiteInstallation) {
  std::string body = kMinimalEnvironment;
  body.pop_back();
  body += R"(,"authToken":"auth_1","signingSecret":"sec_1","siteInstallation":{"site":"site_1",)"
          R"("status":"pending","configuration":{"a":true}}})";
  auto result = parse(body);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result.value().auth_token, "auth_1"sv);
  EXPECT_EQ(result.value().signing_secret, "sec_1"sv);
  ASSERT_TRUE(result.value().site_installation);
  EXPECT_EQ((*result.value().site_installation)["site"].get_string(), "site_1"sv);
  EXPECT_EQ((*result.value().site_installation)["configuration"]["a"].get_bool(), true);
}

TEST_F(EnvironmentTest, MissingApiEndpointFails) {
  std::string body = kMinimalEnvironment;
  body.replace(body.find(R"("apiEndpoint")"), std::string(R"("apiEndpoint")").size(),
               R"("apiEndpointX")");
  auto result = parse(body);
  ASSERT_FALSE(result);
  EXPECT_EQ(code_name(result.error().code), "missing_field"sv);
  EXPECT_EQ(result.error().path(), "apiEndpoint"sv);
  EXPECT_EQ(result.error().expected, "string"sv);
  EXPECT_TRUE(contains(result.error().message(), "missing required field \"apiEndpoint\""));
}

TEST_F(EnvironmentTest, RequiredPartsAreChecked) {
  struct Case {
    std::string body;
    std::string_view code;
    std::string_view path;
  };
  const std::vector<Case> cases = {
      {R"({"apiEndpoint":"a","apiTokens":{},"integration":{},"signingSecrets":{},"secrets":{}})",
       "missing_field", "apiTokens.integration"},
      {R"({"apiEndpoint":"a","integration":{},"signingSecrets":{},"secrets":{}})", "missing_field",
       "apiTokens"},
      {R"({"apiEndpoint":"a","apiTokens":{"integration":"t"},"integration":"n",)"
       R"("signingSecrets":{},"secrets":{}})",
       "not_an_object", "integration"},
      {R"({"apiEndpoint":"a","apiTokens":{"integration":"t"},"integration":{},)"
       R"("signingSecrets":{}})",
       "missing_field", "secrets"},
      {R"({"apiEndpoint":"a","apiTokens":{"integration":"t"},"integration":{},)"
       R"("secrets":{}})",
       "missing_field", "signingSecrets"},
      {R"({"apiEndpoint":1,"apiTokens":{"integration":"t"},"integration":{},)"
       R"("signingSecrets":{},"secrets":{}})",
       "wrong_type", "apiEndpoint"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    auto result = parse(c.body);
    ASSERT_FALSE(result);
    EXPECT_EQ(code_name(result.error().code), c.code);
    EXPECT_EQ(result.error().path(), c.path);
  }
}

TEST_F(EnvironmentTest, MalformedEnvironmentIsInvalidJson) {
  auto result = parse(R"({"apiEndpoint":"a",)");
  ASSERT_FALSE(result);
  EXPECT_EQ(code_name(result.error().code), "invalid_json"sv);
}

}  // namespace

namespace {

// simdjson On-Demand accepted these (it checks grammar only as it reads); the fuzzer found
// the first one. The whole body must be valid JSON.
TEST(ParseGrammar, InvalidJsonThatOnDemandAloneWouldAcceptIsRejected) {
  gbrt::events::Parser parser;
  gbrt::events::StringArena arena;
  for (const char* body : {R"({"type":"task","eventId":"e","list":[{}, "siteId": "x"]})",
                           R"({"type":"task","eventId":"e","list":[1 : 2]})",
                           R"({"type":"task","eventId":"e","o":{"a":1 "b":2}})"}) {
    gbrt::events::PaddedBuffer buffer{std::string_view(body)};
    auto result = parser.parse_event(buffer.view(), arena);
    ASSERT_FALSE(result) << body;
    EXPECT_EQ(result.error().code, gbrt::events::ParseError::Code::invalid_json) << body;
  }
}

}  // namespace

namespace {

bool parses_as_json(gbrt::events::Parser& parser, std::string_view body) {
  using Code = gbrt::events::ParseError::Code;
  gbrt::events::PaddedBuffer buffer{body};
  gbrt::events::StringArena arena;
  auto result = parser.parse_event(buffer.view(), arena);
  if (result) return true;
  const Code code = result.error().code;
  return code != Code::empty && code != Code::invalid_json && code != Code::invalid_utf8 &&
         code != Code::too_deep;
}

// Escapes are checked in every string, keys included, wherever it is (the parser finds
// backslashes ahead of the strings it walks: a valid escape must not hide a later one).
TEST(ParseGrammar, EveryEscapeIsChecked) {
  gbrt::events::Parser parser;
  for (std::string_view body :
       {R"({"type":"task","x":"\q"})", R"({"type":"task","k\q":1})",
        R"({"type":"task","a":"\\","b":"\q"})", R"({"type":"task","a":"\n","b":["\uD800"]})",
        R"({"type":"task","a":"\u00e9","b":{"c":"\uDC00x"}})", R"({"type":"task","a":"\"","n":1\})",
        R"({"type":"task","a":"\u12G4"})"}) {
    EXPECT_FALSE(parses_as_json(parser, body)) << body;
  }
  for (std::string_view body :
       {R"({"type":"task","x":"\"\\\/\b\f\n\r\t"})", R"({"type":"task","k\"q":"\u00e9"})",
        R"({"type":"task","a":["\uD83D\uDE00",{"\u0062":"\\"}]})"}) {
    EXPECT_TRUE(parses_as_json(parser, body)) << body;
  }
}

// The parser's verdict (valid JSON or not) against the plain reference validator, on
// every fixture mutated at random: bytes replaced, inserted and deleted, JSON fragments
// inserted, truncation. The seed is fixed, so a failure repeats.
TEST(ParseGrammar, AgreesWithAPlainValidatorOnMutatedFixtures) {
  std::vector<std::string> seeds;
  for (const auto& file : gbrt::test::fixture_files(".json")) {
    seeds.push_back(gbrt::test::read_file(file));
  }
  for (const auto& file : gbrt::test::fixture_files(".bad", "bad")) {
    seeds.push_back(gbrt::test::read_file(file));
  }
  ASSERT_GT(seeds.size(), 40u);
  const std::string_view bytes =
      "{}[],:\"\\ \t\n\r0123456789-+.eEtrufalsnb/u\x00\x01\x1f\x7f\x80\xbf\xc3\xe2\xed\xf0"
      "\xf4\xff"sv;
  const std::string_view fragments[] = {"\\u",      "\\uD83D",
                                        "\\uDE00",  "\\uD83D\\uDE00",
                                        "\\x",      "1e999",
                                        "-0.5E+3",  "01",
                                        "1.",       "[",
                                        "]",        "{}",
                                        "[]",       "\"a\":",
                                        "\"a\"",    "tru",
                                        "nul",      "null",
                                        ",",        ":",
                                        "\xc3\xa9", "\xed\xa0\x80",
                                        "\"\\\\\"", "[[[[",
                                        "]]]]"};
  gbrt::events::Parser parser;
  std::mt19937 random(18);
  auto below = [&](std::size_t n) { return std::size_t(random() % std::max<std::size_t>(n, 1)); };
  std::size_t valid = 0, invalid = 0, disagreements = 0;
  for (int round = 0; round < 40000; ++round) {
    std::string body = seeds[below(seeds.size())];
    for (std::size_t edits = 1 + below(3); edits > 0; --edits) {
      const std::size_t at = below(body.size() + 1);
      switch (below(5)) {
        case 0:
          if (at < body.size()) body[at] = bytes[below(bytes.size())];
          break;
        case 1:
          body.insert(body.begin() + std::ptrdiff_t(at), bytes[below(bytes.size())]);
          break;
        case 2:
          if (at < body.size()) body.erase(at, 1 + below(3));
          break;
        case 3:
          body.insert(at, fragments[below(std::size(fragments))]);
          break;
        default:
          if (below(8) == 0) body.resize(at);
          break;
      }
    }
    const bool expected = gbrt::test::StrictJson::valid(body, gbrt::events::Parser::kMaxDepth);
    (expected ? valid : invalid) += 1;
    if (parses_as_json(parser, body) != expected && ++disagreements <= 5) {
      ADD_FAILURE() << (expected ? "valid JSON refused: " : "invalid JSON accepted: ") << body;
    }
  }
  EXPECT_EQ(disagreements, 0u);
  // Both verdicts are exercised, or the comparison proves little.
  EXPECT_GT(valid, 4000u);
  EXPECT_GT(invalid, 4000u);
}

}  // namespace
