#include "hardnets/lab/catalog.h"

#include <gtest/gtest.h>

#include "hardnets/learners/learner.h"
#include "hardnets/problems/problem.h"
#include "test_util.h"

namespace hardnets {
namespace {

TEST(Catalog, DescribesProblemsAndLearners) {
  const Json teacher = describe("teacher");
  EXPECT_EQ(teacher["name"], "teacher");
  EXPECT_EQ(teacher["kind"], "problem");
  EXPECT_FALSE(teacher["summary"].get<std::string>().empty());
  EXPECT_EQ(teacher["params"], problem_registry().get("teacher").spec().describe());
  // The cost models `hardnets estimate` has: none for the teacher yet.
  EXPECT_EQ(teacher["estimates"], Json::array());
  EXPECT_EQ(describe("clwe")["estimates"], (Json{"primal_usvp", "relation"}));
  EXPECT_EQ(describe("sparse_parity")["estimates"],
            (Json{"elimination", "exhaustive", "bkw", "sgd"}));
  const Json sgd = describe("sgd");
  EXPECT_EQ(sgd["kind"], "learner");
  EXPECT_FALSE(sgd.contains("estimates"));
  EXPECT_EQ(sgd["params"], learner_registry().get("sgd").spec().describe());
}

TEST(Catalog, UnknownNamesListTheProblems) {
  EXPECT_CONTAINS(testing::user_error([] { describe("nope"); }),
                  "unknown problem 'nope'; known problems: ");
}

}  // namespace
}  // namespace hardnets
