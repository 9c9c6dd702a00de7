// The event table's schema: created and recorded by migrate(), idempotent; check() names
// `gbrt-server --store-migrate` when it is missing or older.
#include <gbrt/pg/schema.hpp>

#include <gtest/gtest.h>

#include "pg/pg_testing.hpp"

namespace {

using gbrt::test::unique_table;

using gbrt::test::shared_cluster;

void expect_refused(const std::string& table, const std::string& words) {
  try {
    gbrt::pg::check_schema(shared_cluster().url(), table);
    ADD_FAILURE() << "check_schema accepted " << table;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

TEST(PgSchema, MissingIsAnErrorNamingTheMigrateCommand) {
  expect_refused(unique_table("missing"), "gbrt-server --store-migrate");
}

TEST(PgSchema, MigrateCreatesTheTableOnceAndIsIdempotent) {
  const std::string table = unique_table("events");
  EXPECT_NE(gbrt::pg::migrate(shared_cluster().url(), table).find("from schema version 0 to 1"),
            std::string::npos);
  EXPECT_NO_THROW(gbrt::pg::check_schema(shared_cluster().url(), table));
  EXPECT_NE(gbrt::pg::migrate(shared_cluster().url(), table).find("nothing to do"),
            std::string::npos);
  const std::string columns = shared_cluster().psql(
      "SELECT string_agg(column_name || ':' || data_type || ':' || is_nullable, ',' ORDER BY "
      "ordinal_position) FROM information_schema.columns WHERE table_name = '" +
      table + "'");
  EXPECT_EQ(columns,
            "event_id:text:NO,type:text:NO,received_at:timestamp with time zone:NO,"
            "event:jsonb:NO,environment:jsonb:YES\n");
}

TEST(PgSchema, AnOlderVersionIsRefusedUntilMigrated) {
  const std::string table = unique_table("older");
  gbrt::pg::migrate(shared_cluster().url(), table);
  shared_cluster().psql("UPDATE gbrt_schema SET version = 0 WHERE table_name = '" + table + "'");
  expect_refused(table, "run gbrt-server --store-migrate");
  gbrt::pg::migrate(shared_cluster().url(), table);
  EXPECT_NO_THROW(gbrt::pg::check_schema(shared_cluster().url(), table));
}

TEST(PgSchema, AnUnreachableServerIsNamed) {
  try {
    gbrt::pg::check_schema("postgresql://postgres@127.0.0.1:1/postgres", "gbrt_events");
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect to PostgreSQL"), std::string::npos);
  }
}

}  // namespace
