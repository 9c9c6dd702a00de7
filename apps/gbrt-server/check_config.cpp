#include "check_config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <gbrt/events/event_type.hpp>
#include <gbrt/runtime/log.hpp>

#include "secrets.hpp"
#include "values.hpp"

namespace po = boost::program_options;

namespace gbrt::app {

namespace {

constexpr std::chrono::milliseconds kMillisecond{1};

std::string quoted(const std::string& text) {
  return "\"" + text + "\"";
}

std::string typed_event_names() {
  std::string names;
  for (std::size_t t = 0; t < events::kTypedEventCount; ++t) {
    names += (names.empty() ? "" : ", ") + std::string(events::to_string(events::EventType(t)));
  }
  return names;
}

// Edits (insert, delete, replace a character) that turn `a` into `b`.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean \"site_view\"?)" for a typed event's name a typo or two away.
std::string suggestion(const std::string& type) {
  for (std::size_t t = 0; t < events::kTypedEventCount; ++t) {
    const std::string_view name = events::to_string(events::EventType(t));
    if (edit_distance(type, name) <= 2) return " (did you mean \"" + std::string(name) + "\"?)";
  }
  return {};
}

class Checker {
 public:
  Checker(const po::variables_map& vm, const config::Loaded& loaded,
          const std::function<bool(std::string_view)>& known_type)
      : vm_(vm), loaded_(loaded), known_type_(known_type), problems_(loaded.problems) {}

  std::vector<config::Problem> run() {
    check_log_level();
    check_listen();
    check_type_map("max-inflight-per-type", "N", [](const std::string& n) {
      return parse_count(n) ? "" : quoted(n) + " is not a whole number";
    });
    check_deadlines();
    check_type_map("ack", "handled|queued|forwarded|stored", [](const std::string& mode) {
      return parse_ack_mode(mode) ? ""
                                  : quoted(mode) + " is not handled, queued, forwarded or stored";
    });
    check_nats();
    check_store();
    check_readable("tls-cert");
    check_readable("tls-key");
    try {
      load_secrets(vm_);
    } catch (const std::exception& e) {
      problems_.push_back(
          {vm_.count("secret-file") ? loaded_.where("secret-file") : "GBRT_SECRET", e.what()});
    }
    return std::move(problems_);
  }

 private:
  void add(const std::string& option, const std::string& value, std::string what) {
    problems_.push_back({loaded_.where(option, value), std::move(what)});
  }

  void check_log_level() {
    const auto level = vm_["log-level"].as<std::string>();
    if (!log::parse_level(level)) {
      add("log-level", level,
          quoted(level) + " is not a level: want trace, debug, info, warn, error, critical or off");
    }
  }

  void check_listen() {
    const auto listen = vm_["listen"].as<std::string>();
    if (!parse_listen(listen)) {
      add("listen", listen,
          quoted(listen) + " is not HOST:PORT (127.0.0.1:8080, localhost:8080, [::1]:8080, :8080)");
    }
  }

  void check_type(const std::string& option, const std::string& item, const std::string& type) {
    if (known_type_(type)) return;
    if (auto hint = suggestion(type); !hint.empty()) {
      add(option, item, "unknown event type " + quoted(type) + hint);
      return;
    }
    add(option, item,
        "unknown event type " + quoted(type) + " (known: " + typed_event_names() +
            ", and the types handlers are registered for)");
  }

  // TYPE=VALUE items; `bad_value` says what is wrong with a VALUE, empty when nothing.
  template <class BadValue>
  void check_type_map(const char* option, const char* value_form, BadValue bad_value) {
    for (const auto& item : items(vm_, option)) {
      auto assignment = split_assignment(item);
      if (!assignment) {
        add(option, item, "want TYPE=" + std::string(value_form) + ", got " + quoted(item));
        continue;
      }
      check_type(option, item, assignment->first);
      if (auto what = bad_value(assignment->second); !what.empty()) add(option, item, what);
    }
  }

  void check_deadlines() {
    for (const auto& item : items(vm_, "deadline")) {
      if (item.find('=') == std::string::npos) {
        if (!parse_duration(item, kMillisecond)) {
          add("deadline", item, quoted(item) + " is not MS or TYPE=MS");
        }
        continue;
      }
      auto assignment = split_assignment(item);
      if (!assignment) {
        add("deadline", item, "want MS or TYPE=MS, got " + quoted(item));
        continue;
      }
      check_type("deadline", item, assignment->first);
      if (!parse_duration(assignment->second, kMillisecond)) {
        add("deadline", item, quoted(assignment->second) + " is not a duration (bare: ms)");
      }
    }
  }

  void check_nats() {
    if (vm_.count("nats")) return;
    if (vm_["consume"].as<bool>()) add("consume", "", "--consume needs --nats URL[,URL...]");
    for (const auto& item : items(vm_, "ack")) {
      auto assignment = split_assignment(item);
      if (assignment && assignment->second == "forwarded") {
        add("ack", item, "--ack TYPE=forwarded needs --nats URL[,URL...]");
      }
    }
  }

  void check_store() {
    const auto write = vm_["store-write"].as<std::string>();
    if (!parse_store_write(write)) {
      add("store-write", write, quoted(write) + " is not a way to write: want copy or insert");
    }
    if (vm_.count("store")) return;
    if (vm_.count("store-migrate")) add("store-migrate", "", "--store-migrate needs --store URL");
    for (const auto& item : items(vm_, "ack")) {
      auto assignment = split_assignment(item);
      if (assignment && assignment->second == "stored") {
        add("ack", item, "--ack TYPE=stored needs --store URL");
      }
    }
  }

  void check_readable(const char* option) {
    if (!vm_.count(option)) return;
    const auto path = vm_[option].as<std::string>();
    if (!std::ifstream(path))
      add(option, path, "cannot read " + path + ": " + std::strerror(errno));
  }

  const po::variables_map& vm_;
  const config::Loaded& loaded_;
  const std::function<bool(std::string_view)>& known_type_;
  std::vector<config::Problem> problems_;
};

}  // namespace

std::vector<config::Problem> check_config(const po::variables_map& vm, const config::Loaded& loaded,
                                          const std::function<bool(std::string_view)>& known_type) {
  return Checker(vm, loaded, known_type).run();
}

}  // namespace gbrt::app
