// The convex_relu learner (Pilanci–Ergen): the mapped network's non-convex
// regularised objective equals the convex optimum, a grid over unit
// directions at d = 1 never beats it and comes close, sampled patterns give
// an upper bound, and bad input is a UserError.
#include "hardnets/learners/convex_relu.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <Eigen/Eigenvalues>

#include "test_util.h"

#include "hardnets/core/error.h"
#include "hardnets/core/rng.h"
#include "hardnets/learners/exact_relu.h"
#include "hardnets/learners/learner.h"

namespace hardnets {
namespace {

using hardnets::testing::user_error;

Fit run(const Dataset& data, const std::vector<std::string>& args) {
  const Learner& l = learner_registry().get("convex_relu");
  LearnerContext ctx;
  ctx.seed = 3;
  return l.fit(data, l.spec().resolve(args), ctx);
}

Dataset random_data(Eigen::Index n, Eigen::Index d, Seed seed) {
  Dataset data;
  data.X.resize(n, d);
  data.y.resize(n);
  Rng rng(seed, stream_id("convex_relu_test.data"));
  rng.fill_normal({data.X.data(), static_cast<std::size_t>(data.X.size())});
  rng.fill_normal({data.y.data(), static_cast<std::size_t>(data.y.size())});
  return data;
}

// Best regularised objective of networks whose units point along a grid of
// directions (cos φ, sin φ) at d = 1 (plus the 2n breakpoint directions where
// a unit's kink sits on a data point): with rebalanced units the objective is
// ½‖Σ_g s_g t_g [u_g·x̃]_+ + c − y‖² + β Σ t_g, t ≥ 0, a non-negative lasso
// solved by 20000 FISTA steps. Every iterate is a real network, so the value
// is an upper bound on the true optimum whatever the convergence.
double grid_objective(const Dataset& data, double beta, int steps) {
  const int n = static_cast<int>(data.size());
  std::vector<double> phis;
  for (int s = 0; s < steps; ++s) phis.push_back(2 * std::numbers::pi * s / steps);
  for (int i = 0; i < n; ++i) {
    const double phi = std::atan2(-data.X(i, 0), 1.0);  // cos φ x_i + sin φ = 0
    phis.push_back(phi);
    phis.push_back(phi + std::numbers::pi);
  }
  const int G = static_cast<int>(phis.size());
  Eigen::MatrixXd H(n, 2 * G);
  for (int g = 0; g < G; ++g) {
    for (int i = 0; i < n; ++i) {
      const double h = std::max(0.0, std::cos(phis[g]) * data.X(i, 0) + std::sin(phis[g]));
      H(i, g) = h;
      H(i, G + g) = -h;
    }
  }
  // Centre for the free output bias c.
  const Eigen::VectorXd hm = H.colwise().mean();
  Eigen::MatrixXd Hc = H.rowwise() - hm.transpose();
  const Eigen::VectorXd yc = data.y.array() - data.y.mean();
  const double L = Hc.operatorNorm() * Hc.operatorNorm() * (1 + 1e-9);
  Eigen::VectorXd t = Eigen::VectorXd::Zero(2 * G), z = t;
  double mom = 1;
  auto value = [&](const Eigen::VectorXd& v) {
    return 0.5 * (Hc * v - yc).squaredNorm() + beta * v.sum();
  };
  double best = value(t);
  for (int it = 0; it < 20000; ++it) {
    Eigen::VectorXd tn = z - (Hc.transpose() * (Hc * z - yc)) / L;
    tn = (tn.array() - beta / L).max(0.0);
    const double mn = 0.5 * (1 + std::sqrt(1 + 4 * mom * mom));
    z = tn + ((mom - 1) / mn) * (tn - t);
    if (value(tn) > value(t)) {
      z = t;
      mom = 1;
      continue;
    }
    t = tn;
    mom = mn;
    best = std::min(best, value(t));
  }
  return best;
}

// The mapped network's non-convex objective equals the convex one (1e-9
// relative: the map is exact up to rounding), the duality gap is closed to
// the tolerance, and a grid of 720 directions (+ breakpoints) never beats the
// optimum (1e-9) and lands within 1e-3 relative of it.
TEST(ConvexRelu, MappedNetworkAndGridMatchConvexOptimum) {
  for (const Seed seed : {1, 2, 3}) {
    const Dataset data = random_data(6, 1, seed);
    const double beta = 0.1;
    const Fit fit = run(data, {"beta=0.1"});
    ASSERT_EQ(fit.status, Outcome::ok) << fit.message;
    const double opt = fit.stats.at(metric::kOptLoss);
    EXPECT_NEAR(fit.stats.at("nonconvex_objective"), opt, 1e-9 * (1 + opt));
    EXPECT_LE(fit.stats.at("duality_gap"), 1e-9 * std::max(1.0, opt));
    // The predictor's network, evaluated independently.
    const auto& net = dynamic_cast<const ReluNetPredictor&>(*fit.predictor).net();
    EXPECT_NEAR(convex_relu::regularised_objective(net, data.X, data.y, beta), opt,
                1e-6 * (1 + opt));
    const double grid = grid_objective(data, beta, 720);
    EXPECT_GE(grid, opt - 1e-9) << "seed " << seed;
    EXPECT_LE(grid, opt + 1e-3 * (1 + opt)) << "seed " << seed;
  }
}

// Exact at d = 2 too; random Gaussian patterns are a subset: objective ≥ the
// exact optimum (1e-9), no opt_loss, and the message says upper bound.
TEST(ConvexRelu, SampledPatternsGiveAnUpperBound) {
  const Dataset data = random_data(10, 2, 4);
  const Fit exact = run(data, {"beta=0.05"});
  ASSERT_EQ(exact.status, Outcome::ok) << exact.message;
  const double opt = exact.stats.at(metric::kOptLoss);
  EXPECT_NEAR(exact.stats.at("nonconvex_objective"), opt, 1e-9 * (1 + opt));
  EXPECT_LE(exact.stats.at("units"), 2.0 * exact.stats.at("patterns"));
  for (const int P : {3, 10, 40}) {
    const Fit sampled = run(data, {"beta=0.05", "patterns=" + std::to_string(P)});
    EXPECT_FALSE(sampled.stats.contains(metric::kOptLoss));
    EXPECT_GE(sampled.stats.at("objective"), opt - 1e-9) << P;
    EXPECT_LE(sampled.stats.at("patterns"), P);
    EXPECT_CONTAINS(sampled.message, "upper bound");
  }
}

// A large β makes the zero network (c = mean y) optimal: ½‖y − ȳ‖².
// A unit bias is a homogeneous unit on (x, 1) with the bias inside the
// penalised group: the homogeneous program on lifted data has the same optimum.
TEST(ConvexRelu, HomogeneousOnLiftedDataEqualsAffine) {
  const Dataset data = random_data(6, 1, 21);
  Dataset lifted = data;
  lifted.X = exact_relu::lift_inputs(data.X, true);
  const Fit affine = run(data, {"beta=0.1"});
  const Fit central = run(lifted, {"beta=0.1", "unit_bias=false"});
  ASSERT_EQ(central.status, Outcome::ok) << central.message;
  const double opt = affine.stats.at(metric::kOptLoss);
  EXPECT_NEAR(central.stats.at(metric::kOptLoss), opt, 1e-6 * (1 + opt));
  const auto& net = dynamic_cast<const ReluNetPredictor&>(*central.predictor).net();
  EXPECT_TRUE((net.layers()[0].b.array() == 0.0).all());
}

// prune_to = k rounds the convex solution to a k-unit network: never below
// the exact k-unit optimum, its reported loss is the predictor's, and on
// data from one ReLU with a weak penalty the heaviest group is that ReLU's
// cell, so the refit recovers the optimum (0 up to rounding).
TEST(ConvexRelu, PruneToKUnitsIsAnUpperBoundOnTheKUnitOptimum) {
  for (const Seed seed : {1, 2, 3}) {
    const Dataset data = random_data(10, 2, 40 + seed);
    const Fit exact = learner_registry()
                          .get("exact_relu")
                          .fit(data, learner_registry().get("exact_relu").spec().defaults(), {});
    const Fit pruned = run(data, {"beta=0.1", "prune_to=1", "max_iters=300"});
    ASSERT_TRUE(pruned.stats.contains("pruned_loss")) << pruned.message;
    EXPECT_EQ(pruned.stats.at("units"), 1.0);
    EXPECT_FALSE(pruned.stats.contains(metric::kOptLoss));
    const double loss = (pruned.predictor->predict(data.X) - data.y).squaredNorm();
    EXPECT_NEAR(pruned.stats.at("pruned_loss"), loss, 1e-9 * (1 + loss));
    EXPECT_GE(loss, exact.stats.at(metric::kOptLoss) - 1e-9) << "seed " << seed;
  }
  Dataset one = random_data(12, 2, 50);
  for (Eigen::Index i = 0; i < one.size(); ++i) {
    one.y[i] = 2.0 * std::max(0.0, one.X(i, 0) - 0.5 * one.X(i, 1) + 0.3);
  }
  const Fit fit = run(one, {"beta=0.01", "prune_to=1", "max_iters=1000"});
  EXPECT_LT(fit.stats.at("pruned_loss"), 1e-12);
}

TEST(ConvexRelu, LargeBetaGivesTheConstant) {
  const Dataset data = random_data(8, 1, 9);
  const Fit fit = run(data, {"beta=1000"});
  const double expect = 0.5 * (data.y.array() - data.y.mean()).matrix().squaredNorm();
  EXPECT_NEAR(fit.stats.at(metric::kOptLoss), expect, 1e-9 * (1 + expect));
  EXPECT_EQ(fit.stats.at("units"), 0.0);
}

TEST(ConvexRelu, BadInputIsUserError) {
  const Learner& l = learner_registry().get("convex_relu");
  user_error([&] { (void)l.spec().resolve(std::vector<std::string>{"beta=0"}); });
  user_error([&] { (void)l.spec().resolve(std::vector<std::string>{"beta=-1"}); });
  user_error([&] { (void)l.spec().resolve(std::vector<std::string>{"patterns=-1"}); });
  Dataset empty;
  empty.X.resize(0, 1);
  EXPECT_CONTAINS(user_error([&] { run(empty, {}); }), "empty");
  Dataset bad = random_data(4, 1, 1);
  bad.X(0, 0) = std::nan("");
  user_error([&] { run(bad, {}); });
}

}  // namespace
}  // namespace hardnets
