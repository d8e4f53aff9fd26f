// numerics/lp: tiny LPs and MIPs with hand-worked optima through Clp and CBC.
#include "hardnets/numerics/lp.h"

#include <gtest/gtest.h>

namespace hardnets {
namespace {

// max x + y s.t. x + 2y ≤ 4, 3x + y ≤ 6, x, y ≥ 0: the vertex (8/5, 6/5),
// value 14/5 (minimised as −x − y).
LinearModel two_by_two(bool integral) {
  LinearModel m;
  const int x = m.col(0.0, kLpInf, -1.0, integral);
  const int y = m.col(0.0, kLpInf, -1.0, integral);
  m.row({{x, 1.0}, {y, 2.0}}, -kLpInf, 4.0);
  m.row({{x, 3.0}, {y, 1.0}}, -kLpInf, 6.0);
  return m;
}

TEST(Lp, SolvesATinyLp) {
  const LinearModel m = two_by_two(false);
  EXPECT_EQ(m.cols(), 2);
  EXPECT_EQ(m.rows(), 2);
  EXPECT_EQ(m.integers(), 0);
  const LpResult r = solve_lp(m);
  ASSERT_TRUE(r.optimal);
  ASSERT_EQ(r.x.size(), 2U);
  EXPECT_NEAR(r.x[0], 1.6, 1e-12);
  EXPECT_NEAR(r.x[1], 1.2, 1e-12);
  EXPECT_NEAR(r.objective, -2.8, 1e-12);
}

TEST(Lp, ZeroCoefficientsAreDroppedAndEqualityRowsHold) {
  // min |t − 3| as min e s.t. e − t ≥ −3, e + t ≥ 3 (a zero term on the side).
  LinearModel m;
  const int t = m.col(-kLpInf, kLpInf, 0.0);
  const int e = m.col(0.0, kLpInf, 1.0);
  m.row({{e, 1.0}, {t, -1.0}}, -3.0, kLpInf);
  m.row({{e, 1.0}, {t, 1.0}, {t, 0.0}}, 3.0, kLpInf);
  m.row({{t, 1.0}}, 2.0, 2.0);  // t = 2: e = 1
  EXPECT_EQ(m.triplet_values().size(), 5U);
  const LpResult r = solve_lp(m);
  ASSERT_TRUE(r.optimal);
  EXPECT_NEAR(r.x[static_cast<std::size_t>(t)], 2.0, 1e-12);
  EXPECT_NEAR(r.x[static_cast<std::size_t>(e)], 1.0, 1e-12);
}

TEST(Lp, ReportsAnInfeasibleLp) {
  LinearModel m;
  const int x = m.col(0.0, 1.0, 1.0);
  m.row({{x, 1.0}}, 2.0, kLpInf);
  const LpResult r = solve_lp(m);
  EXPECT_FALSE(r.optimal);
  EXPECT_TRUE(r.x.empty());
}

TEST(Lp, ResolvesAfterBoundChanges) {
  // min x + y s.t. x + y ≥ 1, bounds changed between solves.
  LinearModel m;
  const int x = m.col(0.0, kLpInf, 1.0);
  const int y = m.col(0.0, kLpInf, 2.0);
  m.row({{x, 1.0}, {y, 1.0}}, 1.0, kLpInf);
  ResolvableLp lp(m);
  const double* s = lp.solve();
  ASSERT_NE(s, nullptr);
  EXPECT_NEAR(s[0], 1.0, 1e-12);  // the cheaper column
  EXPECT_NEAR(s[1], 0.0, 1e-12);
  lp.set_col_bounds(x, 0.0, 0.25);  // x ≤ 1/4: y = 3/4
  s = lp.solve();
  ASSERT_NE(s, nullptr);
  EXPECT_NEAR(s[0], 0.25, 1e-12);
  EXPECT_NEAR(s[1], 0.75, 1e-12);
  lp.set_row_bounds(0, 2.0, kLpInf);  // x + y ≥ 2: y = 7/4
  s = lp.solve();
  ASSERT_NE(s, nullptr);
  EXPECT_NEAR(s[1], 1.75, 1e-12);
  lp.set_col_bounds(y, 0.0, 1.0);  // x + y ≤ 5/4 < 2: infeasible
  EXPECT_EQ(lp.solve(), nullptr);
}

TEST(Mip, SolvesATinyMip) {
  // The constraints of two_by_two with costs −x − 1.1y. Integer points on
  // the best level x + y = 2: (0, 2) gives −2.2, (1, 1) −2.1, (2, 0) −2.
  LinearModel m;
  const int x = m.col(0.0, 10.0, -1.0, true);
  const int y = m.col(0.0, 10.0, -1.1, true);
  m.row({{x, 1.0}, {y, 2.0}}, -kLpInf, 4.0);
  m.row({{x, 3.0}, {y, 1.0}}, -kLpInf, 6.0);
  EXPECT_EQ(m.integers(), 2);
  const MipResult r = solve_mip(m);
  ASSERT_TRUE(r.optimal);
  EXPECT_FALSE(r.infeasible);
  EXPECT_FALSE(r.time_limit);
  ASSERT_EQ(r.x.size(), 2U);
  EXPECT_NEAR(r.x[0], 0.0, 1e-9);
  EXPECT_NEAR(r.x[1], 2.0, 1e-9);
  EXPECT_NEAR(r.objective, -2.2, 1e-9);
  // The LP relaxation is better: (8/5, 6/5), −1.6 − 1.32 = −2.92.
  const LpResult lp = solve_lp(m);
  ASSERT_TRUE(lp.optimal);
  EXPECT_NEAR(lp.objective, -2.92, 1e-12);
}

TEST(Mip, StartAndCutoff) {
  // min −x, x ∈ {0..3} integral, 2x ≤ 5: x = 2. A cutoff above the optimum
  // keeps it; one below it leaves nothing: proven infeasible.
  LinearModel m;
  const int x = m.col(0.0, 3.0, -1.0, true);
  m.row({{x, 2.0}}, -kLpInf, 5.0);
  m.set_start(x, 1.0);
  MipOptions options;
  options.cutoff = -1.5;
  const MipResult r = solve_mip(m, options);
  ASSERT_TRUE(r.optimal);
  EXPECT_NEAR(r.x[0], 2.0, 1e-9);
  options.cutoff = -2.5;
  const MipResult none = solve_mip(m, options);
  EXPECT_FALSE(none.optimal && !none.x.empty() && none.objective < -2.5);
  EXPECT_TRUE(none.infeasible || none.x.empty());
}

}  // namespace
}  // namespace hardnets
