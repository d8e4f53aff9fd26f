// The `alphatron` learner: the multinomial Gram matrix against its formula, two
// updates against a hand computation, learning a planted ReLU on the sphere,
// the Gram-size guard, thread independence and bad input.
#include "hardnets/learners/alphatron.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_util.h"

#include "hardnets/core/rng.h"
#include "hardnets/problems/teacher.h"

namespace hardnets {
namespace {

using testing::user_error;

const Learner& learner() {
  return learner_registry().get("alphatron");
}

Fit run(const Dataset& data, const std::vector<std::string>& args, int threads = 1) {
  LearnerContext ctx;
  ctx.seed = 5;
  ctx.threads = threads;
  return learner().fit(data, learner().spec().resolve(args), ctx);
}

Dataset planted_sphere(Eigen::Index n, const Vector& w, double sigma, Seed seed) {
  Dataset data;
  data.X = draw_inputs("sphere", n, w.size(), Rng(seed, stream_id("alphatron_test.inputs")), 1);
  data.y = (data.X * w).cwiseMax(0.0);
  Rng noise(seed, stream_id("alphatron_test.noise"));
  for (Eigen::Index i = 0; i < n; ++i) data.y[i] += sigma * noise.normal();
  return data;
}

// K_ij = Σ_{i=0..p} (a_i·b_j)^i written out with std::pow, for p = 1..5.
TEST(Alphatron, GramMatrixIsTheMultinomialKernel) {
  Matrix A(5, 3), B(4, 3);
  Rng rng(1, stream_id("alphatron_test.gram"));
  rng.fill_normal({A.data(), static_cast<std::size_t>(A.size())});
  rng.fill_normal({B.data(), static_cast<std::size_t>(B.size())});
  A *= 0.6;
  for (int p = 1; p <= 5; ++p) {
    const Matrix K = alphatron::gram(A, B, p);
    ASSERT_EQ(K.rows(), 5);
    ASSERT_EQ(K.cols(), 4);
    for (int i = 0; i < 5; ++i) {
      for (int j = 0; j < 4; ++j) {
        const double t = A.row(i).dot(B.row(j));
        double expected = 0.0;
        for (int q = 0; q <= p; ++q) expected += std::pow(t, q);
        EXPECT_NEAR(K(i, j), expected, 1e-12 * (1.0 + std::abs(expected))) << p;
      }
    }
  }
  EXPECT_EQ(alphatron::multinomial(2.0, 3), 15.0);  // 1 + 2 + 4 + 8: the sum starts at i = 0
  EXPECT_EQ(alphatron::multinomial(0.0, 4), 1.0);
}

// Two points in one dimension, x = (0.5, -1), y = (1, 0.5), degree 2, λ = 1:
//   K = [[1 + 0.25 + 0.25², 1 - 0.5 + 0.5²], [., 1 + 1 + 1]] = [[1.3125, 0.75], [0.75, 3]].
//   α¹ = 0 + (1/2)(y - 0)                 = (0.5, 0.25)
//   h¹ = relu(K α¹) = (0.65625 + 0.1875, 0.375 + 0.75) = (0.84375, 1.125)
//   α² = α¹ + (1/2)(y - h¹) = (0.5 + 0.078125, 0.25 - 0.3125) = (0.578125, -0.0625)
// Every number is a dyadic rational, so the results are exact.
TEST(Alphatron, TwoStepsMatchHandComputation) {
  Matrix X(2, 1);
  X << 0.5, -1.0;
  Vector y(2);
  y << 1.0, 0.5;
  const Matrix K = alphatron::gram(X, X, 2);
  EXPECT_EQ(K(0, 0), 1.3125);
  EXPECT_EQ(K(0, 1), 0.75);
  EXPECT_EQ(K(1, 1), 3.0);
  Vector alpha = Vector::Zero(2);
  alphatron::step(K, y, 1.0, alpha);
  EXPECT_EQ(alpha[0], 0.5);
  EXPECT_EQ(alpha[1], 0.25);
  alphatron::step(K, y, 1.0, alpha);
  EXPECT_EQ(alpha[0], 0.578125);
  EXPECT_EQ(alpha[1], -0.0625);

  // The learner (no split, inputs already in the unit ball) reaches the same
  // α²: its training loss 0.074 beats α¹'s 0.208 and α⁰'s 0.625.
  Dataset data{X, y};
  const Fit fit = run(data, {"degree=2", "iterations=2", "val_fraction=0"});
  ASSERT_EQ(fit.status, Outcome::ok) << fit.message;
  EXPECT_EQ(fit.stats.at("best_iteration"), 2.0);
  EXPECT_EQ(fit.stats.at("input_scale"), 1.0);
  const auto* model = dynamic_cast<const alphatron::AlphatronPredictor*>(fit.predictor.get());
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->alpha()[0], 0.578125);
  EXPECT_EQ(model->alpha()[1], -0.0625);
  // The predictor evaluates relu(Σ α_i MK_2(x, x_i)) at new points.
  Matrix probe(2, 1);
  probe << 0.25, -2.0;
  const Vector f = fit.predictor->predict(probe);
  auto mk = [](double t) { return 1.0 + t + t * t; };
  EXPECT_DOUBLE_EQ(f[0], std::max(0.0, 0.578125 * mk(0.125) - 0.0625 * mk(-0.25)));
  EXPECT_DOUBLE_EQ(f[1], std::max(0.0, 0.578125 * mk(-1.0) - 0.0625 * mk(2.0)));
  EXPECT_GT(f[1], 0.0);
}

// y = relu(w*·x) + N(0, 0.05²) with ‖w*‖ = 1 on S^4. Degree 2 contains the
// linear features, so the model is realizable and the iteration behaves like
// GLMtron in the RKHS. The excess error on noiseless test points, relative to
// Var f*, is measured at 0.006 after 300 steps; the tolerance 0.05 leaves a
// margin of 8 while the mean predictor scores 1 and the best affine fit about
// 0.27 (the even part |t|/2 of relu(t) = t/2 + |t|/2 is left over).
TEST(Alphatron, LearnsAPlantedReluOnTheSphere) {
  Vector w(5);
  w << 0.6, -0.4, 0.2, 0.5, -0.447213595499958;
  w /= w.norm();
  const Dataset train = planted_sphere(2000, w, 0.05, 1);
  const Dataset test = planted_sphere(2000, w, 0.0, 2);  // noiseless: excess error
  const Fit fit = run(train, {"degree=2", "iterations=300"});
  ASSERT_EQ(fit.status, Outcome::ok) << fit.message;
  const Vector pred = fit.predictor->predict(test.X);
  const double var = (test.y.array() - test.y.mean()).square().mean();
  const double net_error = (pred - test.y).squaredNorm() / test.size() / var;
  EXPECT_LT(net_error, 0.05);
  EXPECT_GT(fit.stats.at("best_iteration"), 10.0);
}

TEST(Alphatron, ResultsDoNotDependOnThreads) {
  Vector w(3);
  w << 0.8, -0.6, 0.0;
  const Dataset data = planted_sphere(700, w, 0.1, 3);  // 560 fit rows: 3 Gram blocks
  const Fit one = run(data, {"degree=3", "iterations=20"}, 1);
  for (int threads : {2, 3}) {
    const Fit many = run(data, {"degree=3", "iterations=20"}, threads);
    EXPECT_EQ(one.stats, many.stats) << threads;
    EXPECT_EQ(one.predictor->to_json(), many.predictor->to_json()) << threads;
  }
}

TEST(Alphatron, TimeLimitStopsWithTheBestIterate) {
  Vector w(2);
  w << 0.6, 0.8;
  const Dataset data = planted_sphere(100, w, 0.0, 6);
  LearnerContext ctx;
  ctx.time_limit_seconds = 0.0;
  const Fit fit = learner().fit(data, learner().spec().resolve(std::vector<std::string>{}), ctx);
  EXPECT_EQ(fit.status, Outcome::time_limit);
  EXPECT_CONTAINS(fit.message, "time limit");
  EXPECT_EQ(fit.stats.at("iterations"), 0.0);  // the clock is read before each step
  ASSERT_NE(fit.predictor, nullptr);
}

TEST(Alphatron, RefusesLargeGramMatricesNamingTheParameter) {
  Vector w(2);
  w << 1.0, 0.0;
  const Dataset data = planted_sphere(100, w, 0.0, 4);
  const std::string msg = user_error([&] { run(data, {"max_gram=50"}); });
  EXPECT_CONTAINS(msg, "m = 80 training samples");
  EXPECT_CONTAINS(msg, "max_gram = 50");
  EXPECT_CONTAINS(msg, "lower n_train");
  // Exactly at the limit it runs.
  EXPECT_EQ(run(data, {"max_gram=80", "iterations=2"}).status, Outcome::ok);
}

TEST(Alphatron, BadInputGivesClearErrors) {
  Dataset empty;
  empty.X.resize(0, 2);
  EXPECT_CONTAINS(user_error([&] { run(empty, {}); }), "alphatron: the training set is empty");
  Dataset data;
  data.X = Matrix::Ones(4, 2);
  data.y = Vector::Ones(5);
  EXPECT_CONTAINS(user_error([&] { run(data, {}); }), "4 input rows but 5 labels");
  data.y = Vector::Ones(4);
  data.y[2] = std::numeric_limits<double>::infinity();
  EXPECT_CONTAINS(user_error([&] { run(data, {}); }), "NaN or infinite");
  data.y[2] = 1.0;
  EXPECT_CONTAINS(user_error([&] { run(data, {"degree=0"}); }), "degree");
  EXPECT_CONTAINS(user_error([&] { run(data, {"lambda=0"}); }), "lambda");
  // The fitted model refuses inputs of another dimension.
  const Fit fit = run(data, {"iterations=1"});
  EXPECT_CONTAINS(user_error([&] { fit.predictor->predict(Matrix::Ones(2, 3)); }),
                  "expects dimension 2");
}

}  // namespace
}  // namespace hardnets
