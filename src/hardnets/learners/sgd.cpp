#include "hardnets/learners/sgd.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "hardnets/contracts/task_keys.h"
#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"
#include "hardnets/nets/mlp_kernels.h"
#include "hardnets/nets/relu_net.h"

namespace hardnets {
namespace {

const LearnerRegistration kRegister{std::make_unique<SgdLearner>()};

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

// Learning-rate multiplier at progress t = step / total_steps in [0, 1).
double schedule_factor(const std::string& schedule, double t) {
  if (schedule == "cosine") return 0.5 * (1.0 + std::cos(std::numbers::pi * t));
  if (schedule == "step") return t < 0.5 ? 1.0 : (t < 0.75 ? 0.1 : 0.01);
  return 1.0;
}

// Random initial network: weights N(0, init_scale^2 * gain / fan_in), biases 0.
// "he" (Kaiming) uses gain 2 on hidden layers to preserve the second moment
// through ReLUs and gain 1 on the linear output; "lecun" gain 1 everywhere;
// "torch" mimics PyTorch's nn.Linear default, U(-1/sqrt(fan_in), 1/sqrt(fan_in))
// for weights and biases alike (times init_scale).
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

template <typename T>
Fit train_mlp(const Dataset& train, const Settings& s, const LearnerContext& ctx) {
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  const Stopwatch clock;
  const Rng root(ctx.seed, stream_id("sgd"));
  const Eigen::Index n = train.size(), d = train.dim();

  // Validation split: a random val_fraction of the samples is held out.
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  const auto n_val = static_cast<Eigen::Index>(std::floor(s.val_fraction * static_cast<double>(n)));
  const Eigen::Index n_fit = n - n_val;
  if (n_fit < 1) fail("sgd: val_fraction {} leaves no training samples", s.val_fraction);
  if (n_val > 0) {
    Rng split = root.substream("split");
    shuffle(order, split);
  }
  Mat X_fit, X_val;
  Vec y_fit, y_val;
  gather_columns<T>(train, {order.begin(), order.begin() + n_fit}, X_fit, y_fit);
  gather_columns<T>(train, {order.begin() + n_fit, order.end()}, X_val, y_val);

  std::vector<int> sizes{static_cast<int>(d)};
  for (int l = 1; l < s.depth; ++l) sizes.push_back(s.width);
  sizes.push_back(1);
  const Eigen::Index batch = std::min<Eigen::Index>(s.batch, n_fit);
  // Evaluation passes go through the same buffers; a floor of 256 columns keeps
  // them efficient when training batches are tiny.
  MlpKernels<T> net(sizes, std::max<Eigen::Index>(batch, 256));
  ReluNet start = initial_network(sizes, s.init, s.init_scale, root.substream("init"));
  if (!s.bias) {
    for (auto& layer : start.layers()) layer.b.setZero();
  }
  net.load(start);
  // Without biases the optimiser owns only the weight prefix of the buffer:
  // the biases keep their initial value 0 (homogeneous units, as in
  // relu_reduction's class).
  MlpOptimizer<T> optimizer(s.optimizer, s.bias ? net.num_parameters() : net.num_weights(),
                            net.num_weights());

  const std::int64_t steps_per_epoch = (n_fit + batch - 1) / batch;
  const std::int64_t total_steps = s.steps > 0 ? s.steps : s.epochs * steps_per_epoch;
  const Rng shuffle_root = root.substream("shuffle");
  std::vector<Eigen::Index> epoch_order(static_cast<std::size_t>(n_fit));
  Mat X_batch(d, batch);
  Vec y_batch(batch);

  // Divergence: the loss is compared with its starting scale (first batch loss,
  // or the mean squared label if larger).
  const double label_scale = static_cast<double>(y_fit.squaredNorm()) / static_cast<double>(n_fit);
  double loss_scale = 0.0;

  Fit fit;
  const double time_limit = ctx.time_limit_seconds;
  bool time_limited = false, stopped_early = false;
  std::int64_t step = 0, epochs_done = 0, best_epoch = 0, bad_epochs = 0;
  double best_val = std::numeric_limits<double>::infinity();
  Vec best_params;

  auto diverged = [&](const std::string& why) {
    fit.status = Outcome::diverged;
    fit.message = why;
    fit.stats["steps"] = static_cast<double>(step);
    fit.stats["epochs"] = static_cast<double>(step) / static_cast<double>(steps_per_epoch);
    fit.stats[metric::kSamples] = static_cast<double>(n_fit);
    return fit;
  };

  while (step < total_steps) {
    const std::int64_t position = step % steps_per_epoch;
    if (position == 0) {
      for (Eigen::Index i = 0; i < n_fit; ++i) epoch_order[static_cast<std::size_t>(i)] = i;
      Rng epoch_rng = shuffle_root.substream(static_cast<std::uint64_t>(step / steps_per_epoch));
      shuffle(epoch_order, epoch_rng);
    }
    const Eigen::Index begin = position * batch;
    const Eigen::Index count = std::min(batch, n_fit - begin);
    for (Eigen::Index j = 0; j < count; ++j) {
      const Eigen::Index row = epoch_order[static_cast<std::size_t>(begin + j)];
      X_batch.col(j) = X_fit.col(row);
      y_batch[j] = y_fit[row];
    }
    const double lr = s.lr * schedule_factor(s.schedule, static_cast<double>(step) / total_steps);
    const double loss = net.loss_and_gradient(X_batch.data(), y_batch.data(), count);
    if (step == 0) loss_scale = std::max({static_cast<double>(loss), label_scale, 1e-30});
    if (!std::isfinite(loss)) {
      return diverged(fmt::format("training loss became {} at step {} (lr {})", loss, step, lr));
    }
    if (loss > s.diverge_ratio * loss_scale) {
      return diverged(
          fmt::format("training loss exploded to {:.3g} (starting scale {:.3g}) at "
                      "step {} (lr {})",
                      loss, loss_scale, step, lr));
    }
    optimizer.step(net.parameters().data(), net.gradient().data(), lr);
    ++step;

    const bool epoch_end = position + 1 == steps_per_epoch || step == total_steps;
    if (epoch_end) {
      ++epochs_done;
      if (n_val > 0) {
        const double val = net.mean_squared_error(X_val.data(), y_val.data(), n_val);
        if (val < best_val) {
          best_val = val;
          best_params = net.parameters();
          best_epoch = epochs_done;
          bad_epochs = 0;
        } else if (s.patience > 0 && ++bad_epochs >= s.patience) {
          stopped_early = true;
          break;
        }
      }
    }
    // The clock is read every 16 steps and at epoch ends: cheap, and a step is
    // far shorter than any sensible time limit.
    if ((epoch_end || step % 16 == 0) && clock.seconds() > time_limit) {
      time_limited = step < total_steps;
      break;
    }
  }

  if (n_val > 0 && best_params.size() == net.num_parameters()) net.parameters() = best_params;
  if (!net.parameters().allFinite()) {
    return diverged(fmt::format("parameters became non-finite after {} steps", step));
  }
  const double train_loss = net.mean_squared_error(X_fit.data(), y_fit.data(), n_fit);
  if (!std::isfinite(train_loss)) {
    return diverged(fmt::format("final training loss is {}", train_loss));
  }

  ReluNet result = net.to_relu_net();
  fit.output = Json{{"net", result.to_json()}};
  fit.predictor = std::make_shared<ReluNetPredictor>(std::move(result));
  fit.stats[metric::kTrainLoss] = train_loss;
  fit.stats[metric::kSamples] = static_cast<double>(n_fit);
  fit.stats["steps"] = static_cast<double>(step);
  fit.stats["epochs"] = static_cast<double>(step) / static_cast<double>(steps_per_epoch);
  fit.stats["parameters"] = static_cast<double>(net.num_parameters());
  if (n_val > 0) {
    fit.stats["val_loss"] = best_val;
    fit.stats["best_epoch"] = static_cast<double>(best_epoch);
    fit.stats["stopped_early"] = stopped_early ? 1.0 : 0.0;
  }
  fit.stats["time_limited"] = time_limited ? 1.0 : 0.0;
  if (time_limited) {
    // Stopped by the budget: a "timeout" result that still carries its model.
    fit.status = Outcome::time_limit;
    fit.message = fmt::format("time limit of {} s reached after {} of {} steps", time_limit, step,
                              total_steps);
  } else if (stopped_early) {
    fit.message = fmt::format("early stop after epoch {}: no validation improvement for {} epochs",
                              epochs_done, s.patience);
  }
  return fit;
}

}  // namespace

SgdLearner::SgdLearner() : spec_("sgd") {
  spec_.integer("depth", 2, 1, 64, "number of weight layers (2 = one hidden ReLU layer)")
      .integer("width", 64, 0, 65536,
               "ReLU units per hidden layer; 0 = the task's hidden_width (relu_reduction, "
               "prg_depth3, prg_depth2_smoothed)")
      .choice("optimizer", "adam", {"adam", "sgd"}, "Adam, or SGD with heavy-ball momentum")
      .real("lr", 1e-3, 0.0, 1e12, "base learning rate", /*min_open=*/true)
      .real("momentum", 0.9, 0.0, 1.0, "SGD momentum μ (optimizer=sgd)", false, /*max_open=*/true)
      .real("beta1", 0.9, 0.0, 1.0, "Adam first-moment decay (optimizer=adam)", false, true)
      .real("beta2", 0.999, 0.0, 1.0, "Adam second-moment decay (optimizer=adam)", false, true)
      .real("eps", 1e-8, 0.0, 1.0, "Adam denominator ε (optimizer=adam)", true)
      .integer("batch", 64, 1, 1 << 24, "mini-batch size (capped at the training-set size)")
      .integer("epochs", 100, 1, 1'000'000'000, "passes over the training part (when steps=0)")
      .integer("steps", 0, 0, std::int64_t{1} << 50, "optimizer steps; 0 = use epochs instead")
      .real("weight_decay", 0.0, 0.0, 1e6, "decoupled weight decay λ on weights (not biases)")
      .choice("schedule", "constant", {"constant", "cosine", "step"},
              "lr schedule: constant, cosine to 0, or ×0.1 at 50% and 75% of the steps")
      .real("val_fraction", 0.1, 0.0, 0.9,
            "fraction held out for validation, early stopping and best-weight selection")
      .integer("patience", 10, 0, 1'000'000'000,
               "epochs without validation improvement before stopping; 0 = never stop early")
      .choice("init", "he", {"he", "lecun", "torch"},
              "initial weights: He/Kaiming normal, LeCun normal, or PyTorch's uniform default")
      .real("init_scale", 1.0, 0.0, 1e6, "multiplier on the initial weight scale")
      .integer("restarts", 1, 1, 100'000,
               "independent initialisations (multi-start): the one with the lowest validation "
               "loss (training loss when val_fraction = 0) is returned; the time limit is shared")
      .flag("bias", true,
            "biases in every layer; false: homogeneous network (biases fixed at 0), the class "
            "of relu_reduction")
      .choice("precision", "float", {"float", "double"}, "arithmetic of the training loop")
      .real("diverge_ratio", 1e6, 1.0, 1e300,
            "report 'diverged' when a batch loss exceeds this times its starting scale", true);
}

Fit SgdLearner::fit_impl(const Dataset& train, const Params& params,
                         const LearnerContext& ctx) const {
  check_training_set("sgd", train, true);
  Settings s;
  s.depth = static_cast<int>(params.integer("depth"));
  s.width = static_cast<int>(params.integer("width"));
  if (s.width == 0) {
    s.width = static_cast<int>(task_integer(ctx.task, kHiddenWidth, "sgd", "width = 0",
                                            "pass -l width=M (the units per hidden layer)"));
    if (s.width < 1) fail("sgd: the task declares hidden_width = {}; need >= 1", s.width);
  }
  s.optimizer.kind = params.text("optimizer") == "sgd" ? OptimizerSettings::Kind::kSgd
                                                       : OptimizerSettings::Kind::kAdam;
  s.optimizer.beta1 = params.real("beta1");
  s.optimizer.beta2 = params.real("beta2");
  s.optimizer.eps = params.real("eps");
  s.optimizer.momentum = params.real("momentum");
  s.optimizer.weight_decay = params.real("weight_decay");
  s.lr = params.real("lr");
  s.batch = params.integer("batch");
  s.epochs = params.integer("epochs");
  s.steps = params.integer("steps");
  s.schedule = params.text("schedule");
  s.val_fraction = params.real("val_fraction");
  s.patience = params.integer("patience");
  s.init = params.text("init");
  s.init_scale = params.real("init_scale");
  s.diverge_ratio = params.real("diverge_ratio");
  s.bias = params.flag("bias");
  const auto train_once = [&](const LearnerContext& c) {
    return params.text("precision") == "double" ? train_mlp<double>(train, s, c)
                                                : train_mlp<float>(train, s, c);
  };
  const std::int64_t restarts = params.integer("restarts");
  if (restarts == 1) return train_once(ctx);
  // Multi-start: restart r gets its own seed (restart 0 is the single run's)
  // and an equal share of what is left of the time budget.
  const Stopwatch clock;
  Fit best;
  double best_score = std::numeric_limits<double>::infinity();
  std::int64_t done = 0, diverged = 0, best_restart = -1;
  for (std::int64_t r = 0; r < restarts; ++r) {
    LearnerContext c = ctx;
    c.seed = r == 0 ? ctx.seed : Rng(ctx.seed, stream_id("sgd.restart")).substream(r).next_u64();
    const double left = ctx.time_limit_seconds - clock.seconds();
    if (left <= 0) break;
    c.time_limit_seconds = left / static_cast<double>(restarts - r);
    Fit fit = train_once(c);
    ++done;
    if (fit.status == Outcome::diverged) {
      ++diverged;
      if (!best.predictor && best_restart < 0) best = fit;
      continue;
    }
    const double score =
        fit.stats.count("val_loss") ? fit.stats.at("val_loss") : fit.stats.at(metric::kTrainLoss);
    if (best_restart < 0 || score < best_score) {
      best_score = score;
      best = std::move(fit);
      best_restart = r;
    }
  }
  best.stats["restarts"] = static_cast<double>(done);
  best.stats["restarts_diverged"] = static_cast<double>(diverged);
  best.stats["best_restart"] = static_cast<double>(best_restart);
  if (done < restarts) {
    if (best.status == Outcome::ok) best.status = Outcome::time_limit;
    best.message += fmt::format("{}time limit reached after {} of {} restarts",
                                best.message.empty() ? "" : "; ", done, restarts);
  }
  return best;
}

}  // namespace hardnets
