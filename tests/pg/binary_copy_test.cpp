// gbrt::pg::BinaryCopy through a real COPY … FROM STDIN (FORMAT binary): every field kind
// the event store writes, NULL and non-ASCII JSON included, reads back as it was sent.
#include <gbrt/pg/binary_copy.hpp>

#include <gtest/gtest.h>

#include "pg/pg_testing.hpp"

namespace {

using gbrt::pg::BinaryCopy;
using gbrt::test::run_on;
using gbrt::test::unique_table;

using PgBinaryCopy = gbrt::test::ConnectedTest;

TEST_F(PgBinaryCopy, EveryFieldKindIsCopiedAsSent) {
  const std::string table = unique_table("copy_kinds");
  ASSERT_TRUE(query("CREATE TABLE " + table +
                    " (id text PRIMARY KEY, at timestamptz, doc jsonb, env jsonb)"));
  BinaryCopy data;
  // 2026-12-01 12:34:56.789012 UTC
  const auto at =
      std::chrono::system_clock::time_point(std::chrono::microseconds(1'796'128'496'789'012));
  data.start_row(4);
  data.push("é \"quoted\"");
  data.push_timestamptz(at);
  data.push_jsonb(R"({"page":"crème brûlée ✓","n":1})");
  data.push_null();
  data.start_row(4);
  data.push("second");
  data.push_timestamptz(at);
  data.push_jsonb("[]");
  data.push_jsonb(R"({"environment":"prod"})");
  EXPECT_EQ(data.rows(), 2u);
  auto copied =
      run_on(shard.executor(), connection.copy_in("COPY " + table + " FROM STDIN (FORMAT binary)",
                                                  std::move(data).finish()));
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(copied.value(), 2u);
  auto rows = query(
      "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), "
      "doc->>'page', env IS NULL, env->>'environment' FROM " +
      table + " ORDER BY id = 'second'");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows.value().size(), 2u);
  EXPECT_EQ(rows.value().at(0, 0).text(), "é \"quoted\"");
  EXPECT_EQ(rows.value().at(0, 1).text(), "2026-12-01 12:34:56.789012");
  EXPECT_EQ(rows.value().at(0, 2).text(), "crème brûlée ✓");
  EXPECT_TRUE(rows.value().at(0, 3).as_bool());
  EXPECT_EQ(rows.value().at(1, 0).text(), "second");
  EXPECT_EQ(rows.value().at(1, 4).text(), "prod");
}

}  // namespace
