// Versioned schema of the event table. Version 1: the table and its primary key.
// An upgrade is one more step in kSteps; each runs once, in order, in one transaction.
#include <gbrt/pg/schema.hpp>

#include <libpq-fe.h>

#include <memory>
#include <stdexcept>

#include "identifier.hpp"

namespace gbrt::pg {

namespace {

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

// The SQL that takes a table from version i to i + 1 ("%T": the quoted table name).
const char* const kSteps[] = {
    "CREATE TABLE IF NOT EXISTS %T (event_id text PRIMARY KEY, type text NOT NULL, "
    "received_at timestamptz NOT NULL, event jsonb NOT NULL, environment jsonb)",
};
static_assert(std::size(kSteps) == kSchemaVersion);

constexpr const char* kVersions =
    "CREATE TABLE IF NOT EXISTS gbrt_schema (table_name text PRIMARY KEY, version int NOT NULL)";

Connection connect(const std::string& url) {
  Connection conn(PQconnectdb(url.c_str()), &PQfinish);
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);  // "skipping", …
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn.get());
    while (!message.empty() && message.back() == '\n') message.pop_back();
    throw std::runtime_error("cannot connect to PostgreSQL (--store): " + message);
  }
  return conn;
}

Result run(PGconn* conn, const std::string& sql, const std::string& parameter = {}) {
  const char* values[] = {parameter.c_str()};
  Result result(PQexecParams(conn, sql.c_str(), parameter.empty() ? 0 : 1, nullptr, values, nullptr,
                             nullptr, 0),
                &PQclear);
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string message = PQresultErrorMessage(result.get());
    while (!message.empty() && message.back() == '\n') message.pop_back();
    throw std::runtime_error(message + " (in: " + sql + ")");
  }
  return result;
}

// The table's recorded version; 0 when it has none (or gbrt_schema does not exist).
int version_of(PGconn* conn, const std::string& table) {
  Result exists = run(conn, "SELECT to_regclass('gbrt_schema') IS NOT NULL");
  if (std::string_view(PQgetvalue(exists.get(), 0, 0)) != "t") return 0;
  Result row = run(conn, "SELECT version FROM gbrt_schema WHERE table_name = $1", table);
  return PQntuples(row.get()) == 0 ? 0 : std::stoi(PQgetvalue(row.get(), 0, 0));
}

std::string with_table(std::string sql, const std::string& quoted) {
  for (std::size_t at; (at = sql.find("%T")) != std::string::npos;) sql.replace(at, 2, quoted);
  return sql;
}

}  // namespace

std::string migrate(const std::string& url, const std::string& table) {
  Connection conn = connect(url);
  run(conn.get(), "BEGIN");
  // One migration at a time, whichever process runs it.
  run(conn.get(), "SELECT pg_advisory_xact_lock(hashtext('gbrt_schema'))");
  run(conn.get(), kVersions);
  const int from = version_of(conn.get(), table);
  if (from > kSchemaVersion) {
    throw std::runtime_error("table " + table + " is at schema version " + std::to_string(from) +
                             ", newer than this gbrt's " + std::to_string(kSchemaVersion));
  }
  const std::string quoted = quote_identifier(table);
  for (int step = from; step < kSchemaVersion; ++step) {
    run(conn.get(), with_table(kSteps[step], quoted));
  }
  run(conn.get(),
      "INSERT INTO gbrt_schema (table_name, version) VALUES ($1, " +
          std::to_string(kSchemaVersion) +
          ") ON CONFLICT (table_name) DO UPDATE SET version = EXCLUDED.version",
      table);
  run(conn.get(), "COMMIT");
  if (from == kSchemaVersion) {
    return "table " + table + " is at schema version " + std::to_string(from) + ", nothing to do";
  }
  return "table " + table + " migrated from schema version " + std::to_string(from) + " to " +
         std::to_string(kSchemaVersion);
}

void check_schema(const std::string& url, const std::string& table) {
  Connection conn = connect(url);
  const int version = version_of(conn.get(), table);
  if (version == kSchemaVersion) return;
  if (version > kSchemaVersion) {
    throw std::runtime_error("table " + table + " is at schema version " + std::to_string(version) +
                             ", newer than this gbrt's " + std::to_string(kSchemaVersion) +
                             ": upgrade gbrt");
  }
  throw std::runtime_error(
      (version == 0 ? "table " + table + " has no gbrt schema"
                    : "table " + table + " is at schema version " + std::to_string(version) +
                          ", older than " + std::to_string(kSchemaVersion)) +
      ": run gbrt-server --store-migrate (with the same --store and --store-table)");
}

}  // namespace gbrt::pg
