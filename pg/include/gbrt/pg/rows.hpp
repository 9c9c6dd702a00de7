// The rows a statement returned, read in place from libpq's result (text format), with
// typed accessors: text, integers, floating point, booleans, timestamps, jsonb, NULL.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include <gbrt/events/json_view.hpp>

struct pg_result;  // libpq's PGresult

namespace gbrt::pg {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// One value of one row. Typed reads answer nullopt for NULL and for text that is not of
// that type; text() is empty for NULL (is_null() tells the two apart).
class Field {
 public:
  Field(const pg_result* result, int row, int column) noexcept
      : result_(result), row_(row), column_(column) {}
  bool is_null() const noexcept;  // also for a row or column that does not exist
  std::string_view text() const noexcept;
  std::optional<std::int64_t> as_int() const noexcept;
  std::optional<double> as_double() const noexcept;
  std::optional<bool> as_bool() const noexcept;
  // timestamptz (any offset) or timestamp (taken as UTC), in DateStyle ISO (the default).
  std::optional<Timestamp> as_timestamp() const noexcept;
  // json or jsonb; escaped strings are unescaped into `arena`. Missing for NULL.
  events::JsonView as_json(events::StringArena& arena) const noexcept;

 private:
  bool exists() const noexcept;
  const pg_result* result_;
  int row_, column_;
};

class Rows {
 public:
  explicit Rows(pg_result* result) noexcept : result_(result) {}
  std::size_t size() const noexcept;  // rows
  std::size_t columns() const noexcept;
  // Rows an INSERT, UPDATE, DELETE, … touched (PQcmdTuples).
  std::uint64_t affected() const noexcept;
  Field at(std::size_t row, std::size_t column) const noexcept {
    return Field(result_.get(), int(row), int(column));
  }
  // The column named `name`; a NULL field when there is none.
  Field by_name(std::size_t row, const char* name) const noexcept;

 private:
  struct Clear {
    void operator()(pg_result* result) const noexcept;
  };
  std::unique_ptr<pg_result, Clear> result_;
};

}  // namespace gbrt::pg
