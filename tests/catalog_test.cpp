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
  // The cost models `hardnets estimate` has: exact_relu's pattern count for
  // the teacher, none for natural_ksat.
  EXPECT_EQ(teacher["estimates"], Json{"exact_relu"});
  EXPECT_EQ(describe("natural_ksat")["estimates"], Json::array());
  // What to cite, and whether the construction is the paper's.
  EXPECT_EQ(teacher["references"][0]["key"], "daniely2020natural");
  EXPECT_EQ(describe("prg_depth3")["construction"]["source"], "reconstruction");
  EXPECT_EQ(describe("lwe")["construction"]["source"], "paper");
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
