#include "config.hpp"
#include "trim.hpp"
#include "values.hpp"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gbrt/runtime/read_file.hpp>

namespace po = boost::program_options;

extern char** environ;

namespace gbrt::config {

namespace {

using app_common::trim;

// Where each key of a config file is (program_options does not say): key -> last line.
// Keys the table does not have become problems, and program_options skips them.
std::map<std::string, int> scan_keys(const std::string& path, const std::string& text,
                                     const po::options_description& options,
                                     std::vector<Problem>& problems) {
  std::map<std::string, int> lines;
  std::istringstream in(text);
  std::string section;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    if (line.front() == '[' && line.back() == ']') {
      section = trim(line.substr(1, line.size() - 2)) + ".";
      continue;
    }
    std::size_t eq = line.find('=');
    const std::string where = path + ":" + std::to_string(number);
    if (eq == std::string::npos) {
      throw std::runtime_error(where + ": want key = value, got \"" + line + "\"");
    }
    const std::string key = section + trim(line.substr(0, eq));
    if (options.find_nothrow(key, false) == nullptr) {
      problems.push_back({where, "unknown key \"" + key + "\" (gbrt-server --help lists them)"});
      continue;
    }
    lines[key] = number;
  }
  return lines;
}

// program_options names an option "--max-body" or "max-body" depending on the source.
std::string bare(std::string name) {
  while (!name.empty() && name.front() == '-') name.erase(0, 1);
  return name;
}

// Each option `parsed` set, with where: `where_of(key)`.
template <class WhereOf>
void note_origins(const po::parsed_options& parsed, WhereOf where_of, Loaded& loaded) {
  for (const auto& option : parsed.options) {
    if (option.unregistered || option.string_key.empty()) continue;
    loaded.origins[option.string_key].push_back({where_of(option.string_key), option.value});
  }
}

void load_file(const std::string& path, const po::options_description& options,
               po::variables_map& vm, Loaded& loaded) {
  const std::string text = runtime::read_file(path, "--config ");
  const auto lines = scan_keys(path, text, options, loaded.problems);
  std::istringstream in(text);
  try {
    auto parsed = po::parse_config_file(in, options, /*allow_unregistered=*/true);
    note_origins(
        parsed,
        [&](const std::string& key) {
          auto it = lines.find(key);
          return it == lines.end() ? path : path + ":" + std::to_string(it->second);
        },
        loaded);
    po::store(parsed, vm);
  } catch (const po::error_with_option_name& e) {
    const std::string key = bare(e.get_option_name());
    auto it = lines.find(key);
    const std::string where = it == lines.end() ? path : path + ":" + std::to_string(it->second);
    throw std::runtime_error(where + ": key \"" + key + "\": " + e.what());
  } catch (const po::error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

bool is_secret(const std::string& name) {
  // A path to a secret (secret-file) is not one; the secret itself, a password or token is.
  if (name.size() > 5 && name.compare(name.size() - 5, 5, "-file") == 0) return false;
  return name.find("secret") != std::string::npos || name.find("password") != std::string::npos ||
         name.find("token") != std::string::npos;
}

// The value as the config file would write it; empty when of a type not known here.
std::vector<std::string> texts(const boost::any& value) {
  if (auto v = boost::any_cast<std::string>(&value)) return {*v};
  if (auto v = boost::any_cast<std::size_t>(&value)) return {std::to_string(*v)};
  if (auto v = boost::any_cast<unsigned>(&value)) return {std::to_string(*v)};
  if (auto v = boost::any_cast<int>(&value)) return {std::to_string(*v)};
  if (auto v = boost::any_cast<double>(&value)) return {std::to_string(*v)};
  if (auto v = boost::any_cast<bool>(&value)) return {*v ? "true" : "false"};
  if (auto v = boost::any_cast<std::vector<std::string>>(&value)) return *v;
  if (auto v = boost::any_cast<app::Milliseconds>(&value)) return {v->text};
  if (auto v = boost::any_cast<app::Seconds>(&value)) return {v->text};
  return {"?"};
}

}  // namespace

std::string value_text(const po::variables_map& vm, const std::string& name) {
  auto it = vm.find(name);
  if (it == vm.end() || it->second.empty()) return {};
  std::string text;
  for (const std::string& value : texts(it->second.value())) {
    text += (text.empty() ? "" : ", ") + value;
  }
  return text;
}

std::string environment_name(const std::string& option) {
  std::string name = "GBRT_";
  for (char c : option) {
    name += (c == '-' || c == '.') ? '_'
                                   : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

std::string Loaded::where(const std::string& option, const std::string& value) const {
  auto it = origins.find(option);
  if (it == origins.end()) return "default";
  for (const auto& origin : it->second) {
    for (const auto& v : origin.values) {
      if (value.empty() || v == value) return origin.where;
    }
  }
  return it->second.front().where;
}

Loaded load(int argc, char** argv, const po::options_description& options,
            const po::options_description& command_line_only, po::variables_map& vm) {
  Loaded loaded;
  po::options_description all;
  all.add(options).add(command_line_only);
  try {
    auto parsed = po::command_line_parser(argc, argv).options(all).run();
    for (const auto& argument : po::collect_unrecognized(parsed.options, po::include_positional)) {
      loaded.problems.push_back({"argument \"" + argument + "\"",
                                 "gbrt-server takes options only (gbrt-server --help lists them)"});
    }
    note_origins(
        parsed, [](const std::string& key) { return "--" + key; }, loaded);
    po::store(parsed, vm);
  } catch (const po::error& e) {
    throw std::runtime_error(std::string(e.what()) + " (gbrt-server --help lists the options)");
  }

  // GBRT_<OPTION> for every option of the table, GBRT_CONFIG, GBRT_SECRET (read by the
  // secrets loader) and GBRT_FIXTURES (the runtime's fixtures_dir()). Any other GBRT_*
  // variable is a misspelling.
  std::map<std::string, std::string> by_variable{{"GBRT_CONFIG", "config"}};
  for (const auto& option : options.options()) {
    by_variable[environment_name(option->long_name())] = option->long_name();
  }
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string name(*entry, std::strcspn(*entry, "="));
    if (name.rfind("GBRT_", 0) == 0 && name != "GBRT_SECRET" && name != "GBRT_FIXTURES" &&
        !by_variable.count(name)) {
      loaded.problems.push_back(
          {"variable " + name, "unknown: GBRT_<OPTION> sets an option (gbrt-server --help)"});
    }
  }
  po::options_description from_environment;
  from_environment.add(options);
  if (const auto* config = command_line_only.find_nothrow("config", false)) {
    from_environment.add(
        boost::shared_ptr<po::option_description>(new po::option_description(*config)));
  }
  try {
    auto parsed = po::parse_environment(from_environment, [&](const std::string& name) {
      auto it = by_variable.find(name);
      return it == by_variable.end() ? std::string() : it->second;
    });
    note_origins(parsed, environment_name, loaded);
    po::store(parsed, vm);
  } catch (const po::error_with_option_name& e) {
    throw std::runtime_error("environment variable " + environment_name(bare(e.get_option_name())) +
                             ": " + e.what());
  }

  if (vm.count("config")) load_file(vm["config"].as<std::string>(), options, vm, loaded);
  po::notify(vm);
  return loaded;
}

namespace {

// A libpq connection string with its password hidden: the URI form's user:PASSWORD@ and
// ?password=, and the key=value form's password=.
std::string without_password(std::string url) {
  const auto hide = [&url](std::size_t from, std::size_t to) {
    if (to > from) url.replace(from, to - from, "<redacted>");
  };
  if (auto scheme = url.find("://"); scheme != std::string::npos) {
    const std::size_t authority = scheme + 3;
    const std::size_t at = url.find('@', authority);
    const std::size_t colon = url.find(':', authority);
    const std::size_t slash = url.find('/', authority);
    if (at != std::string::npos && colon < at && (slash == std::string::npos || at < slash)) {
      hide(colon + 1, at);
    }
  }
  for (std::size_t at = url.find("password="); at != std::string::npos;
       at = url.find("password=", at + 1)) {
    const std::size_t value = at + 9;
    std::size_t end = url.find_first_of("& ", value);
    hide(value, end == std::string::npos ? url.size() : end);
  }
  return url;
}

}  // namespace

void print(std::ostream& out, const po::options_description& options, const po::variables_map& vm) {
  out << "# gbrt-server configuration (gbrt-server --print-config): flags > GBRT_* environment "
         "> config file > defaults\n";
  for (const auto& option : options.options()) {
    const std::string& name = option->long_name();
    auto it = vm.find(name);
    if (it == vm.end() || it->second.empty()) {
      out << "# " << name << " =\n";
      continue;
    }
    for (const std::string& value : texts(it->second.value())) {
      out << name << " = "
          << (is_secret(name)   ? "<redacted>"
              : name == "store" ? without_password(value)
                                : value)
          << "\n";
    }
  }
  if (const char* secret = std::getenv("GBRT_SECRET"); secret != nullptr && *secret != '\0') {
    out << "# GBRT_SECRET is set (redacted)\n";
  }
}

}  // namespace gbrt::config
