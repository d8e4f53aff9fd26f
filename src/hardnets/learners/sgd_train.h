// The training of the `sgd` learner (sgd.h), one restart: its stages, each
// testable alone. train_mlp runs them: split_columns (validation split, the
// kernels' layout), initial_kernels (the initial network), train_steps (the
// optimiser over BatchStream's mini-batches, with early stopping on
// validation, the time limit and divergence), then the result. T is the
// training precision (float or double; both are instantiated).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "hardnets/core/dataset.h"
#include "hardnets/core/resources.h"
#include "hardnets/core/rng.h"
#include "hardnets/learners/learner.h"
#include "hardnets/nets/mlp_kernels.h"
#include "hardnets/nets/relu_net.h"

namespace hardnets::sgd {

template <typename T>
using MatOf = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <typename T>
using VecOf = Eigen::Matrix<T, Eigen::Dynamic, 1>;

// The learner's parameters, as one restart reads them.
struct Settings {
  int depth, width;
  OptimizerSettings optimizer;
  double lr;
  Eigen::Index batch;
  std::int64_t epochs, steps;
  std::string schedule;
  double val_fraction;
  std::int64_t patience;
  std::string init;
  double init_scale;
  double diverge_ratio;
  bool bias;
};

// Learning-rate multiplier at progress t = step / total_steps in [0, 1):
// "cosine" 0.5 (1 + cos πt), "step" 1, 0.1 from t = 0.5, 0.01 from 0.75, else 1.
double schedule_factor(const std::string& schedule, double t);

// Random initial network: weights N(0, init_scale^2 * gain / fan_in), biases 0.
// "he" (Kaiming) uses gain 2 on hidden layers to preserve the second moment
// through ReLUs and gain 1 on the linear output; "lecun" gain 1 everywhere;
// "torch" mimics PyTorch's nn.Linear default, U(-1/sqrt(fan_in), 1/sqrt(fan_in))
// for weights and biases alike (times init_scale).
ReluNet initial_network(const std::vector<int>& sizes, const std::string& init, double scale,
                        Rng rng);

// The training and validation parts in the kernels' layout (one sample per
// column).
template <typename T>
struct Columns {
  MatOf<T> X_fit, X_val;
  VecOf<T> y_fit, y_val;
  Eigen::Index n_fit() const { return y_fit.size(); }
  Eigen::Index n_val() const { return y_val.size(); }
};

// Validation split: floor(val_fraction · n) random samples (substream "split"
// of `root`) are held out; without a validation part the training part keeps
// the data's order. UserError when no training sample is left.
template <typename T>
Columns<T> split_columns(const Dataset& train, double val_fraction, const Rng& root);

// The kernels (layers d, width × (depth - 1), 1; batches up to max(batch,
// 256) columns) loaded with initial_network (substream "init" of `root`),
// biases 0 without s.bias.
template <typename T>
MlpKernels<T> initial_kernels(const Settings& s, Eigen::Index d, Eigen::Index batch,
                              const Rng& root);

// Mini-batches: every epoch visits the training columns in a fresh random
// order (substream `epoch` of `shuffle_root`), in consecutive batches of
// `batch` (the last one of an epoch may be shorter). Steps are filled in
// order: an epoch's order is drawn at its first step.
template <typename T>
class BatchStream {
 public:
  BatchStream(const Columns<T>& data, Eigen::Index batch, std::int64_t steps_per_epoch,
              Rng shuffle_root);
  // The batch of training step `step` into X() and y(); its number of columns.
  Eigen::Index fill(std::int64_t step);
  const T* X() const { return X_.data(); }
  const T* y() const { return y_.data(); }

 private:
  const Columns<T>& data_;
  Eigen::Index batch_;
  std::int64_t steps_per_epoch_;
  Rng shuffle_root_;
  std::vector<Eigen::Index> epoch_order_;
  MatOf<T> X_;
  VecOf<T> y_;
};

// Where the training loop stopped and what it kept.
template <typename T>
struct Progress {
  std::int64_t step = 0, epochs_done = 0, best_epoch = 0, bad_epochs = 0;
  double best_val = std::numeric_limits<double>::infinity();
  VecOf<T> best_params;  // the best-validation weights (with a validation part)
  bool time_limited = false, stopped_early = false;
  std::string diverged;  // why training diverged; empty when it did not
};

// End of an epoch: counts it and, with a validation part, scores the network
// on it, keeps the best weights, and returns true when `patience` (> 0)
// epochs in a row brought no improvement (early stop).
template <typename T>
bool stop_after_epoch(Progress<T>& p, MlpKernels<T>& net, const Columns<T>& data,
                      std::int64_t patience);

// The optimiser's steps over the batches (substream "shuffle" of `root`)
// until total_steps, an early stop, the time limit (the clock is read every 16
// steps and at epoch ends) or divergence: a batch loss that is not finite or
// exceeds diverge_ratio times its starting scale (the first batch loss, or
// the mean squared label if larger).
template <typename T>
Progress<T> train_steps(MlpKernels<T>& net, MlpOptimizer<T>& optimizer, const Columns<T>& data,
                        const Settings& s, Eigen::Index batch, std::int64_t total_steps,
                        const Rng& root, const Stopwatch& clock, double time_limit);

// A "diverged" result (no predictor) after `step` steps.
Fit diverged_fit(const std::string& why, std::int64_t step, std::int64_t steps_per_epoch,
                 Eigen::Index n_fit);

// One training from ctx.seed: the fit with the final (or best-validation)
// weights, "diverged" without a predictor, or "timeout" with the weights so far.
template <typename T>
Fit train_mlp(const Dataset& train, const Settings& s, const LearnerContext& ctx);

}  // namespace hardnets::sgd
