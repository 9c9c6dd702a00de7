#include <gbrt/runtime/fixtures.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <simdjson.h>

#include <gbrt/runtime/answer.hpp>
#include <gbrt/runtime/read_file.hpp>

namespace gbrt::runtime {

namespace fs = std::filesystem;

std::filesystem::path fixtures_dir() {
  if (const char* dir = std::getenv("GBRT_FIXTURES"); dir != nullptr && *dir != '\0') return dir;
  std::error_code ec;
  const fs::path program = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path beside = program.parent_path().parent_path() / GBRT_FIXTURES_FROM_PREFIX;
    if (fs::is_directory(beside, ec)) return beside;
  }
  return GBRT_INSTALLED_FIXTURES_DIR;
}

std::filesystem::path fixture_path(std::string_view name) {
  fs::path path(name);
  std::error_code ec;
  if (fs::exists(path, ec)) return path;
  if (!path.has_extension()) path += ".json";
  return fixtures_dir() / path;
}

std::string read_fixture(std::string_view name) {
  const fs::path path = fixture_path(name);
  try {
    return read_file(path);
  } catch (const std::runtime_error&) {
    throw std::runtime_error("cannot read fixture " + std::string(name) + " (tried " +
                             path.string() + "; set GBRT_FIXTURES to the fixtures folder)");
  }
}

namespace {

namespace dom = simdjson::dom;

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> names;
  for (std::size_t start = 0;;) {
    const std::size_t dot = path.find('.', start);
    names.push_back(path.substr(start, dot - start));
    if (dot == std::string_view::npos) return names;
    start = dot + 1;
  }
}

void append_key(std::string& out, std::string_view key) {
  out += '"';
  append_json_escaped(out, key);
  out += "\":";
}

// {"a":{"b":value}} for the names left: a field added with the objects on its way.
void append_nested(std::string& out, const std::vector<std::string_view>& names, std::size_t at,
                   std::string_view value) {
  if (at == names.size()) {
    out += value;
    return;
  }
  out += '{';
  append_key(out, names[at]);
  append_nested(out, names, at + 1, value);
  out += '}';
}

// `object` with the field at names[at...] set to `value` (removed when `remove`).
void rewrite(std::string& out, dom::object object, const std::vector<std::string_view>& names,
             std::size_t at, std::string_view value, bool remove) {
  out += '{';
  bool first = true, found = false;
  for (auto field : object) {
    const bool target = field.key == names[at];
    if (target && remove && at + 1 == names.size()) {
      found = true;
      continue;
    }
    if (!first) out += ',';
    first = false;
    append_key(out, field.key);
    if (!target) {
      out += simdjson::minify(field.value);
      continue;
    }
    found = true;
    dom::object child;
    if (at + 1 == names.size()) {
      out += value;
    } else if (field.value.get_object().get(child) == simdjson::SUCCESS) {
      rewrite(out, child, names, at + 1, value, remove);
    } else {
      throw std::invalid_argument("FixtureBuilder: " + std::string(field.key) +
                                  " is not an object");
    }
  }
  if (!found && !remove) {
    if (!first) out += ',';
    append_key(out, names[at]);
    append_nested(out, names, at + 1, value);
  }
  out += '}';
}

std::string rewritten(const std::string& json, std::string_view path, std::string_view value,
                      bool remove) {
  dom::parser parser;
  dom::object root;
  if (parser.parse(json).get_object().get(root) != simdjson::SUCCESS) {
    throw std::invalid_argument("FixtureBuilder: the event is not a JSON object");
  }
  if (!remove) {
    dom::parser value_parser;
    if (value_parser.parse(value.data(), value.size()).error() != simdjson::SUCCESS) {
      throw std::invalid_argument("FixtureBuilder: " + std::string(path) + ": " +
                                  std::string(value) + " is not JSON");
    }
  }
  std::string out;
  rewrite(out, root, split_path(path), 0, value, remove);
  return out;
}

}  // namespace

FixtureBuilder FixtureBuilder::from_json(std::string event_json) {
  FixtureBuilder builder;
  builder.json_ = std::move(event_json);
  return builder;
}

FixtureBuilder& FixtureBuilder::set(std::string_view path, std::string_view text) {
  std::string quoted = "\"";
  append_json_escaped(quoted, text);
  quoted += '"';
  return set_json(path, quoted);
}

FixtureBuilder& FixtureBuilder::set(std::string_view path, std::int64_t number) {
  return set_json(path, std::to_string(number));
}

FixtureBuilder& FixtureBuilder::set(std::string_view path, bool value) {
  return set_json(path, value ? "true" : "false");
}

FixtureBuilder& FixtureBuilder::set_json(std::string_view path, std::string_view json_value) {
  json_ = rewritten(json_, path, json_value, false);
  return *this;
}

FixtureBuilder& FixtureBuilder::remove(std::string_view path) {
  json_ = rewritten(json_, path, {}, true);
  return *this;
}

FixtureBuilder& FixtureBuilder::fresh_event_id() {
  static std::atomic<std::uint64_t> next{0};
  return set("eventId", "evt_fixture_" + std::to_string(::getpid()) + "_" +
                            std::to_string(next.fetch_add(1) + 1));
}

}  // namespace gbrt::runtime
