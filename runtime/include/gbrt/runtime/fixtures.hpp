// Event fixtures (real-shaped events of every type, installed in share/gbrt/fixtures) for
// tests of handlers and for the tools that send events: where they are, and variations of them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace gbrt::runtime {

// The fixtures folder: $GBRT_FIXTURES if set; else share/gbrt/fixtures beside the running
// program's bin/ (an install under any prefix, or the build tree); else the one installed
// under the configured prefix. The result may not exist: whoever reads it says so.
std::filesystem::path fixtures_dir();

// `name` as given when that file exists; else `name` (".json" added when it has no
// extension) in fixtures_dir(): fixture_path("site_view-1").
std::filesystem::path fixture_path(std::string_view name);

// The text of fixture_path(name); throws std::runtime_error naming the paths it tried.
std::string read_fixture(std::string_view name);

// A fixture with some fields changed, for the case a handler test is about:
//   harness.run(FixtureBuilder("site_view-1").set("pageId", "p2").set("visitor.ip", "::1").json());
// A path names a field, with dots between the names of nested objects; a missing field is
// added (with the objects on its way). Throws std::invalid_argument when the event or a value
// is not JSON, or when a path goes through something other than an object.
class FixtureBuilder {
 public:
  explicit FixtureBuilder(std::string_view fixture_name) : json_(read_fixture(fixture_name)) {}
  static FixtureBuilder from_json(std::string event_json);

  FixtureBuilder& set(std::string_view path, std::string_view text);  // a JSON string
  FixtureBuilder& set(std::string_view path, const char* text) {
    return set(path, std::string_view(text));
  }
  FixtureBuilder& set(std::string_view path, std::int64_t number);
  FixtureBuilder& set(std::string_view path, int number) { return set(path, std::int64_t(number)); }
  FixtureBuilder& set(std::string_view path, bool value);
  FixtureBuilder& set_json(std::string_view path, std::string_view json_value);
  FixtureBuilder& remove(std::string_view path);
  // A new eventId, different from every other one this process made: for deduplication.
  FixtureBuilder& fresh_event_id();

  const std::string& json() const noexcept { return json_; }

 private:
  FixtureBuilder() = default;
  std::string json_;
};

}  // namespace gbrt::runtime
