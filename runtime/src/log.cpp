#include <gbrt/runtime/log.hpp>

#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <gbrt/runtime/answer.hpp>

namespace gbrt::log {

namespace {

struct Current {
  spdlog::logger* logger = nullptr;
  Format format = Format::json;
};

std::mutex setup_mutex;
// Every logger ever used stays alive, to the end of the process (never destroyed: a thread
// may still be writing to the previous one, or log during static destruction).
auto& kept_loggers = *new std::vector<std::shared_ptr<spdlog::logger>>;
auto& kept_currents = *new std::vector<std::unique_ptr<Current>>;
std::atomic<Current*> current{nullptr};

spdlog::level::level_enum to_spdlog(Level level) {
  return static_cast<spdlog::level::level_enum>(static_cast<int>(level));
}

void install(std::shared_ptr<spdlog::logger> logger, Format format) {
  kept_currents.push_back(std::make_unique<Current>(Current{logger.get(), format}));
  kept_loggers.push_back(std::move(logger));
  current.store(kept_currents.back().get(), std::memory_order_release);
}

void install_stderr(Level level) {
  const bool terminal = ::isatty(STDERR_FILENO) == 1;
  std::shared_ptr<spdlog::logger> logger;
  std::string pattern;
  if (terminal) {
    logger = std::make_shared<spdlog::logger>(
        "gbrt", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    pattern = "%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v";
  } else {
    logger =
        std::make_shared<spdlog::logger>("gbrt", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    pattern = R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})";
  }
  logger->set_formatter(
      std::make_unique<spdlog::pattern_formatter>(pattern, spdlog::pattern_time_type::utc));
  logger->set_level(to_spdlog(level));
  logger->flush_on(spdlog::level::trace);  // a crash loses nothing already logged
  install(std::move(logger), terminal ? Format::text : Format::json);
}

Current& get() {
  if (Current* c = current.load(std::memory_order_acquire)) return *c;
  std::lock_guard lock(setup_mutex);
  if (current.load() == nullptr) install_stderr(Level::info);
  return *current.load();
}

void append_text_value(std::string& out, std::string_view value) {
  const bool quote = value.empty() || value.find_first_of(" \t\"=") != std::string_view::npos;
  if (!quote) {
    out += value;
    return;
  }
  out += '"';
  append_json_escaped(out, value);
  out += '"';
}

}  // namespace

void use(std::shared_ptr<spdlog::logger> logger, Format format) {
  std::lock_guard lock(setup_mutex);
  install(std::move(logger), format);
}

void to_stderr(Level level) {
  std::lock_guard lock(setup_mutex);
  install_stderr(level);
}

void set_level(Level level) {
  get().logger->set_level(to_spdlog(level));
}

bool enabled(Level level) noexcept {
  return get().logger->should_log(to_spdlog(level));
}

std::optional<Level> parse_level(std::string_view name) noexcept {
  static constexpr std::string_view names[] = {"trace", "debug",    "info", "warn",
                                               "error", "critical", "off"};
  for (int i = 0; i < 7; ++i) {
    if (names[i] == name) return static_cast<Level>(i);
  }
  return std::nullopt;
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields) noexcept {
  Current& c = get();
  if (!c.logger->should_log(to_spdlog(level))) return;
  try {
    const bool json = c.format == Format::json;
    std::string line;
    if (json) {
      line = "\"msg\":\"";
      append_json_escaped(line, message);
      line += '"';
    } else {
      line = message;
    }
    for (const Field& f : fields) {
      line += json ? ",\"" : " ";
      line += f.key;
      line += json ? "\":" : "=";
      if (f.raw) {
        line += f.value;
      } else if (json) {
        line += '"';
        append_json_escaped(line, f.value);
        line += '"';
      } else {
        append_text_value(line, f.value);
      }
    }
    c.logger->log(to_spdlog(level), std::string_view(line));
  } catch (...) {
    // Logging must never take a handler or the server down.
  }
}

}  // namespace gbrt::log
