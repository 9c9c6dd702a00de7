// Arrays built in PostgreSQL's binary format arrive element for element: quotes,
// backslashes, braces, commas and NULLs included, as text and as jsonb.
#include <gbrt/pg/binary_array.hpp>

#include <gtest/gtest.h>

#include "pg/pg_testing.hpp"

namespace {

using gbrt::pg::BinaryArray;

struct PgBinaryArray : gbrt::test::ConnectedTest {};

TEST_F(PgBinaryArray, TextElementsArriveAsTheyWereAndNullsStayNull) {
  BinaryArray texts(gbrt::pg::kTextOid);
  texts.push(R"(a "quoted", {braced} \ value)");
  texts.push_null();
  texts.push("");
  EXPECT_EQ(texts.size(), 3u);
  std::vector<gbrt::pg::Param> params;
  params.push_back(std::move(texts).param());
  auto result = query(
      "SELECT t, t IS NULL FROM unnest($1::text[]) WITH ORDINALITY AS a(t, n) "
      "ORDER BY n",
      std::move(params));
  ASSERT_TRUE(result) << result.error().message;
  const auto& rows = result.value();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows.at(0, 0).text(), R"(a "quoted", {braced} \ value)");
  EXPECT_EQ(rows.at(1, 1).as_bool(), true);
  EXPECT_EQ(rows.at(2, 0).text(), "");
  EXPECT_EQ(rows.at(2, 1).as_bool(), false);
}

TEST_F(PgBinaryArray, JsonbElementsAreParsedByTheServer) {
  BinaryArray documents(gbrt::pg::kJsonbOid);
  documents.push_jsonb(R"({"a":"x\"y","n":[1,2.5]})");
  std::vector<gbrt::pg::Param> params;
  params.push_back(std::move(documents).param());
  auto result =
      query("SELECT j->>'a', j->'n'->>1 FROM unnest($1::jsonb[]) AS j", std::move(params));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result.value().at(0, 0).text(), "x\"y");
  EXPECT_EQ(result.value().at(0, 1).text(), "2.5");

  BinaryArray broken(gbrt::pg::kJsonbOid);
  broken.push_jsonb("{not json");
  std::vector<gbrt::pg::Param> bad;
  bad.push_back(std::move(broken).param());
  auto refused = query("SELECT count(*) FROM unnest($1::jsonb[])", std::move(bad));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().sqlstate.substr(0, 2), "22");
}

}  // namespace
