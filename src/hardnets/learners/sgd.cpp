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
  sgd::Settings s;
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
    return params.text("precision") == "double" ? sgd::train_mlp<double>(train, s, c)
                                                : sgd::train_mlp<float>(train, s, c);
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
