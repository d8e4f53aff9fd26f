// The sgd learner and its training kernels: the float/double backward pass
// against finite differences and the reference ReluNet, determinism, divergence
// handling, time limits, and learning a small ReLU teacher.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "test_util.h"

#include "hardnets/core/error.h"
#include "hardnets/core/rng.h"
#include "hardnets/learners/learner.h"
#include "hardnets/nets/mlp_kernels.h"
#include "hardnets/nets/relu_net.h"
#include "hardnets/problems/problem.h"

namespace hardnets {
namespace {

using hardnets::testing::finite_difference_gradient;

ReluNet random_net(const std::vector<int>& sizes, Seed seed, double scale = 0.7) {
  ReluNet net(sizes);
  Rng rng(seed, stream_id("sgd_test.net"));
  Eigen::VectorXd theta(net.num_parameters());
  rng.fill_normal({theta.data(), static_cast<std::size_t>(theta.size())});
  net.set_flat(scale * theta);
  return net;
}

Dataset gaussian_data(const ReluNet& teacher, Eigen::Index n, Seed seed) {
  Dataset data;
  data.X.resize(n, teacher.input_dim());
  Rng rng(seed, stream_id("sgd_test.inputs"));
  rng.fill_normal({data.X.data(), static_cast<std::size_t>(data.X.size())});
  data.y = teacher.forward(data.X);
  return data;
}

// Kernel gradient as a double vector in ReluNet::flat() order.
template <typename T>
Eigen::VectorXd kernel_gradient_flat(const MlpKernels<T>& net) {
  std::vector<double> out;
  for (int l = 0; l < net.depth(); ++l) {
    const auto gW = net.weight_gradient(l);
    for (Eigen::Index i = 0; i < gW.rows(); ++i) {
      for (Eigen::Index j = 0; j < gW.cols(); ++j) out.push_back(static_cast<double>(gW(i, j)));
    }
    const auto gb = net.bias_gradient(l);
    for (Eigen::Index i = 0; i < gb.size(); ++i) out.push_back(static_cast<double>(gb[i]));
  }
  return Eigen::Map<Eigen::VectorXd>(out.data(), static_cast<Eigen::Index>(out.size()));
}

template <typename T>
struct KernelCase {
  ReluNet net;
  Matrix X;  // sample-major, for ReluNet
  Vector y;
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> X_kernel;  // feature-major
  Eigen::Matrix<T, Eigen::Dynamic, 1> y_kernel;

  KernelCase(const std::vector<int>& sizes, Eigen::Index batch, Seed seed)
      : net(random_net(sizes, seed)) {
    // The kernels' precision T must represent the network and data exactly,
    // so that the double reference sees the very same function.
    Eigen::VectorXd theta = net.flat().template cast<T>().template cast<double>();
    net.set_flat(theta);
    const Dataset data = gaussian_data(random_net(sizes, seed + 100), batch, seed);
    X = data.X.template cast<T>().template cast<double>();
    y = data.y.template cast<T>().template cast<double>();
    X_kernel = X.transpose().template cast<T>();
    y_kernel = y.template cast<T>();
  }
};

TEST(MlpKernels, DoubleGradientMatchesReferenceAndFiniteDifferences) {
  for (const auto& sizes :
       {std::vector<int>{5, 7, 1}, std::vector<int>{5, 7, 6, 1}, std::vector<int>{3, 4, 4, 4, 1},
        std::vector<int>{6, 1}, std::vector<int>{4, 1, 3, 1}, std::vector<int>{4, 3, 1, 1}}) {
    KernelCase<double> c(sizes, 9, 1);
    MlpKernels<double> kernels(sizes, 16);
    kernels.load(c.net);
    const double loss = kernels.loss_and_gradient(c.X_kernel.data(), c.y_kernel.data(), 9);
    std::vector<DenseLayer> reference;
    const double reference_loss = c.net.loss_and_gradient(c.X, c.y, &reference);
    EXPECT_NEAR(loss, reference_loss, 1e-12 * reference_loss);

    const Eigen::VectorXd analytic = kernel_gradient_flat(kernels);
    const Eigen::VectorXd numeric = finite_difference_gradient(c.net, c.X, c.y);
    const double scale = analytic.cwiseAbs().maxCoeff();
    for (Eigen::Index k = 0; k < analytic.size(); ++k) {
      EXPECT_NEAR(analytic[k], numeric[k], 1e-6 * scale) << "parameter " << k;
    }
    // Round trip through the reference network is exact.
    EXPECT_EQ(kernels.to_relu_net().flat(), c.net.flat());
  }
}

// The float kernels against double-precision central differences of the same
// function (the float parameters and data are exactly representable in double,
// so only the kernels' own rounding separates the two). Float has a 24-bit
// significand (unit roundoff 6e-8) and each gradient entry sums a few dozen
// products, so errors of order 1e-6 of the gradient scale are expected; the
// tolerance 1e-4 leaves room while still catching any real mistake (a wrong
// index or missing ReLU mask is an O(1) error).
TEST(MlpKernels, FloatGradientMatchesFiniteDifferences) {
  for (const auto& sizes : {std::vector<int>{5, 7, 1}, std::vector<int>{5, 7, 6, 1}}) {
    KernelCase<float> c(sizes, 13, 2);
    MlpKernels<float> kernels(sizes, 13);
    kernels.load(c.net);
    const float loss = kernels.loss_and_gradient(c.X_kernel.data(), c.y_kernel.data(), 13);
    const double reference_loss = c.net.loss_and_gradient(c.X, c.y, nullptr);
    EXPECT_NEAR(loss, reference_loss, 1e-5 * reference_loss);

    const Eigen::VectorXd analytic = kernel_gradient_flat(kernels);
    const Eigen::VectorXd numeric = finite_difference_gradient(c.net, c.X, c.y);
    const double scale = numeric.cwiseAbs().maxCoeff();
    for (Eigen::Index k = 0; k < analytic.size(); ++k) {
      EXPECT_NEAR(analytic[k], numeric[k], 1e-4 * scale) << "parameter " << k;
    }
  }
}

TEST(MlpKernels, SmallerBatchesAndEvaluationAgreeWithReference) {
  const std::vector<int> sizes{4, 8, 8, 1};
  KernelCase<double> c(sizes, 50, 3);
  MlpKernels<double> kernels(sizes, 16);  // evaluation runs in 4 chunks
  kernels.load(c.net);
  const double mse = kernels.mean_squared_error(c.X_kernel.data(), c.y_kernel.data(), 50);
  EXPECT_NEAR(mse, c.net.loss_and_gradient(c.X, c.y, nullptr), 1e-12 * mse);
  Eigen::VectorXd out(5);
  kernels.forward(c.X_kernel.data(), 5, out.data());
  const Vector expected = c.net.forward(c.X.topRows(5));
  for (int j = 0; j < 5; ++j) EXPECT_NEAR(out[j], expected[j], 1e-12);
}

TEST(MlpOptimizer, AdamMatchesTheTextbookUpdate) {
  OptimizerSettings settings;
  settings.weight_decay = 0.1;
  MlpOptimizer<double> adam(settings, 2, 1);
  Eigen::Vector2d p(1.0, -2.0), m = Eigen::Vector2d::Zero(), v = Eigen::Vector2d::Zero();
  Eigen::Vector2d expected = p;
  const double lr = 0.01;
  for (int t = 1; t <= 3; ++t) {
    const Eigen::Vector2d g(0.5 * t, -0.25);
    adam.step(p.data(), g.data(), lr);
    expected[0] *= 1.0 - lr * settings.weight_decay;  // decoupled decay, weights only
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g.cwiseProduct(g);
    for (int i = 0; i < 2; ++i) {
      const double m_hat = m[i] / (1 - std::pow(0.9, t)), v_hat = v[i] / (1 - std::pow(0.999, t));
      expected[i] -= lr * m_hat / (std::sqrt(v_hat) + 1e-8);
    }
    EXPECT_NEAR(p[0], expected[0], 1e-12);
    EXPECT_NEAR(p[1], expected[1], 1e-12);
  }
}

Fit fit_sgd(const Dataset& data, const std::vector<std::string>& assignments, Seed seed,
            double time_limit = std::numeric_limits<double>::infinity()) {
  const Learner& sgd = learner_registry().get("sgd");
  LearnerContext ctx;
  ctx.seed = seed;
  ctx.time_limit_seconds = time_limit;
  return sgd.fit(data, sgd.spec().resolve(assignments), ctx);
}

TEST(SgdLearner, SameSeedGivesIdenticalResults) {
  const ReluNet teacher = random_net({6, 5, 1}, 4);
  const Dataset data = gaussian_data(teacher, 500, 1);
  const Dataset probe = gaussian_data(teacher, 50, 2);
  for (const std::string precision : {"float", "double"}) {
    const std::vector<std::string> params{"width=16", "epochs=5", "batch=32",
                                          "precision=" + precision};
    const Fit a = fit_sgd(data, params, 9), b = fit_sgd(data, params, 9);
    const Fit c = fit_sgd(data, params, 10);
    ASSERT_EQ(a.status, Outcome::ok) << a.message;
    ASSERT_TRUE(a.predictor && b.predictor && c.predictor);
    EXPECT_EQ(a.predictor->predict(probe.X), b.predictor->predict(probe.X));
    EXPECT_EQ(a.stats, b.stats);
    EXPECT_NE(a.predictor->predict(probe.X), c.predictor->predict(probe.X));
  }
}

// bias=false trains the homogeneous class: every bias of the returned network
// is exactly 0 (also with PyTorch's init, which draws biases), and a
// homogeneous teacher is still learned.
TEST(SgdLearner, WithoutBiasesStaysHomogeneous) {
  ReluNet teacher = random_net({6, 5, 1}, 4);
  for (auto& layer : teacher.layers()) layer.b.setZero();
  const Dataset data = gaussian_data(teacher, 2000, 1);
  const Dataset probe = gaussian_data(teacher, 500, 2);
  for (const std::string init : {"he", "torch"}) {
    const Fit fit = fit_sgd(data, {"width=16", "epochs=60", "bias=false", "init=" + init}, 3);
    ASSERT_EQ(fit.status, Outcome::ok) << fit.message;
    const auto* net = dynamic_cast<const ReluNetPredictor*>(fit.predictor.get());
    ASSERT_NE(net, nullptr);
    for (const auto& layer : net->net().layers()) EXPECT_TRUE((layer.b.array() == 0.0).all());
    // Realizable and noiseless: the fit is far better than the mean (nmse 1).
    const Vector r = net->predict(probe.X) - probe.y;
    const double var = (probe.y.array() - probe.y.mean()).square().mean();
    EXPECT_LT(r.squaredNorm() / static_cast<double>(r.size()) / var, 0.05) << init;
  }
}

// Multi-start returns the restart with the lowest validation loss; restart 0
// is the single run with the same seed, so restarts can only help.
TEST(SgdLearner, RestartsKeepTheBestRun) {
  const ReluNet teacher = random_net({4, 3, 1}, 5);
  const Dataset data = gaussian_data(teacher, 300, 1);
  const std::vector<std::string> base{"width=3", "epochs=20", "batch=16"};
  auto with = [&](const std::string& extra) {
    std::vector<std::string> p = base;
    p.push_back(extra);
    return p;
  };
  const Fit single = fit_sgd(data, base, 4);
  const Fit multi = fit_sgd(data, with("restarts=5"), 4);
  const Fit again = fit_sgd(data, with("restarts=5"), 4);
  ASSERT_EQ(multi.status, Outcome::ok) << multi.message;
  EXPECT_EQ(multi.stats.at("restarts"), 5.0);
  EXPECT_LE(multi.stats.at("val_loss"), single.stats.at("val_loss"));
  EXPECT_EQ(multi.stats, again.stats);
  // Restart 0 is the single run: chosen, it reproduces it; otherwise it lost.
  if (multi.stats.at("best_restart") == 0.0) {
    EXPECT_EQ(multi.stats.at("val_loss"), single.stats.at("val_loss"));
  } else {
    EXPECT_LT(multi.stats.at("val_loss"), single.stats.at("val_loss"));
  }
}

TEST(SgdLearner, HugeLearningRateReportsDivergence) {
  const ReluNet teacher = random_net({6, 5, 1}, 4);
  const Dataset data = gaussian_data(teacher, 300, 1);
  for (const auto& params : {std::vector<std::string>{"optimizer=sgd", "lr=1e6", "epochs=20"},
                             std::vector<std::string>{"optimizer=sgd", "lr=1e3", "momentum=0",
                                                      "epochs=50", "val_fraction=0"}}) {
    Fit fit;
    ASSERT_NO_THROW(fit = fit_sgd(data, params, 1));
    EXPECT_EQ(fit.status, Outcome::diverged);
    EXPECT_FALSE(fit.message.empty());
    EXPECT_EQ(fit.predictor, nullptr);
  }
}

TEST(SgdLearner, StatsStepsBudgetAndValidation) {
  const ReluNet teacher = random_net({4, 3, 1}, 4);
  const Dataset data = gaussian_data(teacher, 1000, 1);
  const Fit fit = fit_sgd(data, {"steps=37", "batch=50", "val_fraction=0.2"}, 1);
  ASSERT_EQ(fit.status, Outcome::ok);
  EXPECT_EQ(fit.stats.at("steps"), 37.0);
  EXPECT_DOUBLE_EQ(fit.stats.at("epochs"), 37.0 / 16.0);  // 800 samples / 50 per batch
  EXPECT_EQ(fit.stats.at(metric::kSamples), 800.0);
  EXPECT_TRUE(fit.stats.count("val_loss"));
  EXPECT_TRUE(std::isfinite(fit.stats.at(metric::kTrainLoss)));
  EXPECT_EQ(ReluNet::from_json(fit.output["net"]).sizes(), (std::vector<int>{4, 64, 1}));

  const Fit plain = fit_sgd(data, {"epochs=2", "val_fraction=0", "depth=3", "width=8"}, 1);
  EXPECT_FALSE(plain.stats.count("val_loss"));
  EXPECT_EQ(plain.stats.at("steps"), 2.0 * 16.0);  // 1000 samples / 64 per batch, rounded up
  EXPECT_EQ(ReluNet::from_json(plain.output["net"]).sizes(), (std::vector<int>{4, 8, 8, 1}));
}

TEST(SgdLearner, EarlyStoppingKeepsBestValidationWeights) {
  // Pure-noise labels: validation loss stops improving quickly.
  Dataset data = gaussian_data(random_net({5, 3, 1}, 1), 400, 3);
  Rng rng(5, 5);
  rng.fill_normal({data.y.data(), static_cast<std::size_t>(data.y.size())});
  const Fit fit = fit_sgd(data, {"epochs=500", "patience=3", "lr=0.01", "val_fraction=0.25"}, 2);
  ASSERT_EQ(fit.status, Outcome::ok);
  EXPECT_EQ(fit.stats.at("stopped_early"), 1.0);
  EXPECT_LT(fit.stats.at("epochs"), 500.0);
  EXPECT_EQ(fit.stats.at("best_epoch") + 3.0, fit.stats.at("epochs"));
}

TEST(SgdLearner, HonoursTimeLimit) {
  const Dataset data = gaussian_data(random_net({4, 3, 1}, 4), 2000, 1);
  const Fit fit = fit_sgd(data, {"epochs=100000"}, 1, /*time_limit=*/0.0);
  ASSERT_EQ(fit.status, Outcome::time_limit);
  EXPECT_EQ(fit.stats.at("time_limited"), 1.0);
  EXPECT_LE(fit.stats.at("steps"), 32.0);
  EXPECT_FALSE(fit.message.empty());
  EXPECT_NE(fit.predictor, nullptr);
}

TEST(SgdLearner, BadParametersAreUserErrors) {
  const ParamSpec& spec = learner_registry().get("sgd").spec();
  for (const char* bad :
       {"lr=0", "lr=-1", "width=-1", "depth=0", "optimizer=lbfgs", "batch=0", "val_fraction=1",
        "momentum=1", "schedule=linear", "precision=half", "nonsense=1"}) {
    EXPECT_THROW(spec.resolve(std::vector<std::string>{bad}), UserError) << bad;
  }
  const Learner& sgd = learner_registry().get("sgd");
  EXPECT_THROW(sgd.fit(Dataset{}, spec.defaults(), {}), UserError);
  // width = 0 takes the task's hidden_width: an error without one (also when
  // the task publishes a "k" of another meaning, a predicate's arity), that
  // many units with one.
  const ReluNet teacher = random_net({3, 2, 1}, 4);
  const Dataset data = gaussian_data(teacher, 100, 1);
  const Params from_task = spec.resolve(std::vector<std::string>{"width=0", "epochs=2"});
  EXPECT_CONTAINS(hardnets::testing::user_error([&] { sgd.fit(data, from_task, {}); }),
                  "declares no 'hidden_width'");
  LearnerContext arity;
  arity.task = Json{{"k", 5}};
  EXPECT_CONTAINS(hardnets::testing::user_error([&] { sgd.fit(data, from_task, arity); }),
                  "declares no 'hidden_width'");
  LearnerContext ctx;
  ctx.task = Json{{"hidden_width", 3}};
  const Fit fit = sgd.fit(data, from_task, ctx);
  const auto* net = dynamic_cast<const ReluNetPredictor*>(fit.predictor.get());
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(net->net().layers()[0].W.rows(), 3);
}

// A depth-2 ReLU teacher with d = 8 and 4 hidden units on Gaussian inputs is
// learnable by gradient descent: sgd should reach a test nmse well below 0.1.
TEST(SgdLearner, LearnsSmallReluTeacher) {
  const Sizes sizes{20000, 5000};
  Dataset train, test;
  if (const Problem* teacher = problem_registry().find("teacher")) {
    const Params params = teacher->spec().resolve(
        std::vector<std::string>{"d=8", "width=4", "depth=2", "inputs=gaussian", "sigma=0"});
    Instance instance = teacher->generate(params, 17, sizes, {});
    train = std::move(instance.train);
    test = std::move(instance.test);
  } else {
    const ReluNet net = random_net({8, 4, 1}, 17, 1.0 / std::sqrt(8.0));
    train = gaussian_data(net, sizes.n_train, 1);
    test = gaussian_data(net, sizes.n_test, 2);
  }
  for (const std::string schedule : {"constant", "cosine"}) {
    const Fit fit =
        fit_sgd(train, {"width=32", "epochs=40", "lr=0.003", "schedule=" + schedule}, 3);
    ASSERT_EQ(fit.status, Outcome::ok) << fit.message;
    const Metrics metrics = regression_metrics(test, fit.predictor->predict(test.X));
    EXPECT_LT(metrics.at(metric::kNmse), 0.1) << schedule;
    EXPECT_LT(fit.stats.at(metric::kTrainLoss),
              0.1 * (train.y.array() - train.y.mean()).square().mean());
  }
}

}  // namespace
}  // namespace hardnets
