// Tests of the skeleton the lattice attacks share (learners/lattice_attack.h)
// on a case small enough to check by hand: d = 1, inputs x_i = i, γ = 2, and
// labels z = γx mod 1 = 0 (CLWE) or y = tri(γx) = 0 (periodic). The attack's
// "lattice" is two samples (x = 1, 2); the remaining 64 rows are held out.
// Two candidate rows are offered: the planted lifts u = γx = (2, 4), giving
// s = 2, and a wrong u = (2.5, 5), giving s = 2.5, whose phase 2.5x mod 1
// alternates between 0 and 1/2 on the held-out integers: circular score 0
// (against 1 for s = 2) and tri mse 1/8 (against 0).
#include <cmath>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "hardnets/learners/lattice_attack.h"

namespace hardnets::lattice {
namespace {

constexpr int kRows = 66;  // 2 in the lattice, 64 held out

Dataset integers() {
  Dataset train;
  train.X.resize(kRows, 1);
  train.y = Vector::Zero(kRows);
  for (int i = 0; i < kRows; ++i) train.X(i, 0) = i + 1;
  return train;
}

AttackTask clwe_task() {
  AttackTask task;
  task.family = AttackTask::Family::kClwe;
  task.gamma = 2.0;
  task.noise = 0.0;
  return task;
}

AttackTask tri_task() {
  AttackTask task = clwe_task();
  task.family = AttackTask::Family::kPeriodic;
  task.link = periodic::Link::kTri;
  return task;
}

Vector lifts(double s) {
  Vector u(2);
  u << s * 1.0, s * 2.0;
  return u;
}

// Row 0: the wrong candidate; row 1: not of the planted shape; row 2: the planted one.
std::optional<Candidate> reader(const IntBasis&, int row) {
  if (row == 0) return Candidate{lifts(2.5), 0.0};
  if (row == 2) return Candidate{lifts(2.0), 0.0};
  return std::nullopt;
}

Attack tiny_attack(const Dataset& train) {
  Attack attack(3, 3);
  for (int i = 0; i < 3; ++i) attack.basis[i][i] = 1L;
  attack.used = {0, 1};
  attack.X = train.X.topRows(2);
  attack.read_row = reader;
  attack.extra["marker"] = 7.0;
  return attack;
}

// s is the least-squares fit of exact data: equal to the planted value up to
// rounding (QR of a 2 × 1 matrix, a few ulps), so 1e-12 suffices everywhere.
constexpr double kTol = 1e-12;

TEST(LatticeAttackSkeleton, HeldOutScoreIsCircularForClweAndMseForLabels) {
  const Dataset train = integers();
  const HeldOut check = held_out(train, {0, 1}, kHeldOutRows);
  ASSERT_EQ(check.size(), 64);
  EXPECT_NEAR(held_out_score(clwe_task(), check, Vector::Constant(1, 2.0)), 1.0, kTol);
  EXPECT_NEAR(held_out_score(clwe_task(), check, Vector::Constant(1, 2.5)), 0.0, kTol);
  EXPECT_NEAR(held_out_score(tri_task(), check, Vector::Constant(1, 2.0)), 0.0, kTol);
  EXPECT_NEAR(held_out_score(tri_task(), check, Vector::Constant(1, 2.5)), 0.125, kTol);
  EXPECT_TRUE(std::isnan(held_out_score(clwe_task(), HeldOut{}, Vector::Constant(1, 2.0))));
}

TEST(LatticeAttackSkeleton, ReadOffKeepsTheBestHeldOutCandidate) {
  const Dataset train = integers();
  const Attack attack = tiny_attack(train);
  const HeldOut check = held_out(train, attack.used, kHeldOutRows);
  for (const AttackTask& task : {clwe_task(), tri_task()}) {
    const Recovery best = read_off(task, attack.basis, attack.X, attack.read_row, check);
    EXPECT_EQ(best.candidates, 2);
    EXPECT_EQ(best.row, 2);
    ASSERT_TRUE(best.have);
    EXPECT_NEAR(best.s[0], 2.0, kTol);
    EXPECT_NEAR(best.score, task.clwe() ? 1.0 : 0.0, kTol);
    EXPECT_FALSE(best.found);  // verification is a separate stage
  }
  // Without held-out rows only the residual ranks: the smaller one wins.
  const RowReader by_residual = [](const IntBasis&, int row) -> std::optional<Candidate> {
    return Candidate{lifts(row == 1 ? 2.0 : 2.5), row == 1 ? 0.5 : 1.0};
  };
  const Recovery best = read_off(clwe_task(), attack.basis, attack.X, by_residual, HeldOut{});
  EXPECT_EQ(best.candidates, 3);
  EXPECT_EQ(best.row, 1);
  EXPECT_TRUE(std::isnan(best.score));
}

TEST(LatticeAttackSkeleton, VerificationNeedsResidualScaleAndScore) {
  const AttackTask task = clwe_task();
  Recovery best;
  EXPECT_FALSE(verified(task, best, 4.0, 64));  // no candidate
  best.consider(1.0, Vector::Constant(1, 2.0), 1.0, 0.0, 0);
  EXPECT_TRUE(verified(task, best, 4.0, 64));
  Recovery off_scale = best;
  off_scale.s[0] = 2.3;  // ‖s‖/γ = 1.15: more than 10 % off
  EXPECT_FALSE(verified(task, off_scale, 4.0, 64));
  Recovery far = best;
  far.residual = 1e-3;  // far above 4 × the effective noise (a few ulps of γ)
  EXPECT_FALSE(verified(task, far, 4.0, 64));
  Recovery unrelated = best;
  unrelated.score = 0.1;  // below max(0.5 e^{-2π²β²}, 4/√64) = 0.5
  EXPECT_FALSE(verified(task, unrelated, 4.0, 64));
  EXPECT_TRUE(verified(task, unrelated, 4.0, 15));  // too few rows to judge the score
}

TEST(LatticeAttackSkeleton, RunAttackReducesReadsVerifiesAndReports) {
  const Dataset train = integers();
  Attack attack = tiny_attack(train);
  const Fit fit = run_attack(clwe_task(), train, attack, Stopwatch(), kInf);
  EXPECT_EQ(fit.status, Outcome::ok);
  EXPECT_TRUE(fit.output["found"].get<bool>());
  EXPECT_NEAR(fit.output["gamma_hat"].get<double>(), 2.0, kTol);
  EXPECT_NEAR(fit.output["w"][0].get<double>(), 1.0, kTol);
  EXPECT_EQ(fit.output["candidates"].get<int>(), 2);
  EXPECT_EQ(fit.output["row"].get<int>(), 2);
  EXPECT_EQ(fit.stats.at("samples"), 2.0);
  EXPECT_EQ(fit.stats.at("lattice_rows"), 3.0);
  EXPECT_EQ(fit.stats.at("marker"), 7.0);

  // No time left: the reduction does not run, no row is read, status timeout.
  Attack late = tiny_attack(train);
  const Fit timed_out = run_attack(clwe_task(), train, late, Stopwatch(), 0.0);
  EXPECT_EQ(timed_out.status, Outcome::time_limit);
  EXPECT_FALSE(timed_out.output["found"].get<bool>());
  EXPECT_EQ(timed_out.output["candidates"].get<int>(), 0);
}

}  // namespace
}  // namespace hardnets::lattice
