// Certificate tests for the `teacher` problem: the truth network reproduces the
// labels, the weight laws have the stated moments, and instances are pure
// functions of (params, seed, sizes).
#include "hardnets/problems/teacher.h"

#include <cmath>

#include <gtest/gtest.h>

#include "hardnets/core/error.h"
#include "test_util.h"

namespace hardnets {
namespace {

const Problem& teacher() {
  return problem_registry().get("teacher");
}

Instance make(const std::vector<std::string>& args, Seed seed, Sizes sizes, int threads = 1) {
  return teacher().generate(teacher().spec().resolve(args), seed, sizes, {threads});
}

TEST(Teacher, TruthReproducesNoiselessLabelsExactly) {
  const Instance inst = make({"d=6", "width=5", "depth=3", "bias_scale=0.3"}, 4, {300, 50});
  const ReluNet net = ReluNet::from_json(inst.truth["teacher"]);
  EXPECT_EQ(net.sizes(), (std::vector<int>{6, 5, 5, 1}));
  // Independent evaluation of the formula W3 σ(W2 σ(W1 x + b1) + b2) + b3, row by row.
  for (int i = 0; i < 300; ++i) {
    Eigen::VectorXd a = inst.train.X.row(i).transpose();
    const auto& L = net.layers();
    a = (L[0].W * a + L[0].b).cwiseMax(0.0);
    a = (L[1].W * a + L[1].b).cwiseMax(0.0);
    const double f = (L[2].W * a + L[2].b)(0);
    EXPECT_NEAR(inst.train.y[i], f, 1e-12 * (1 + std::abs(f)));
  }
}

TEST(Teacher, NoiseHasStatedStandardDeviation) {
  const Instance clean = make({"d=4", "sigma=0"}, 9, {20000, 0});
  const Instance noisy = make({"d=4", "sigma=0.5"}, 9, {20000, 0});
  ASSERT_EQ(clean.train.X, noisy.train.X) << "noise must not change the inputs";
  const Vector e = noisy.train.y - clean.train.y;
  // Sample std of 20000 N(0, 0.25) values: relative error ~ 1/sqrt(2n) = 0.5%; allow 3%.
  EXPECT_NEAR(std::sqrt(e.squaredNorm() / e.size()), 0.5, 0.015);
  EXPECT_NEAR(e.mean(), 0.0, 0.02);  // std of the mean is 0.0035
}

TEST(Teacher, WeightLawsHaveVarianceScaleSquaredOverFanIn) {
  for (const char* law : {"weights=normal", "weights=uniform"}) {
    const ReluNet net = TeacherProblem::make_teacher(
        teacher().spec().resolve(std::vector<std::string>{law, "d=400", "width=400", "scale=2"}),
        5);
    const auto& W = net.layers()[0].W;  // 400 x 400, fan_in 400: Var = 4 / 400 = 0.01
    const double var = W.squaredNorm() / static_cast<double>(W.size());
    // 160000 entries: relative std of the variance estimate < 1%; allow 3%.
    EXPECT_NEAR(var, 0.01, 3e-4) << law;
    if (std::string(law) == "weights=uniform") {
      EXPECT_LE(W.cwiseAbs().maxCoeff(), std::sqrt(3.0) * 0.1);
    }
  }
}

TEST(Teacher, HypercubeInputsAreSigns) {
  const Instance inst = make({"d=9", "inputs=hypercube"}, 2, {500, 10});
  EXPECT_TRUE((inst.train.X.array().abs() == 1.0).all());
  EXPECT_NEAR(inst.train.X.mean(), 0.0, 0.03);  // 4500 signs: std of mean 0.015
}

// Uniform on S^{d-1}: unit norms, E x = 0, E xxᵀ = I/d, and the fourth moment
// E x_j^4 = 3/(d(d+2)) that separates it from other unit-norm laws with the
// same two moments (e.g. hypercube/√d has E x_j^4 = 1/d² = 0.04 at d = 5).
TEST(Teacher, SphereInputsAreUniformOnTheUnitSphere) {
  const int d = 5, n = 20000;
  const Instance inst = make({"d=5", "inputs=sphere"}, 6, {n, 10});
  const Matrix& X = inst.train.X;
  for (Eigen::Index i = 0; i < n; ++i) ASSERT_NEAR(X.row(i).norm(), 1.0, 1e-12) << "row " << i;
  // Each coordinate has variance 1/d = 0.2: the std of a mean over 20000 rows
  // is 0.0032; 0.015 is about 5 standard deviations.
  const Vector mean = X.colwise().mean().transpose();
  for (int j = 0; j < d; ++j) EXPECT_NEAR(mean[j], 0.0, 0.015) << "coordinate " << j;
  // E x_j^2 = 1/d (std of the estimate 0.0015: Var x_j^2 = 3/35 - 1/25) and
  // E x_j x_l = 0 (std 0.0012: E x_j^2 x_l^2 = 1/35); 0.006 is 4-5 stds, far
  // below the 0.8 a missing normalisation would give.
  const Matrix second = X.transpose() * X / static_cast<double>(n);
  for (int j = 0; j < d; ++j) {
    for (int l = 0; l < d; ++l) {
      EXPECT_NEAR(second(j, l), j == l ? 1.0 / d : 0.0, 0.006) << j << "," << l;
    }
  }
  // E x_j^4 = 3/35 = 0.0857 (std of the pooled estimate about 0.0011).
  EXPECT_NEAR(X.array().square().square().mean(), 3.0 / (d * (d + 2)), 0.005);
  // Row i is the Gaussian law's row i normalised (the same random words).
  const Instance gaussian = make({"d=5", "inputs=gaussian"}, 6, {100, 10});
  for (Eigen::Index i = 0; i < 100; ++i) {
    const Vector g = gaussian.train.X.row(i).transpose();
    EXPECT_LT((X.row(i).transpose() - g / g.norm()).norm(), 1e-12);
  }
}

TEST(Teacher, SmoothingPerturbsEveryParameterByTau) {
  const auto base = TeacherProblem::make_teacher(
      teacher().spec().resolve(std::vector<std::string>{"d=50", "width=200"}), 8);
  const auto smoothed = TeacherProblem::make_teacher(
      teacher().spec().resolve(std::vector<std::string>{"d=50", "width=200", "tau=0.1"}), 8);
  const Eigen::VectorXd diff = smoothed.flat() - base.flat();
  const double std = std::sqrt(diff.squaredNorm() / static_cast<double>(diff.size()));
  EXPECT_NEAR(std, 0.1, 0.003);  // ~10.4k parameters: relative std ~0.7%
}

TEST(Teacher, SameSeedSameInstanceDifferentSeedDifferent) {
  const Instance a = make({"d=5"}, 1, {100, 20});
  const Instance b = make({"d=5"}, 1, {100, 20}, 4);
  const Instance c = make({"d=5"}, 2, {100, 20});
  EXPECT_EQ(a.train.X, b.train.X);
  EXPECT_EQ(a.train.y, b.train.y);
  EXPECT_EQ(a.test.y, b.test.y);
  EXPECT_NE(a.train.X, c.train.X);
  // A larger training set extends the smaller one: row i depends only on i.
  const Instance big = make({"d=5"}, 1, {150, 20});
  EXPECT_EQ(big.train.X.topRows(100), a.train.X);
}

TEST(Teacher, JudgeReportsNetDistanceZeroForTheTeacherItself) {
  const Instance inst = make({"d=4", "sigma=0.3"}, 3, {10, 500});
  Fit fit;
  fit.predictor = std::make_shared<ReluNetPredictor>(ReluNet::from_json(inst.truth["teacher"]));
  const Metrics m = teacher().judge(inst, fit);
  EXPECT_DOUBLE_EQ(m.at("net_distance"), 0.0);
  EXPECT_GT(m.at("nmse"), 0.0);  // the label noise remains
  EXPECT_LT(m.at("nmse"), 1.0);
}

// Values regenerated by the code before min_singular / pair_angle existed
// (d=5 width=3 tau=0.1, seed 7): the defaults stay bit-identical.
TEST(Teacher, DefaultsAreBitIdenticalToTheStoredTeacher) {
  const Instance inst = make({"d=5", "width=3", "tau=0.1"}, 7, {4, 0});
  const std::vector<double> y{-0.3916653543534752, 0.05885740150850308, -0.05668824735271756,
                              0.38361684944816404};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(inst.train.y[i], y[static_cast<std::size_t>(i)]) << i;
  const ReluNet net = ReluNet::from_json(inst.truth["teacher"]);
  EXPECT_EQ(net.layers()[0].W(0, 0), -0.5000834264974522);
  EXPECT_EQ(net.layers()[0].W(2, 4), 0.5671443128118709);
  EXPECT_EQ(net.layers()[0].W(1, 1), -0.9219220674040728);
}

TEST(Teacher, MinSingularSetsTheSmallestSingularValueOfTheNormalisedFirstLayer) {
  for (const char* law : {"weights=normal", "weights=uniform"}) {
    const auto plain = TeacherProblem::make_teacher(
        teacher().spec().resolve(std::vector<std::string>{law, "d=10", "width=6"}), 3);
    for (double t : {1e-4, 0.01, 0.1, 0.3}) {  // natural: 0.213 (normal), 0.360 (uniform)
      const std::string arg = "min_singular=" + std::to_string(t);
      const Instance inst = make({law, "d=10", "width=6", arg}, 3, {50, 0});
      const Json& g = inst.card["first_layer"];
      EXPECT_NEAR(g["min_singular"].get<double>(), t, 1e-9) << law << " " << t;
      EXPECT_NEAR(g["condition"].get<double>(), g["max_singular"].get<double>() / t, 1e-6 / t);
      // Each unit keeps its norm; only the first layer moves.
      const ReluNet net = ReluNet::from_json(inst.truth["teacher"]);
      for (int i = 0; i < 6; ++i) {
        EXPECT_NEAR(net.layers()[0].W.row(i).norm(), plain.layers()[0].W.row(i).norm(), 1e-12);
      }
      EXPECT_EQ(net.layers()[1].W, plain.layers()[1].W);
    }
  }
}

TEST(Teacher, PairAngleSetsUnitTwoAtTheRequestedAngle) {
  const auto plain = TeacherProblem::make_teacher(
      teacher().spec().resolve(std::vector<std::string>{"d=8", "width=5"}), 2);
  for (double theta : {0.01, 1.0, 45.0, 90.0, 179.0}) {
    const std::string arg = "pair_angle=" + std::to_string(theta);
    const Instance inst = make({"d=8", "width=5", arg}, 2, {20, 0});
    const Json& g = inst.card["first_layer"];
    EXPECT_NEAR(g["angle_12_degrees"].get<double>(), theta, 1e-9) << theta;
    if (theta <= 1.0) {
      EXPECT_NEAR(g["min_angle_degrees"].get<double>(), theta, 1e-9);
    }
    const ReluNet net = ReluNet::from_json(inst.truth["teacher"]);
    const auto& W = net.layers()[0].W;
    EXPECT_NEAR(W.row(1).norm(), plain.layers()[0].W.row(1).norm(), 1e-12);
    EXPECT_EQ(W.row(0), plain.layers()[0].W.row(0));
    EXPECT_EQ(W.bottomRows(3), plain.layers()[0].W.bottomRows(3));
  }
  // Two units at 0.01 degrees: the first layer is nearly rank-deficient.
  const Instance close = make({"d=8", "width=5", "pair_angle=0.01"}, 2, {20, 0});
  EXPECT_LT(close.card["first_layer"]["min_singular"].get<double>(), 1e-3);
  EXPECT_GT(close.card["first_layer"]["condition"].get<double>(), 1e3);
}

// Smoothing acts after the degeneracy: (degenerate, tau) − (degenerate, 0)
// is the same N(0, tau²) draw as (plain, tau) − (plain, 0).
TEST(Teacher, SmoothingAppliesAfterTheDegeneracy) {
  auto net = [](std::vector<std::string> args) {
    return TeacherProblem::make_teacher(teacher().spec().resolve(args), 4).flat();
  };
  const Eigen::VectorXd noise = net({"d=6", "width=4", "tau=0.05"}) - net({"d=6", "width=4"});
  for (const char* degenerate : {"pair_angle=2", "min_singular=0.01"}) {
    const Eigen::VectorXd d =
        net({"d=6", "width=4", "tau=0.05", degenerate}) - net({"d=6", "width=4", degenerate});
    EXPECT_LT((d - noise).cwiseAbs().maxCoeff(), 1e-14) << degenerate;
  }
  const Instance smoothed = make({"d=6", "width=4", "tau=0.05", "pair_angle=2"}, 4, {10, 0});
  EXPECT_GT(std::abs(smoothed.card["first_layer"]["angle_12_degrees"].get<double>() - 2.0), 0.1);
}

TEST(Teacher, CardReportsFirstLayerGeometryAtTheDefaults) {
  const Instance inst = make({}, 1, {10, 0});
  const Json& g = inst.card["first_layer"];
  EXPECT_GT(g["min_singular"].get<double>(), 0.0);
  EXPECT_GE(g["condition"].get<double>(), 1.0);
  EXPECT_GT(g["min_angle_degrees"].get<double>(), 0.0);
  EXPECT_LE(g["min_angle_degrees"].get<double>(), g["angle_12_degrees"].get<double>());
}

TEST(Teacher, RejectsBadDegeneracyRequests) {
  using hardnets::testing::user_error;
  EXPECT_CONTAINS(user_error([] { make({"pair_angle=180"}, 1, {10, 0}); }), "pair_angle");
  EXPECT_CONTAINS(user_error([] { make({"pair_angle=-1"}, 1, {10, 0}); }), "pair_angle");
  EXPECT_CONTAINS(user_error([] { make({"pair_angle=200"}, 1, {10, 0}); }), "pair_angle");
  EXPECT_CONTAINS(user_error([] { make({"min_singular=1.5"}, 1, {10, 0}); }), "min_singular");
  EXPECT_CONTAINS(user_error([] {
                    make({"d=3", "width=4", "min_singular=0.1"}, 1, {10, 0});
                  }),
                  "width <= d");
  EXPECT_CONTAINS(user_error([] {
                    make({"min_singular=0.1", "pair_angle=10"}, 1, {10, 0});
                  }),
                  "at most one");
  EXPECT_CONTAINS(user_error([] { make({"depth=1", "pair_angle=10"}, 1, {10, 0}); }), "depth >= 2");
  EXPECT_CONTAINS(user_error([] {
                    make({"width=1", "min_singular=0.1"}, 1, {10, 0});
                  }),
                  "width >= 2");
  EXPECT_CONTAINS(user_error([] {
                    make({"d=1", "width=2", "pair_angle=10"}, 1, {10, 0});
                  }),
                  "d >= 2");
  EXPECT_CONTAINS(user_error([] {
                    make({"d=10", "width=6", "min_singular=0.99"}, 3, {10, 0});
                  }),
                  "min_singular");
}

TEST(Teacher, RejectsBadSizes) {
  EXPECT_THROW(make({}, 1, {0, 10}), UserError);
  EXPECT_THROW(make({}, 1, {10, -1}), UserError);
}

}  // namespace
}  // namespace hardnets
