// Tests for the exact two-layer D-NNT solvers dnnt_dp (pseudo-polynomial DP)
// and dnnt_mip (MILP on CBC): both agree with dnnt_brute and with plain
// enumeration on hundreds of random tiny instances (shared and per-parameter
// domains, domains without 0, square and l1 loss, arbitrary labels), every
// returned network re-verifies exactly, and bad tasks give clear errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hardnets/contracts/dnnt_instance.h"
#include "hardnets/core/error.h"
#include "hardnets/core/rng.h"
#include "hardnets/learners/dnnt_dp.h"
#include "hardnets/problems/dnnt_problems.h"
#include "test_util.h"

namespace hardnets::dnnt {
namespace {

using hardnets::testing::enumerate_all;

Fit run(const std::string& learner_name, const DnntInstance& inst,
        const std::vector<std::string>& args = {},
        double time_limit = std::numeric_limits<double>::infinity()) {
  const Learner& learner = learner_registry().get(learner_name);
  LearnerContext ctx;
  ctx.task = inst.to_task();
  ctx.time_limit_seconds = time_limit;
  return learner.fit(inst.dataset(), learner.spec().resolve(args), ctx);
}

std::int64_t draw(Rng& rng, std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(rng.uniform_int(static_cast<std::uint64_t>(hi - lo + 1)));
}

// A random tiny two-layer instance: n ≤ 4 points, d ≤ 2, width ≤ 2, domains
// with and without 0 (shared, or drawn per parameter), data in [−2, 2],
// arbitrary labels in [−4, 4] (so the optimum is usually positive).
DnntInstance random_instance(Rng& rng) {
  static const std::vector<std::vector<std::int64_t>> kDomains = {
      {-1, 0, 1}, {-2, 0, 1, 3}, {0, 1}, {1, 2}, {-1, 1}, {-3, 2}};
  DnntInstance inst;
  inst.d = static_cast<int>(draw(rng, 1, 2));
  inst.hidden = {static_cast<int>(draw(rng, 1, 2))};
  const auto n = static_cast<std::size_t>(draw(rng, 1, 4));
  inst.X.assign(n, std::vector<std::int64_t>(static_cast<std::size_t>(inst.d)));
  for (auto& row : inst.X)
    for (auto& v : row) v = draw(rng, -2, 2);
  inst.y.resize(n);
  for (auto& v : inst.y) v = draw(rng, -4, 4);
  inst.loss = rng.uniform_int(2) == 0 ? Loss::kSquare : Loss::kL1;
  inst.set_shared_domain(kDomains[rng.uniform_int(kDomains.size())]);
  if (rng.uniform_int(3) == 0) {
    inst.shared_domain = false;
    for (auto& D : inst.domains) D = kDomains[rng.uniform_int(kDomains.size())];
  }
  inst.validate();
  return inst;
}

std::string opt_loss(const Fit& fit) {
  return fit.output.at("opt_loss").get<std::string>();
}

void expect_certified(const DnntInstance& inst, const Fit& fit, const std::string& what) {
  EXPECT_EQ(fit.status, Outcome::ok) << what << ": " << fit.message;
  EXPECT_TRUE(fit.output.at("optimal").get<bool>()) << what;
  const Verification v = verify_output(inst, fit.output);
  EXPECT_TRUE(v.ok) << what << ": " << v.message;
}

TEST(DnntDp, EqualsBruteForceAndEnumerationOn300RandomInstances) {
  Rng rng(8, stream_id("dnnt_dp_test"));
  int positive = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const DnntInstance inst = random_instance(rng);
    const std::string what = "trial " + std::to_string(trial) + ": " + inst.to_json().dump();
    const Fit dp = run("dnnt_dp", inst);
    const Fit brute = run("dnnt_brute", inst);
    expect_certified(inst, dp, what);
    expect_certified(inst, brute, what);
    const mpz_class reference = enumerate_all(inst);
    ASSERT_EQ(opt_loss(dp), reference.get_str()) << what;
    ASSERT_EQ(opt_loss(brute), reference.get_str()) << what;
    positive += reference > 0;
  }
  EXPECT_GT(positive, 100);  // the comparison is not just "both find a perfect fit"
}

TEST(DnntMip, EqualsDpOn200RandomInstances) {
  Rng rng(9, stream_id("dnnt_mip_test"));
  for (int trial = 0; trial < 200; ++trial) {
    const DnntInstance inst = random_instance(rng);
    const std::string what = "trial " + std::to_string(trial) + ": " + inst.to_json().dump();
    const Fit dp = run("dnnt_dp", inst);
    // Cuts on for a few (CBC's defaults), off for the rest (faster on tiny models).
    const Fit mip = run("dnnt_mip", inst, {trial % 25 == 0 ? "cuts=true" : "cuts=false"});
    expect_certified(inst, mip, what);
    ASSERT_EQ(opt_loss(mip), opt_loss(dp)) << what;
  }
}

TEST(DnntDp, WiderAndLargerDomainsAgreeWithBruteForce) {
  // Units beyond 2 exercise the doubling tree (k = 3: one unit ⊕ a pair;
  // k = 4: pair ⊕ pair shared); larger values exercise the bitset sums.
  Rng rng(10, stream_id("dnnt_dp_wide"));
  for (int trial = 0; trial < 40; ++trial) {
    DnntInstance inst;
    inst.d = 1;
    inst.hidden = {static_cast<int>(draw(rng, 3, 4))};
    const auto n = static_cast<std::size_t>(draw(rng, 2, 3));
    inst.X.assign(n, {0});
    for (auto& row : inst.X) row[0] = draw(rng, -5, 5);
    inst.y.resize(n);
    for (auto& v : inst.y) v = draw(rng, -20, 20);
    inst.loss = trial % 2 == 0 ? Loss::kSquare : Loss::kL1;
    inst.set_shared_domain(trial % 3 == 0 ? std::vector<std::int64_t>{-3, 1, 2}
                                          : std::vector<std::int64_t>{-2, 0, 3});
    const Fit dp = run("dnnt_dp", inst);
    const Fit brute = run("dnnt_brute", inst);
    expect_certified(inst, dp, "trial " + std::to_string(trial));
    ASSERT_EQ(opt_loss(dp), opt_loss(brute)) << "trial " << trial << ": " << inst.to_json().dump();
  }
}

TEST(DnntDp, FallbacksAgreeWithTheFastPath) {
  // A tiny memory budget forces sort-based Minkowski sums and the pairwise
  // root scan instead of bitsets and the distance transform.
  Rng rng(11, stream_id("dnnt_dp_fallback"));
  for (int trial = 0; trial < 60; ++trial) {
    const DnntInstance inst = random_instance(rng);
    DpOptions small;
    small.max_memory_mb = 1e-6;
    const DpResult slow = solve_two_layer_dp(inst, small);
    const DpResult fast = solve_two_layer_dp(inst, DpOptions{});
    EXPECT_FALSE(slow.stats.distance_transform);
    ASSERT_EQ(slow.loss, fast.loss) << "trial " << trial << ": " << inst.to_json().dump();
    EXPECT_EQ(inst.total_loss(slow.theta), mpz_class(std::to_string(slow.loss)));
  }
}

TEST(DnntDp, PlantedTargetInstanceIsSolvedQuickly) {
  // The performance target's shape (n = 3, k = 8, d = 8, W = {−1, 0, 1}, data
  // in [−2, 2]); a planted network so the optimum is 0. The time bound here is
  // loose (docs/performance.md has the measured figure).
  const Problem& problem = problem_registry().get("dnnt_random");
  const Instance instance =
      problem.generate(problem.spec().resolve(std::vector<std::string>{
                           "n=3", "d=8", "width=8", "domain=-1,0,1", "data=2", "flips=1"}),
                       5, {}, {});
  const DnntInstance inst = DnntInstance::from_task(instance.task, instance.train);
  DpOptions options;
  options.time_limit_seconds = 60;
  const DpResult result = solve_two_layer_dp(inst, options);
  ASSERT_FALSE(result.timed_out);
  EXPECT_LE(result.loss, 1);
  EXPECT_EQ(inst.total_loss(result.theta), mpz_class(std::to_string(result.loss)));
  // The judge re-verifies the learner's output.
  LearnerContext ctx;
  ctx.task = instance.task;
  const Learner& dp = learner_registry().get("dnnt_dp");
  const Fit fit = dp.fit(instance.train, dp.spec().defaults(), ctx);
  const Metrics m = problem.judge(instance, fit);
  EXPECT_EQ(m.at("verified"), 1.0);
  EXPECT_EQ(m.at("success"), 1.0);
}

TEST(DnntDp, TimeLimitGivesTimeoutStatus) {
  const Problem& problem = problem_registry().get("dnnt_random");
  const Instance instance =
      problem.generate(problem.spec().resolve(std::vector<std::string>{"n=4", "d=8", "width=8",
                                                                       "domain=-1,0,1", "data=2"}),
                       1, {}, {});
  const DnntInstance inst = DnntInstance::from_task(instance.task, instance.train);
  const Fit fit = run("dnnt_dp", inst, {}, 1e-3);
  EXPECT_EQ(fit.status, Outcome::time_limit);
  EXPECT_EQ(fit.predictor, nullptr);
}

TEST(DnntMip, TimeLimitStillReturnsAVerifiedNetwork) {
  // The least-magnitude network is CBC's MIP start, so a stopped search still
  // returns a network whose (upper-bound) loss re-verifies.
  const Problem& problem = problem_registry().get("dnnt_random");
  const Instance instance =
      problem.generate(problem.spec().resolve(std::vector<std::string>{
                           "n=6", "d=3", "width=4", "domain=-2..2", "data=3", "flips=3"}),
                       2, {}, {});
  const DnntInstance inst = DnntInstance::from_task(instance.task, instance.train);
  const Fit fit = run("dnnt_mip", inst, {"cuts=false"}, 1e-3);
  EXPECT_TRUE(fit.status == Outcome::time_limit || fit.status == Outcome::ok) << fit.status;
  if (fit.status == Outcome::time_limit) {
    EXPECT_FALSE(fit.output.at("optimal").get<bool>());
    EXPECT_NE(fit.message.find("upper bound"), std::string::npos) << fit.message;
  }
  EXPECT_TRUE(verify_output(inst, fit.output).ok);
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(DnntSolvers, BadTasksGiveClearErrors) {
  DnntInstance inst;
  inst.d = 1;
  inst.hidden = {2, 2};  // three layers
  inst.set_shared_domain({-1, 0, 1});
  inst.X = {{1}, {2}};
  inst.y = {1, 0};
  EXPECT_NE(error_of([&] { run("dnnt_dp", inst); }).find("two-layer"), std::string::npos);
  EXPECT_NE(error_of([&] { run("dnnt_mip", inst); }).find("two-layer"), std::string::npos);

  // A task that is not a D-NNT instance at all, or lacks its domain.
  const Learner& dp = learner_registry().get("dnnt_dp");
  LearnerContext ctx;
  ctx.task = Json::object();
  const std::string empty = error_of([&] { dp.fit(inst.dataset(), dp.spec().defaults(), ctx); });
  EXPECT_NE(empty.find("dnnt instance"), std::string::npos) << empty;
  inst.hidden = {2};
  ctx.task = inst.to_task();
  ctx.task.erase("domain");
  const std::string nodomain = error_of([&] { dp.fit(inst.dataset(), dp.spec().defaults(), ctx); });
  EXPECT_NE(nodomain.find("dnnt instance"), std::string::npos) << nodomain;

  // Data that are not integers, or of the wrong dimension.
  ctx.task = inst.to_task();
  Dataset data = inst.dataset();
  data.X(0, 0) = 0.5;
  const std::string fractional = error_of([&] { dp.fit(data, dp.spec().defaults(), ctx); });
  EXPECT_NE(fractional.find("dnnt instance"), std::string::npos) << fractional;
  Dataset wide;
  wide.X = Matrix::Zero(2, 3);
  wide.y = Vector::Zero(2);
  EXPECT_NE(error_of([&] { dp.fit(wide, dp.spec().defaults(), ctx); }).find("dnnt instance"),
            std::string::npos);

  // The MIP refuses what a floating-point solver cannot do exactly.
  DnntInstance big = inst;
  big.set_shared_domain({-1000, 0, 1000});
  big.X = {{1000}, {-1000}};
  big.y = {5, 7};
  const std::string magnitude = error_of([&] { run("dnnt_mip", big); });
  EXPECT_NE(magnitude.find("max_magnitude"), std::string::npos) << magnitude;
  big.set_shared_domain({-30, 0, 30});
  big.X = {{30}, {-30}};
  const std::string cuts = error_of([&] { run("dnnt_mip", big, {"max_square_cuts=1000"}); });
  EXPECT_NE(cuts.find("max_square_cuts"), std::string::npos) << cuts;
  big.loss = Loss::kL1;  // l1 needs no cuts
  const Fit l1 = run("dnnt_mip", big, {"cuts=false"});
  EXPECT_EQ(opt_loss(l1), opt_loss(run("dnnt_dp", big)));
}

}  // namespace
}  // namespace hardnets::dnnt
