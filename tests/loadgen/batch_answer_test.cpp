#include "batch_answer.hpp"

#include <gtest/gtest.h>

namespace {

using gbrt::loadgen::BatchLines;
using gbrt::loadgen::read_batch_answer;

TEST(BatchAnswer, CountsAcceptedShedAndRejectedLines) {
  BatchLines lines;
  ASSERT_TRUE(read_batch_answer(
      R"({"accepted":7,"rejected":[{"line":2,"status":503,"error":"Overloaded"},)"
      R"({"line":5,"status":400,"error":"bad \"status\":503"},{"line":9,"status":503,"error":""}]})",
      lines));
  EXPECT_EQ(lines.accepted, 7u);
  EXPECT_EQ(lines.shed, 2u);
  EXPECT_EQ(lines.rejected, 1u);

  BatchLines all_shed;
  ASSERT_TRUE(read_batch_answer(
      R"({"error":"No line handled","accepted":0,"rejected":[{"line":1,"status":503,"error":"x"}]})",
      all_shed));
  EXPECT_EQ(all_shed.shed, 1u);
}

TEST(BatchAnswer, AnythingElseIsNotABatchAnswer) {
  BatchLines lines;
  EXPECT_FALSE(read_batch_answer("OK", lines));
  EXPECT_FALSE(read_batch_answer(R"({"error":"Too many connections, retry later"})", lines));
  EXPECT_FALSE(read_batch_answer(R"({"accepted":1,"rejected":[{"line":1}]})", lines));
  EXPECT_EQ(lines.accepted, 0u);
}

}  // namespace
