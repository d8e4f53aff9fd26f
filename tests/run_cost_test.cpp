// predicted_run_seconds: the estimator's calibrated seconds where it has them
// for the run's problem and learner (capped at the budget), else the budget,
// else 1 s.
#include "hardnets/lab/run_cost.h"

#include <cmath>

#include <gtest/gtest.h>

#include "hardnets/lab/estimate.h"
#include "hardnets/lab/sweep_spec.h"

namespace hardnets {
namespace {

const char* kSpec = R"(
[sweep]
name = "cost"
n_train = 200
n_test = 10
[[problems]]
name = "lwe"
[[problems]]
name = "teacher"
params = { d = 4, width = 2 }
[[learners]]
name = "lll_primal"
problems = ["lwe"]
[[learners]]
name = "lll_primal"
params = { reducer = "bkz" }
budget = { seconds = 0.1 }
problems = ["lwe"]
[[learners]]
name = "mean"
budget = { seconds = 7 }
problems = ["lwe"]
[[learners]]
name = "ridge"
problems = ["teacher"]
)";

// The estimator's seconds for lll_primal's attack on lwe at these sizes.
double lwe_primal_seconds() {
  EstimateRequest request;
  request.problem = "lwe";
  request.n_train = 200;
  for (const AttackEstimate& a : estimate_costs(request).attacks) {
    if (a.learner == "lll_primal") return a.seconds;
  }
  return NAN;
}

TEST(RunCost, EstimateThenBudgetThenOneSecond) {
  const SweepPlan plan = parse_sweep(kSpec, "cost.toml");
  ASSERT_EQ(plan.runs.size(), 4u);
  const double estimated = lwe_primal_seconds();
  ASSERT_TRUE(std::isfinite(estimated) && estimated > 0.1) << estimated;
  // lll_primal on lwe, no budget: the estimator's seconds.
  EXPECT_DOUBLE_EQ(predicted_run_seconds(plan.runs[0]), estimated);
  // The same with a budget below the estimate: the run is stopped there.
  EXPECT_DOUBLE_EQ(predicted_run_seconds(plan.runs[1]), 0.1);
  // No model for mean: its budget.
  EXPECT_DOUBLE_EQ(predicted_run_seconds(plan.runs[2]), 7.0);
  // teacher has a model, but of exact_relu, not ridge; no budget: 1 s.
  EXPECT_DOUBLE_EQ(predicted_run_seconds(plan.runs[3]), 1.0);
}

TEST(RunCost, ExactReluOnTeacherUsesItsPatternCount) {
  const SweepPlan plan = parse_sweep(R"(
[sweep]
name = "exact"
n_train = 12
n_test = 10
budget = { seconds = 1e9 }
[[problems]]
name = "teacher"
params = { d = 2, width = 1 }
[[learners]]
name = "exact_relu"
)",
                                     "exact.toml");
  ASSERT_EQ(plan.runs.size(), 1u);
  EstimateRequest request;
  request.problem = "teacher";
  request.problem_params = plan.runs[0].instance.params.to_json();
  request.n_train = 12;
  const EstimateReport report = estimate_costs(request);
  ASSERT_EQ(report.attacks.size(), 1u);
  ASSERT_TRUE(std::isfinite(report.attacks[0].seconds));
  EXPECT_DOUBLE_EQ(predicted_run_seconds(plan.runs[0]), report.attacks[0].seconds);
}

}  // namespace
}  // namespace hardnets
