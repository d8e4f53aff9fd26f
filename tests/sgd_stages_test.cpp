// The stages of one `sgd` training one at a time: the learning-rate
// schedule, the validation split, the initial kernels, the mini-batch stream,
// the end-of-epoch bookkeeping and the training loop's stopping rules.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "hardnets/core/rng.h"
#include "hardnets/learners/sgd_train.h"

namespace hardnets::sgd {
namespace {

// n samples in R^2 whose label is the row index (so rows can be traced).
Dataset indexed(Eigen::Index n) {
  Dataset data;
  data.X.resize(n, 2);
  data.y.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    data.X(i, 0) = static_cast<double>(i);
    data.X(i, 1) = -0.5 * static_cast<double>(i);
    data.y[i] = static_cast<double>(i);
  }
  return data;
}

Settings small_settings() {
  Settings s{};
  s.depth = 2;
  s.width = 3;
  s.lr = 1e-2;
  s.batch = 4;
  s.epochs = 5;
  s.steps = 0;
  s.schedule = "constant";
  s.val_fraction = 0.0;
  s.patience = 0;
  s.init = "he";
  s.init_scale = 1.0;
  s.diverge_ratio = 1e6;
  s.bias = true;
  return s;
}

TEST(SgdStages, ScheduleFactorByHand) {
  EXPECT_EQ(schedule_factor("constant", 0.7), 1.0);
  EXPECT_EQ(schedule_factor("cosine", 0.0), 1.0);
  EXPECT_NEAR(schedule_factor("cosine", 0.5), 0.5, 1e-15);
  EXPECT_NEAR(schedule_factor("cosine", 0.75), 0.5 * (1.0 - std::numbers::sqrt2 / 2.0), 1e-15);
  EXPECT_EQ(schedule_factor("step", 0.49), 1.0);
  EXPECT_EQ(schedule_factor("step", 0.5), 0.1);
  EXPECT_EQ(schedule_factor("step", 0.8), 0.01);
}

// Without validation the columns are the rows in order; with val_fraction
// 1/4 of 8 samples, 2 are held out and the two parts partition the rows.
TEST(SgdStages, SplitColumnsPartitionsTheRows) {
  const Dataset data = indexed(8);
  const Rng root(1, stream_id("sgd_stages_test"));
  const Columns<float> all = split_columns<float>(data, 0.0, root);
  ASSERT_EQ(all.n_fit(), 8);
  EXPECT_EQ(all.n_val(), 0);
  for (Eigen::Index j = 0; j < 8; ++j) {
    EXPECT_EQ(all.y_fit[j], static_cast<float>(j));
    EXPECT_EQ(all.X_fit(1, j), static_cast<float>(-0.5 * static_cast<double>(j)));
  }
  const Columns<double> split = split_columns<double>(data, 0.25, root);
  ASSERT_EQ(split.n_fit(), 6);
  ASSERT_EQ(split.n_val(), 2);
  std::set<double> seen;
  for (Eigen::Index j = 0; j < 6; ++j) seen.insert(split.y_fit[j]);
  for (Eigen::Index j = 0; j < 2; ++j) seen.insert(split.y_val[j]);
  EXPECT_EQ(seen.size(), 8U);
  for (Eigen::Index j = 0; j < 6; ++j) EXPECT_EQ(split.X_fit(0, j), split.y_fit[j]);
  EXPECT_EQ(split_columns<double>(data, 0.25, root).y_val, split.y_val);
}

// Layers d → width → 1; without biases every bias entry (after the weights)
// is 0, and the same root gives the same network.
TEST(SgdStages, InitialKernelsFollowTheSettings) {
  Settings s = small_settings();
  s.bias = false;
  s.init = "torch";  // the one initialisation that draws biases
  const Rng root(2, stream_id("sgd_stages_test"));
  const MlpKernels<double> net = initial_kernels<double>(s, 2, 4, root);
  EXPECT_EQ(net.sizes(), (std::vector<int>{2, 3, 1}));
  EXPECT_EQ(net.num_parameters(), 2 * 3 + 3 * 1 + 3 + 1);
  EXPECT_EQ(net.parameters().tail(net.num_parameters() - net.num_weights()),
            Eigen::VectorXd::Zero(4));
  EXPECT_GT(net.parameters().head(net.num_weights()).cwiseAbs().maxCoeff(), 0.0);
  s.bias = true;
  const MlpKernels<double> biased = initial_kernels<double>(s, 2, 4, root);
  EXPECT_EQ(biased.parameters().head(net.num_weights()), net.parameters().head(net.num_weights()));
  EXPECT_GT(biased.parameters().tail(4).cwiseAbs().maxCoeff(), 0.0);
}

// 10 training columns in batches of 4: every epoch's 3 batches (4, 4, 2
// columns) visit each column once, and epochs are shuffled differently.
TEST(SgdStages, BatchStreamVisitsEveryColumnOncePerEpoch) {
  const Dataset data = indexed(10);
  const Columns<double> columns = split_columns<double>(data, 0.0, Rng(3, 0));
  BatchStream<double> batches(columns, 4, 3, Rng(4, stream_id("shuffle")));
  std::vector<std::vector<double>> epochs(2);
  for (std::int64_t step = 0; step < 6; ++step) {
    const Eigen::Index count = batches.fill(step);
    EXPECT_EQ(count, step % 3 == 2 ? 2 : 4) << step;
    for (Eigen::Index j = 0; j < count; ++j) {
      const double label = batches.y()[j];
      EXPECT_EQ(batches.X()[2 * j], label);  // column j of the batch, row 0
      epochs[static_cast<std::size_t>(step / 3)].push_back(label);
    }
  }
  EXPECT_NE(epochs[0], epochs[1]);
  for (auto& e : epochs) {
    std::sort(e.begin(), e.end());
    EXPECT_EQ(e, (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  }
}

// A linear model f(x) = w x + b on validation inputs x = (1, 1), labels (1, 1):
// w = 0 scores 1, w = 1 scores 0 (best), w = 5 scores 16 and w = 3 scores 4;
// with patience 2 the second epoch in a row without improvement stops, and
// the best weights are those of epoch 2.
TEST(SgdStages, StopAfterEpochKeepsTheBestAndStopsAfterPatience) {
  Columns<double> data;
  data.X_fit = Eigen::MatrixXd::Ones(1, 2);
  data.y_fit = Eigen::VectorXd::Ones(2);
  data.X_val = Eigen::MatrixXd::Ones(1, 2);
  data.y_val = Eigen::VectorXd::Ones(2);
  MlpKernels<double> net({1, 1}, 4);
  Progress<double> p;
  const std::vector<double> weights{0.0, 1.0, 5.0, 3.0};
  const std::vector<bool> stops{false, false, false, true};
  for (std::size_t e = 0; e < weights.size(); ++e) {
    net.parameters() << weights[e], 0.0;
    EXPECT_EQ(stop_after_epoch(p, net, data, 2), stops[e]) << e;
  }
  EXPECT_EQ(p.epochs_done, 4);
  EXPECT_EQ(p.best_epoch, 2);
  EXPECT_EQ(p.best_val, 0.0);
  EXPECT_EQ(p.best_params, Eigen::Vector2d(1.0, 0.0));
  EXPECT_TRUE(p.stopped_early);
  // Without a validation part an epoch only counts.
  Columns<double> no_val = data;
  no_val.X_val.resize(1, 0);
  no_val.y_val.resize(0);
  Progress<double> q;
  EXPECT_FALSE(stop_after_epoch(q, net, no_val, 1));
  EXPECT_EQ(q.epochs_done, 1);
  EXPECT_EQ(q.best_params.size(), 0);
}

// The loop's stopping rules: the step budget, a spent time limit (the clock
// is first read at step 16 of a 25-step epoch), and divergence, reported
// with the step at which it happened.
TEST(SgdStages, TrainStepsStopsOnBudgetTimeAndDivergence) {
  Dataset data = indexed(100);
  data.y = data.X.col(0).cwiseMax(0.0) / 100.0;
  data.X /= 100.0;
  const Rng root(5, stream_id("sgd_stages_test"));
  const Columns<float> columns = split_columns<float>(data, 0.0, root);
  Settings s = small_settings();
  const Stopwatch clock;
  auto run = [&](const Settings& settings, std::int64_t total, double time_limit) {
    MlpKernels<float> net = initial_kernels<float>(settings, 2, 4, root);
    MlpOptimizer<float> adam(settings.optimizer, net.num_parameters(), net.num_weights());
    return train_steps<float>(net, adam, columns, settings, 4, total, root, clock, time_limit);
  };
  const Progress<float> budget = run(s, 60, std::numeric_limits<double>::infinity());
  EXPECT_EQ(budget.step, 60);
  EXPECT_EQ(budget.epochs_done, 3);  // 25, 50 and the last step
  EXPECT_FALSE(budget.time_limited);
  EXPECT_TRUE(budget.diverged.empty());
  const Progress<float> timed = run(s, 60, -1.0);
  EXPECT_EQ(timed.step, 16);
  EXPECT_TRUE(timed.time_limited);
  s.lr = 1e6;
  const Progress<float> blown = run(s, 60, std::numeric_limits<double>::infinity());
  EXPECT_FALSE(blown.diverged.empty());
  EXPECT_LT(blown.step, 60);
  EXPECT_NE(blown.diverged.find("step " + std::to_string(blown.step)), std::string::npos)
      << blown.diverged;
}

}  // namespace
}  // namespace hardnets::sgd
