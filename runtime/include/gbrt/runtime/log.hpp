// gbrt's logging facade over spdlog: one line per call, as JSON (key/value fields) or text.
// The runtime and the server log through it; an embedder plugs in its own spdlog logger.
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <string_view>

namespace spdlog {
class logger;
}

namespace gbrt::log {

// The same order as spdlog's levels.
enum class Level { trace, debug, info, warn, error, critical, off };
enum class Format { json, text };

// One key/value of a line. `raw`: the value is JSON text already (an object, a number).
struct Field {
  std::string_view key;
  std::string_view value;
  bool raw = false;
};

// Lines go to `logger` (its sinks, level and flushing are the embedder's), each rendered as
// `format`: json gives the payload `"msg":…,"key":…` for a pattern such as
// {"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v}; text gives `msg key=value …`.
void use(std::shared_ptr<spdlog::logger> logger, Format format);
// The default, set up on first use: stderr, JSON lines, or text when stderr is a terminal.
void to_stderr(Level level = Level::info);
void set_level(Level level);
bool enabled(Level level) noexcept;
// "trace", "debug", "info", "warn", "error", "critical", "off".
std::optional<Level> parse_level(std::string_view name) noexcept;

// Writes one line when `level` is enabled. Never throws.
void write(Level level, std::string_view message,
           std::initializer_list<Field> fields = {}) noexcept;

inline void info(std::string_view message, std::initializer_list<Field> fields = {}) noexcept {
  write(Level::info, message, fields);
}
inline void warn(std::string_view message, std::initializer_list<Field> fields = {}) noexcept {
  write(Level::warn, message, fields);
}
inline void error(std::string_view message, std::initializer_list<Field> fields = {}) noexcept {
  write(Level::error, message, fields);
}

}  // namespace gbrt::log
