#include "hardnets/learners/sgd.h"

#include <limits>
#include <string>
#include <vector>

#include "hardnets/contracts/task_keys.h"
#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"
#include "hardnets/learners/sgd_train.h"

namespace hardnets {
namespace {

const LearnerRegistration kRegister{std::make_unique<SgdLearner>()};

}  // namespace

SgdLearner::SgdLearner() {
  options_.cite("kingma2015adam", "the optimizer (Adam)");
  using O = SgdOptions;
  options_
      .integer("depth", &O::depth, 2, 1, 64, "number of weight layers (2 = one hidden ReLU layer)")
      .integer("width", &O::width, 64, 0, 65536,
               "ReLU units per hidden layer; 0 = the task's hidden_width (relu_reduction, "
               "prg_depth3, prg_depth2_smoothed)")
      .choice("optimizer", &O::optimizer, "adam", {"adam", "sgd"},
              "Adam, or SGD with heavy-ball momentum")
      .real("lr", &O::lr, 1e-3, 0.0, 1e12, "base learning rate", /*min_open=*/true)
      .real("momentum", &O::momentum, 0.9, 0.0, 1.0, "SGD momentum μ (optimizer=sgd)", false,
            /*max_open=*/true)
      .real("beta1", &O::beta1, 0.9, 0.0, 1.0, "Adam first-moment decay (optimizer=adam)", false,
            true)
      .real("beta2", &O::beta2, 0.999, 0.0, 1.0, "Adam second-moment decay (optimizer=adam)", false,
            true)
      .real("eps", &O::eps, 1e-8, 0.0, 1.0, "Adam denominator ε (optimizer=adam)", true)
      .integer("batch", &O::batch, 64, 1, 1 << 24,
               "mini-batch size (capped at the training-set size)")
      .integer("epochs", &O::epochs, 100, 1, 1'000'000'000,
               "passes over the training part (when steps=0)")
      .integer("steps", &O::steps, 0, 0, std::int64_t{1} << 50,
               "optimizer steps; 0 = use epochs instead")
      .real("weight_decay", &O::weight_decay, 0.0, 0.0, 1e6,
            "decoupled weight decay λ on weights (not biases)")
      .choice("schedule", &O::schedule, "constant", {"constant", "cosine", "step"},
              "lr schedule: constant, cosine to 0, or ×0.1 at 50% and 75% of the steps")
      .real("val_fraction", &O::val_fraction, 0.1, 0.0, 0.9,
            "fraction held out for validation, early stopping and best-weight selection")
      .integer("patience", &O::patience, 10, 0, 1'000'000'000,
               "epochs without validation improvement before stopping; 0 = never stop early")
      .choice("init", &O::init, "he", {"he", "lecun", "torch"},
              "initial weights: He/Kaiming normal, LeCun normal, or PyTorch's uniform default")
      .real("init_scale", &O::init_scale, 1.0, 0.0, 1e6, "multiplier on the initial weight scale")
      .integer("restarts", &O::restarts, 1, 1, 100'000,
               "independent initialisations (multi-start): the one with the lowest validation "
               "loss (training loss when val_fraction = 0) is returned; the time limit is shared")
      .flag("bias", &O::bias, true,
            "biases in every layer; false: homogeneous network (biases fixed at 0), the class "
            "of relu_reduction")
      .choice("precision", &O::precision, "float", {"float", "double"},
              "arithmetic of the training loop")
      .real("diverge_ratio", &O::diverge_ratio, 1e6, 1.0, 1e300,
            "report 'diverged' when a batch loss exceeds this times its starting scale", true);
}

Fit SgdLearner::fit_impl(const Dataset& train, const Params& params,
                         const LearnerContext& ctx) const {
  check_training_set("sgd", train, true);
  const SgdOptions options = options_.read(params);
  sgd::Settings s;
  s.depth = options.depth;
  s.width = options.width;
  if (s.width == 0) {
    s.width = static_cast<int>(task_integer(ctx.task, kHiddenWidth, "sgd", "width = 0",
                                            "pass -l width=M (the units per hidden layer)"));
    if (s.width < 1) fail("sgd: the task declares hidden_width = {}; need >= 1", s.width);
  }
  s.optimizer.kind =
      options.optimizer == "sgd" ? OptimizerSettings::Kind::kSgd : OptimizerSettings::Kind::kAdam;
  s.optimizer.beta1 = options.beta1;
  s.optimizer.beta2 = options.beta2;
  s.optimizer.eps = options.eps;
  s.optimizer.momentum = options.momentum;
  s.optimizer.weight_decay = options.weight_decay;
  s.lr = options.lr;
  s.batch = options.batch;
  s.epochs = options.epochs;
  s.steps = options.steps;
  s.schedule = options.schedule;
  s.val_fraction = options.val_fraction;
  s.patience = options.patience;
  s.init = options.init;
  s.init_scale = options.init_scale;
  s.diverge_ratio = options.diverge_ratio;
  s.bias = options.bias;
  const auto train_once = [&](const LearnerContext& c) {
    return options.precision == "double" ? sgd::train_mlp<double>(train, s, c)
                                         : sgd::train_mlp<float>(train, s, c);
  };
  const std::int64_t restarts = options.restarts;
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
