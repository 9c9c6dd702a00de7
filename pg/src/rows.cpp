#include <gbrt/pg/rows.hpp>

#include <libpq-fe.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>

namespace gbrt::pg {

namespace {

template <class T>
std::optional<T> parse_number(std::string_view text) noexcept {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

// libpq prints a notice for a row or column out of range: asked here first.
bool Field::exists() const noexcept {
  return row_ >= 0 && column_ >= 0 && row_ < PQntuples(result_) && column_ < PQnfields(result_);
}

bool Field::is_null() const noexcept {
  return !exists() || PQgetisnull(result_, row_, column_) != 0;
}

std::string_view Field::text() const noexcept {
  if (!exists()) return {};
  return {PQgetvalue(result_, row_, column_), std::size_t(PQgetlength(result_, row_, column_))};
}

std::optional<std::int64_t> Field::as_int() const noexcept {
  return parse_number<std::int64_t>(text());
}

std::optional<double> Field::as_double() const noexcept {
  const std::string_view t = text();
  // PostgreSQL spells these out; from_chars wants its own spelling.
  if (t == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (t == "Infinity") return std::numeric_limits<double>::infinity();
  if (t == "-Infinity") return -std::numeric_limits<double>::infinity();
  return parse_number<double>(t);
}

std::optional<bool> Field::as_bool() const noexcept {
  const std::string_view t = text();
  if (t == "t") return true;
  if (t == "f") return false;
  return std::nullopt;
}

// "2024-03-05 10:11:12.345678+05:30", fraction and offset optional.
std::optional<Timestamp> Field::as_timestamp() const noexcept {
  const std::string_view t = text();
  if (t.size() < 19 || t[4] != '-' || t[10] != ' ') return std::nullopt;
  auto year = parse_number<int>(t.substr(0, 4));
  auto month = parse_number<unsigned>(t.substr(5, 2));
  auto day = parse_number<unsigned>(t.substr(8, 2));
  auto hour = parse_number<int>(t.substr(11, 2));
  auto minute = parse_number<int>(t.substr(14, 2));
  auto second = parse_number<int>(t.substr(17, 2));
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  std::size_t at = 19;
  std::int64_t micros = 0;
  if (at < t.size() && t[at] == '.') {
    std::size_t digits = 0;
    for (++at; at < t.size() && t[at] >= '0' && t[at] <= '9'; ++at, ++digits) {
      if (digits < 6) micros = micros * 10 + (t[at] - '0');
    }
    for (; digits < 6; ++digits) micros *= 10;
  }
  std::chrono::seconds offset{0};
  if (at < t.size()) {
    if (t[at] != '+' && t[at] != '-') return std::nullopt;
    const int sign = t[at] == '-' ? -1 : 1;
    auto hours = parse_number<int>(t.substr(at + 1, 2));
    if (!hours) return std::nullopt;
    int minutes = 0;
    if (at + 3 < t.size()) {
      auto m = t.size() >= at + 6 && t[at + 3] == ':' ? parse_number<int>(t.substr(at + 4, 2))
                                                      : std::nullopt;
      if (!m) return std::nullopt;
      minutes = *m;
    }
    offset = std::chrono::seconds(sign * (*hours * 3600 + minutes * 60));
  }
  const std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(*month),
                                         std::chrono::day(*day)};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
         std::chrono::seconds(*second) - offset + std::chrono::microseconds(micros);
}

events::JsonView Field::as_json(events::StringArena& arena) const noexcept {
  if (is_null()) return {};
  return events::JsonView(text(), &arena);
}

void Rows::Clear::operator()(pg_result* result) const noexcept {
  PQclear(result);
}

std::size_t Rows::size() const noexcept {
  return std::size_t(PQntuples(result_.get()));
}

std::size_t Rows::columns() const noexcept {
  return std::size_t(PQnfields(result_.get()));
}

std::uint64_t Rows::affected() const noexcept {
  const char* text = PQcmdTuples(result_.get());
  std::uint64_t n = 0;
  std::from_chars(text, text + std::strlen(text), n);
  return n;
}

Field Rows::by_name(std::size_t row, const char* name) const noexcept {
  return Field(result_.get(), int(row), PQfnumber(result_.get(), name));
}

}  // namespace gbrt::pg
