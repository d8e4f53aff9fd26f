#include "hardnets/learners/tensor.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "hardnets/contracts/task_keys.h"
#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"
#include "hardnets/learners/tensor_network.h"
#include "hardnets/learners/tensor_pencils.h"
#include "hardnets/learners/tensor_refine.h"
#include "hardnets/learners/tensor_subspace.h"
#include "hardnets/nets/units.h"

namespace hardnets::tensor {
namespace {

const LearnerRegistration kRegister{std::make_unique<TensorLearner>()};

std::vector<double> to_std(const Vector& v) {
  return {v.data(), v.data() + v.size()};
}

// The number of hidden units m: the parameter, or the task's hidden_width.
Eigen::Index hidden_units(const TensorOptions& options, const LearnerContext& ctx, Eigen::Index d) {
  std::int64_t width = options.width;
  if (width == 0) {
    width = task_integer(
        ctx.task, kHiddenWidth, "tensor", "width = 0",
        fmt::format("pass -l width=M (the number of hidden units, 1 <= M <= d = {})", d));
  }
  if (width < 1 || width > d) {
    fail("tensor: width must be in [1, d = {}] (the moment method needs m <= d), got {}", d, width);
  }
  return width;
}

// Wall time of each stage into fit.stats, under the stage's name.
class Phases {
 public:
  Phases(const Stopwatch& clock, Fit& fit) : clock_(clock), fit_(fit), mark_(clock.seconds()) {}
  void end(const char* name) {
    const double now = clock_.seconds();
    fit_.stats[name] = now - mark_;
    mark_ = now;
  }

 private:
  const Stopwatch& clock_;
  Fit& fit_;
  double mark_;
};

void record_jennrich(Fit& fit, const Jennrich& j) {
  if (!j.ok) {
    fit.status = Outcome::diverged;
    fit.message = "tensor: Jennrich's eigen-decomposition failed for every pencil";
  }
  fit.stats["eigen_gap"] = j.gap;
  fit.stats["jennrich_imag"] = j.imag;
  fit.stats["jennrich_condition"] = j.condition;
}

void record_refinement(Fit& fit, const Refinement& r) {
  fit.stats["moment_residual_jennrich"] = r.jennrich_residual;
  fit.stats["refine_change"] = r.last_change;
  fit.stats["refine_chosen"] = static_cast<double>(r.chosen);
  fit.stats["moment_residual"] = r.residual;
  fit.stats["w_condition"] = condition_number(r.best.units.W);
  fit.stats["bias_consistency"] = std::isfinite(r.best.consistency) ? r.best.consistency : 1e300;
  fit.stats["sign_flips"] = r.best.flips;
  fit.output = units::units_json(r.best.units);
}

void record_ridge(Fit& fit, const RidgeFit& ridge, double loss, Eigen::Index m) {
  const Eigen::VectorXd& theta = ridge.theta;
  const Eigen::Index d = theta.size() - m - 1;
  if (!theta.allFinite()) {
    fit.status = Outcome::diverged;
    fit.message = "tensor: the ridge system is singular; raise ridge";
  }
  fit.stats["ridge_loss"] = loss;
  fit.output["ridge"] = Json{{"a", to_std(theta.head(m))},
                             {"linear", to_std(theta.segment(m, d))},
                             {"intercept", theta[theta.size() - 1]}};
}

// Stage 7 and what it records: the epochs run, the refined loss, and a
// status when Adam diverged or the time limit cut it short.
void refine_with_adam(Fit& fit, ReluNet& net, Eigen::Index m, const Dataset& train,
                      const TensorOptions& options, const LearnerContext& ctx,
                      const Stopwatch& clock, int threads) {
  const AdamRefineSettings settings{options.sgd_lr, options.sgd_batch, options.sgd_epochs};
  const std::int64_t epoch =
      adam_refine(net, train.X, train.y, settings, clock, ctx.time_limit_seconds);
  fit.stats["sgd_epochs_run"] = static_cast<double>(epoch);
  const double refined = train_loss(net, train.X, train.y, threads);
  fit.stats["refined_loss"] = refined;
  if (!std::isfinite(refined)) {
    fit.status = Outcome::diverged;
    fit.message =
        fmt::format("tensor: Adam refinement diverged (sgd_lr = {}); lower sgd_lr", settings.lr);
  } else if (epoch < settings.epochs) {
    fit.status = Outcome::time_limit;
    fit.message = fmt::format("time limit of {} s reached after {} of {} refinement epochs",
                              ctx.time_limit_seconds, epoch, settings.epochs);
  }
  fit.output["refined"] = units::units_json(units::normalised_units(net, m));
}

}  // namespace

TensorLearner::TensorLearner() {
  options_.cite("janzamin2015beating", "the moment (tensor) method for two-layer networks")
      .cite("awasthi2021efficient", "depth-2 networks with general ReLUs");
  using O = TensorOptions;
  options_
      .integer("width", &O::width, 0, 0, 65536,
               "hidden units m (at most d); 0 = the task's hidden_width when it has one")
      .integer("trials", &O::trials, 8, 1, 1000,
               "Jennrich pencils (random γ) tried; the one with the best separated eigenvalues is "
               "kept")
      .choice("pencil", &O::pencil, "m2", {"m2", "pair"},
              "Jennrich pencil: m2 = A(γ)·M2⁻¹ (M2 is the best-estimated moment), pair = "
              "A(γ)·A(γ')⁻¹ (the classical two-slice form)")
      .real("ridge", &O::ridge, 1e-6, 0.0, 1e12,
            "ridge λ of the final least squares on {relu(ŵ·x + b̂)} ∪ {x, 1} (normalised Gram; "
            "the intercept is not penalised)")
      .integer("sgd_epochs", &O::sgd_epochs, 0, 0, 1'000'000,
               "epochs of mini-batch Adam on the whole network after the ridge step (0 = none)")
      .real("sgd_lr", &O::sgd_lr, 1e-3, 0.0, 10.0, "Adam learning rate of the refinement", true)
      .integer("sgd_batch", &O::sgd_batch, 1024, 1, 1'000'000'000,
               "refinement mini-batch: consecutive rows, in order (deterministic)")
      .integer("refine", &O::refine, 2, 0, 100,
               "dual power steps on the directions after Jennrich (each one pass over the data: "
               "T3(·,v,v), T4(·,v,v,v) for the dual vectors v; 0 = Jennrich's directions as they "
               "are)");
}

Fit TensorLearner::fit_impl(const Dataset& train, const Params& params,
                            const LearnerContext& ctx) const {
  check_training_set("tensor", train, true);
  const TensorOptions options = options_.read(params);
  const Stopwatch clock;
  const int threads = std::max(1, ctx.threads);
  const Eigen::Index n = train.size(), m = hidden_units(options, ctx, train.dim());
  const auto trials = static_cast<std::size_t>(options.trials);
  const bool pair_pencil = options.pencil == "pair";
  const Matrix& X = train.X;
  const Vector& y = train.y;
  Fit fit;
  Phases phases(clock, fit);

  // 1. The span U of the units from M2.
  const Subspace subspace = m2_subspace(X, y, m, threads);
  fit.stats["m2_gap"] = subspace.gap;
  fit.stats["m2_condition"] = subspace.condition;
  phases.end("seconds_m2");

  // 2, 3. The pencil slices in span U, and Jennrich on them.
  const Pencils pencils = pencil_moments(
      X, y, subspace, draw_directions(ctx.seed, m, pair_pencil ? 2 * trials : trials), threads);
  const Jennrich jen = jennrich(pencils, trials, pair_pencil);
  record_jennrich(fit, jen);
  phases.end("seconds_jennrich");

  // 4, 5. Read-off, dual power steps, the iterate of least moment residual.
  const Refinement refined = refine_units(X, subspace, pencils, jen.Omega, options.refine, threads);
  record_refinement(fit, refined);
  phases.end("seconds_refine");

  // 6. Ridge on [relu(ŵ·x + b̂), x, 1].
  RidgeFit ridge = ridge_network(X, y, refined.best.units, options.ridge, threads);
  record_ridge(fit, ridge, train_loss(ridge.net, X, y, threads), m);
  phases.end("seconds_ridge");
  ReluNet net = std::move(ridge.net);

  // 7. Optional Adam on the whole network.
  if (options.sgd_epochs > 0 && fit.status == Outcome::ok) {
    refine_with_adam(fit, net, m, train, options, ctx, clock, threads);
    phases.end("seconds_sgd");
  }
  fit.stats[metric::kTrainLoss] = train_loss(net, X, y, threads);
  fit.stats[metric::kSamples] = static_cast<double>(n);
  fit.output["network"] = net.to_json();
  fit.predictor = std::make_shared<ReluNetPredictor>(std::move(net));
  return fit;
}

}  // namespace hardnets::tensor
