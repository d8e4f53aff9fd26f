#include "hardnets/learners/sgd_train.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "hardnets/core/error.h"

namespace hardnets::sgd {
namespace {

// Rows of a Dataset (double, sample-major) as the kernels' feature-major
// layout: one sample per column, in the order given by `rows`.
template <typename T>
void gather_columns(const Dataset& data, const std::vector<Eigen::Index>& rows,
                    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>& X,
                    Eigen::Matrix<T, Eigen::Dynamic, 1>& y) {
  X.resize(data.dim(), static_cast<Eigen::Index>(rows.size()));
  y.resize(static_cast<Eigen::Index>(rows.size()));
  for (std::size_t j = 0; j < rows.size(); ++j) {
    X.col(static_cast<Eigen::Index>(j)) = data.X.row(rows[j]).transpose().template cast<T>();
    y[static_cast<Eigen::Index>(j)] = static_cast<T>(data.y[rows[j]]);
  }
}

}  // namespace

double schedule_factor(const std::string& schedule, double t) {
  if (schedule == "cosine") return 0.5 * (1.0 + std::cos(std::numbers::pi * t));
  if (schedule == "step") return t < 0.5 ? 1.0 : (t < 0.75 ? 0.1 : 0.01);
  return 1.0;
}

ReluNet initial_network(const std::vector<int>& sizes, const std::string& init, double scale,
                        Rng rng) {
  ReluNet net(sizes);
  for (int l = 0; l < net.depth(); ++l) {
    DenseLayer& layer = net.layers()[l];
    const double fan_in = static_cast<double>(layer.W.cols());
    const bool hidden = l + 1 < net.depth();
    if (init == "torch") {
      const double bound = scale / std::sqrt(fan_in);
      for (Eigen::Index i = 0; i < layer.W.rows(); ++i) {
        for (Eigen::Index j = 0; j < layer.W.cols(); ++j)
          layer.W(i, j) = rng.uniform(-bound, bound);
      }
      for (Eigen::Index i = 0; i < layer.b.size(); ++i) layer.b[i] = rng.uniform(-bound, bound);
    } else {
      const double gain = (init == "he" && hidden) ? 2.0 : 1.0;
      const double std = scale * std::sqrt(gain / fan_in);
      for (Eigen::Index i = 0; i < layer.W.rows(); ++i) {
        for (Eigen::Index j = 0; j < layer.W.cols(); ++j) layer.W(i, j) = std * rng.normal();
      }
    }
  }
  return net;
}

// Validation split: a random val_fraction of the samples (substream "split")
// is held out; without one the training part keeps the data's order.
template <typename T>
Columns<T> split_columns(const Dataset& train, double val_fraction, const Rng& root) {
  const Eigen::Index n = train.size();
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  const auto n_val = static_cast<Eigen::Index>(std::floor(val_fraction * static_cast<double>(n)));
  const Eigen::Index n_fit = n - n_val;
  if (n_fit < 1) fail("sgd: val_fraction {} leaves no training samples", val_fraction);
  if (n_val > 0) {
    Rng split = root.substream("split");
    shuffle(order, split);
  }
  Columns<T> c;
  gather_columns<T>(train, {order.begin(), order.begin() + n_fit}, c.X_fit, c.y_fit);
  gather_columns<T>(train, {order.begin() + n_fit, order.end()}, c.X_val, c.y_val);
  return c;
}

// The kernels loaded with the initial network (substream "init"; biases 0
// without `bias`).
template <typename T>
MlpKernels<T> initial_kernels(const Settings& s, Eigen::Index d, Eigen::Index batch,
                              const Rng& root) {
  std::vector<int> sizes{static_cast<int>(d)};
  for (int l = 1; l < s.depth; ++l) sizes.push_back(s.width);
  sizes.push_back(1);
  // Evaluation passes go through the same buffers; a floor of 256 columns keeps
  // them efficient when training batches are tiny.
  MlpKernels<T> net(sizes, std::max<Eigen::Index>(batch, 256));
  ReluNet start = initial_network(sizes, s.init, s.init_scale, root.substream("init"));
  if (!s.bias) {
    for (auto& layer : start.layers()) layer.b.setZero();
  }
  net.load(start);
  return net;
}

template <typename T>
BatchStream<T>::BatchStream(const Columns<T>& data, Eigen::Index batch,
                            std::int64_t steps_per_epoch, Rng shuffle_root)
    : data_(data),
      batch_(batch),
      steps_per_epoch_(steps_per_epoch),
      shuffle_root_(shuffle_root),
      epoch_order_(static_cast<std::size_t>(data.n_fit())),
      X_(data.X_fit.rows(), batch),
      y_(batch) {}

template <typename T>
Eigen::Index BatchStream<T>::fill(std::int64_t step) {
  const Eigen::Index n_fit = data_.n_fit();
  const std::int64_t position = step % steps_per_epoch_;
  if (position == 0) {
    for (Eigen::Index i = 0; i < n_fit; ++i) epoch_order_[static_cast<std::size_t>(i)] = i;
    Rng epoch_rng = shuffle_root_.substream(static_cast<std::uint64_t>(step / steps_per_epoch_));
    shuffle(epoch_order_, epoch_rng);
  }
  const Eigen::Index begin = position * batch_;
  const Eigen::Index count = std::min(batch_, n_fit - begin);
  for (Eigen::Index j = 0; j < count; ++j) {
    const Eigen::Index row = epoch_order_[static_cast<std::size_t>(begin + j)];
    X_.col(j) = data_.X_fit.col(row);
    y_[j] = data_.y_fit[row];
  }
  return count;
}

// End of an epoch: the validation loss, the best weights, and whether
// `patience` epochs without improvement stop training.
template <typename T>
bool stop_after_epoch(Progress<T>& p, MlpKernels<T>& net, const Columns<T>& data,
                      std::int64_t patience) {
  ++p.epochs_done;
  if (data.n_val() == 0) return false;
  const double val = net.mean_squared_error(data.X_val.data(), data.y_val.data(), data.n_val());
  if (val < p.best_val) {
    p.best_val = val;
    p.best_params = net.parameters();
    p.best_epoch = p.epochs_done;
    p.bad_epochs = 0;
  } else if (patience > 0 && ++p.bad_epochs >= patience) {
    p.stopped_early = true;
    return true;
  }
  return false;
}

// The optimiser's steps over the batches until total_steps, early stopping,
// the time limit or divergence: a loss that is not finite or exceeds
// diverge_ratio times its starting scale (the first batch loss, or the mean
// squared label if larger).
template <typename T>
Progress<T> train_steps(MlpKernels<T>& net, MlpOptimizer<T>& optimizer, const Columns<T>& data,
                        const Settings& s, Eigen::Index batch, std::int64_t total_steps,
                        const Rng& root, const Stopwatch& clock, double time_limit) {
  const Eigen::Index n_fit = data.n_fit();
  const std::int64_t steps_per_epoch = (n_fit + batch - 1) / batch;
  BatchStream<T> batches(data, batch, steps_per_epoch, root.substream("shuffle"));
  const double label_scale =
      static_cast<double>(data.y_fit.squaredNorm()) / static_cast<double>(n_fit);
  double loss_scale = 0.0;
  Progress<T> p;
  while (p.step < total_steps) {
    const std::int64_t position = p.step % steps_per_epoch;
    const Eigen::Index count = batches.fill(p.step);
    const double lr = s.lr * schedule_factor(s.schedule, static_cast<double>(p.step) / total_steps);
    const double loss = net.loss_and_gradient(batches.X(), batches.y(), count);
    if (p.step == 0) loss_scale = std::max({static_cast<double>(loss), label_scale, 1e-30});
    if (!std::isfinite(loss)) {
      p.diverged = fmt::format("training loss became {} at step {} (lr {})", loss, p.step, lr);
      return p;
    }
    if (loss > s.diverge_ratio * loss_scale) {
      p.diverged = fmt::format(
          "training loss exploded to {:.3g} (starting scale {:.3g}) at "
          "step {} (lr {})",
          loss, loss_scale, p.step, lr);
      return p;
    }
    optimizer.step(net.parameters().data(), net.gradient().data(), lr);
    ++p.step;
    const bool epoch_end = position + 1 == steps_per_epoch || p.step == total_steps;
    if (epoch_end && stop_after_epoch(p, net, data, s.patience)) break;
    // The clock is read every 16 steps and at epoch ends: cheap, and a step is
    // far shorter than any sensible time limit.
    if ((epoch_end || p.step % 16 == 0) && clock.seconds() > time_limit) {
      p.time_limited = p.step < total_steps;
      break;
    }
  }
  return p;
}

// A "diverged" result (no predictor) after `step` steps.
Fit diverged_fit(const std::string& why, std::int64_t step, std::int64_t steps_per_epoch,
                 Eigen::Index n_fit) {
  Fit fit;
  fit.status = Outcome::diverged;
  fit.message = why;
  fit.stats["steps"] = static_cast<double>(step);
  fit.stats["epochs"] = static_cast<double>(step) / static_cast<double>(steps_per_epoch);
  fit.stats[metric::kSamples] = static_cast<double>(n_fit);
  return fit;
}

template <typename T>
Fit train_mlp(const Dataset& train, const Settings& s, const LearnerContext& ctx) {
  const Stopwatch clock;
  const Rng root(ctx.seed, stream_id("sgd"));
  const Columns<T> data = split_columns<T>(train, s.val_fraction, root);
  const Eigen::Index n_fit = data.n_fit(), n_val = data.n_val();
  const Eigen::Index batch = std::min<Eigen::Index>(s.batch, n_fit);
  MlpKernels<T> net = initial_kernels<T>(s, train.dim(), batch, root);
  // Without biases the optimiser owns only the weight prefix of the buffer:
  // the biases keep their initial value 0 (homogeneous units, as in
  // relu_reduction's class).
  MlpOptimizer<T> optimizer(s.optimizer, s.bias ? net.num_parameters() : net.num_weights(),
                            net.num_weights());
  const std::int64_t steps_per_epoch = (n_fit + batch - 1) / batch;
  const std::int64_t total_steps = s.steps > 0 ? s.steps : s.epochs * steps_per_epoch;
  const double time_limit = ctx.time_limit_seconds;

  Progress<T> p =
      train_steps<T>(net, optimizer, data, s, batch, total_steps, root, clock, time_limit);
  if (!p.diverged.empty()) return diverged_fit(p.diverged, p.step, steps_per_epoch, n_fit);
  if (n_val > 0 && p.best_params.size() == net.num_parameters()) net.parameters() = p.best_params;
  if (!net.parameters().allFinite()) {
    return diverged_fit(fmt::format("parameters became non-finite after {} steps", p.step), p.step,
                        steps_per_epoch, n_fit);
  }
  const double train_loss = net.mean_squared_error(data.X_fit.data(), data.y_fit.data(), n_fit);
  if (!std::isfinite(train_loss)) {
    return diverged_fit(fmt::format("final training loss is {}", train_loss), p.step,
                        steps_per_epoch, n_fit);
  }

  Fit fit;
  ReluNet result = net.to_relu_net();
  fit.output = Json{{"net", result.to_json()}};
  fit.predictor = std::make_shared<ReluNetPredictor>(std::move(result));
  fit.stats[metric::kTrainLoss] = train_loss;
  fit.stats[metric::kSamples] = static_cast<double>(n_fit);
  fit.stats["steps"] = static_cast<double>(p.step);
  fit.stats["epochs"] = static_cast<double>(p.step) / static_cast<double>(steps_per_epoch);
  fit.stats["parameters"] = static_cast<double>(net.num_parameters());
  if (n_val > 0) {
    fit.stats["val_loss"] = p.best_val;
    fit.stats["best_epoch"] = static_cast<double>(p.best_epoch);
    fit.stats["stopped_early"] = p.stopped_early ? 1.0 : 0.0;
  }
  fit.stats["time_limited"] = p.time_limited ? 1.0 : 0.0;
  if (p.time_limited) {
    // Stopped by the budget: a "timeout" result that still carries its model.
    fit.status = Outcome::time_limit;
    fit.message = fmt::format("time limit of {} s reached after {} of {} steps", time_limit, p.step,
                              total_steps);
  } else if (p.stopped_early) {
    fit.message = fmt::format("early stop after epoch {}: no validation improvement for {} epochs",
                              p.epochs_done, s.patience);
  }
  return fit;
}

template Columns<float> split_columns<float>(const Dataset&, double, const Rng&);
template Columns<double> split_columns<double>(const Dataset&, double, const Rng&);
template MlpKernels<float> initial_kernels<float>(const Settings&, Eigen::Index, Eigen::Index,
                                                  const Rng&);
template MlpKernels<double> initial_kernels<double>(const Settings&, Eigen::Index, Eigen::Index,
                                                    const Rng&);
template class BatchStream<float>;
template class BatchStream<double>;
template bool stop_after_epoch<float>(Progress<float>&, MlpKernels<float>&, const Columns<float>&,
                                      std::int64_t);
template bool stop_after_epoch<double>(Progress<double>&, MlpKernels<double>&,
                                       const Columns<double>&, std::int64_t);
template Progress<float> train_steps<float>(MlpKernels<float>&, MlpOptimizer<float>&,
                                            const Columns<float>&, const Settings&, Eigen::Index,
                                            std::int64_t, const Rng&, const Stopwatch&, double);
template Progress<double> train_steps<double>(MlpKernels<double>&, MlpOptimizer<double>&,
                                              const Columns<double>&, const Settings&, Eigen::Index,
                                              std::int64_t, const Rng&, const Stopwatch&, double);
template Fit train_mlp<float>(const Dataset&, const Settings&, const LearnerContext&);
template Fit train_mlp<double>(const Dataset&, const Settings&, const LearnerContext&);

}  // namespace hardnets::sgd
