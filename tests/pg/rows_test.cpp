// Typed reads of every supported type, and NULLs, from a real PostgreSQL 15.
#include <gbrt/pg/rows.hpp>

#include <chrono>
#include <cmath>

#include <gtest/gtest.h>

#include <gbrt/events/string_arena.hpp>
#include <gbrt/pg/connection.hpp>

#include "pg/pg_testing.hpp"

namespace {

using gbrt::pg::Result;
using gbrt::pg::Rows;
using namespace std::chrono;

struct PgRows : gbrt::test::ConnectedTest {
  Rows rows_of(std::string sql) {
    Result<Rows> result = query(std::move(sql));
    if (!result) throw std::runtime_error(result.error().sqlstate + " " + result.error().message);
    return std::move(result).value();
  }
};

TEST_F(PgRows, ReadsEveryTypeInPlace) {
  Rows rows = rows_of(
      "SELECT 'héllo'::text, 9007199254740993::int8, -7::int4, 2.5::float8, true, false, "
      "'2024-03-05 10:11:12.345678+05:30'::timestamptz, '2024-03-05 10:11:12'::timestamp, "
      "'{\"a\": [1, \"x\\\"y\"], \"b\": null}'::jsonb, 'NaN'::float8, '-Infinity'::float8");
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows.columns(), 11u);
  EXPECT_EQ(rows.at(0, 0).text(), "héllo");
  EXPECT_EQ(rows.at(0, 1).as_int(), 9007199254740993);
  EXPECT_EQ(rows.at(0, 2).as_int(), -7);
  EXPECT_EQ(rows.at(0, 3).as_double(), 2.5);
  EXPECT_EQ(rows.at(0, 4).as_bool(), true);
  EXPECT_EQ(rows.at(0, 5).as_bool(), false);
  const auto expected = sys_days(year(2024) / 3 / 5) + hours(10) + minutes(11) + seconds(12) +
                        microseconds(345678) - hours(5) - minutes(30);
  EXPECT_EQ(rows.at(0, 6).as_timestamp(), expected);
  EXPECT_EQ(rows.at(0, 7).as_timestamp(),
            sys_days(year(2024) / 3 / 5) + hours(10) + minutes(11) + seconds(12));
  gbrt::events::StringArena arena;
  auto json = rows.at(0, 8).as_json(arena);
  EXPECT_EQ(json["a"][std::size_t(0)].get_int64(), 1);
  EXPECT_EQ(json["a"][std::size_t(1)].get_string(), "x\"y");
  EXPECT_TRUE(json["b"].is_null());
  EXPECT_TRUE(std::isnan(*rows.at(0, 9).as_double()));
  EXPECT_EQ(rows.at(0, 10).as_double(), -std::numeric_limits<double>::infinity());
}

TEST_F(PgRows, NullIsNullForEveryAccessor) {
  Rows rows = rows_of("SELECT NULL::text AS t, NULL::int AS i, NULL::jsonb AS j, ''::text AS e");
  EXPECT_TRUE(rows.by_name(0, "t").is_null());
  EXPECT_EQ(rows.by_name(0, "t").text(), "");
  EXPECT_EQ(rows.by_name(0, "i").as_int(), std::nullopt);
  EXPECT_EQ(rows.by_name(0, "i").as_double(), std::nullopt);
  EXPECT_EQ(rows.by_name(0, "i").as_bool(), std::nullopt);
  EXPECT_EQ(rows.by_name(0, "i").as_timestamp(), std::nullopt);
  gbrt::events::StringArena arena;
  EXPECT_TRUE(rows.by_name(0, "j").as_json(arena).is_missing());
  EXPECT_FALSE(rows.by_name(0, "e").is_null());  // an empty string is not NULL
  EXPECT_TRUE(rows.by_name(0, "no_such_column").is_null());
}

TEST_F(PgRows, WrongTypesAreNotGuessed) {
  Rows rows = rows_of("SELECT 'abc'::text, '12abc'::text, 'yes'::text, '2.5'::text");
  EXPECT_EQ(rows.at(0, 0).as_int(), std::nullopt);
  EXPECT_EQ(rows.at(0, 1).as_int(), std::nullopt);
  EXPECT_EQ(rows.at(0, 2).as_bool(), std::nullopt);
  EXPECT_EQ(rows.at(0, 3).as_int(), std::nullopt);
  EXPECT_EQ(rows.at(0, 3).as_double(), 2.5);
  EXPECT_EQ(rows.at(0, 0).as_timestamp(), std::nullopt);
}

TEST_F(PgRows, CountsAffectedRows) {
  rows_of("CREATE TEMP TABLE t (x int)");
  EXPECT_EQ(rows_of("INSERT INTO t SELECT generate_series(1, 5)").affected(), 5u);
  EXPECT_EQ(rows_of("DELETE FROM t WHERE x > 3").affected(), 2u);
}

}  // namespace
