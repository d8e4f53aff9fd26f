// Certificate tests for the `teacher` problem: the truth network reproduces the
// labels, the weight laws have the stated moments, and instances are pure
// functions of (params, seed, sizes).
#include "hardnets/problems/teacher.h"

#include <cmath>

#include <gtest/gtest.h>

#include "hardnets/core/error.h"

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
  EXPECT_NEAR(X.array().pow(4).mean(), 3.0 / (d * (d + 2)), 0.005);
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

TEST(Teacher, RejectsBadSizes) {
  EXPECT_THROW(make({}, 1, {0, 10}), UserError);
  EXPECT_THROW(make({}, 1, {10, -1}), UserError);
}

}  // namespace
}  // namespace hardnets
