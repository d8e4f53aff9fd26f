#include "hardnets/learners/glmtron.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "hardnets/core/error.h"
#include "hardnets/core/parallel.h"
#include "hardnets/core/resources.h"
#include "hardnets/nets/relu_net.h"

namespace hardnets::glmtron {
namespace {

const LearnerRegistration kRegister{std::make_unique<GlmtronLearner>()};

// Rows per unit of work: the partial sums of a unit do not depend on the
// thread count, and units are added in order.
constexpr Eigen::Index kBlockRows = 1024;

// Σ_i r_i x_i and Σ_i r_i with r_i = y_i - max(w·x_i + b, 0).
void residual_sums(const Matrix& X, const Vector& y, const Vector& w, double b, int threads,
                   Vector& sum_rx, double& sum_r) {
  const Eigen::Index n = X.rows(), d = X.cols();
  const Eigen::Index units = (n + kBlockRows - 1) / kBlockRows;
  Matrix partial_rx(units, d);
  Vector partial_r(units);
  parallel_for(units, threads, [&](std::int64_t ub, std::int64_t ue) {
    for (std::int64_t u = ub; u < ue; ++u) {
      const Eigen::Index r0 = u * kBlockRows;
      const Eigen::Index count = std::min(kBlockRows, n - r0);
      const Vector r =
          y.segment(r0, count) - ((X.middleRows(r0, count) * w).array() + b).max(0.0).matrix();
      partial_rx.row(u) = r.transpose() * X.middleRows(r0, count);
      partial_r[u] = r.sum();
    }
  });
  sum_rx = Vector::Zero(d);
  sum_r = 0.0;
  for (Eigen::Index u = 0; u < units; ++u) {
    sum_rx += partial_rx.row(u).transpose();
    sum_r += partial_r[u];
  }
}

// Mean of (max(w·x_i + b, 0) - y_i)^2, in fixed row blocks.
double mean_loss(const Matrix& X, const Vector& y, const Vector& w, double b, int threads) {
  const Eigen::Index n = X.rows();
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  const Eigen::Index units = (n + kBlockRows - 1) / kBlockRows;
  Vector partial(units);
  parallel_for(units, threads, [&](std::int64_t ub, std::int64_t ue) {
    for (std::int64_t u = ub; u < ue; ++u) {
      const Eigen::Index r0 = u * kBlockRows;
      const Eigen::Index count = std::min(kBlockRows, n - r0);
      partial[u] =
          (((X.middleRows(r0, count) * w).array() + b).max(0.0).matrix() - y.segment(r0, count))
              .squaredNorm();
    }
  });
  double total = 0.0;
  for (Eigen::Index u = 0; u < units; ++u) total += partial[u];
  return total / static_cast<double>(n);
}

}  // namespace

void step(const Matrix& X, const Vector& y, double rate, bool bias, Vector& w, double& b,
          int threads) {
  Vector sum_rx;
  double sum_r = 0.0;
  residual_sums(X, y, w, b, std::max(1, threads), sum_rx, sum_r);
  const double scale = rate / static_cast<double>(X.rows());
  w += scale * sum_rx;
  if (bias) b += scale * sum_r;
}

GlmtronLearner::GlmtronLearner() {
  options_.cite("kakade2011glmtron", "the algorithm (GLMtron)");
  using O = GlmtronOptions;
  options_
      .integer("iterations", &O::iterations, 1000, 1, 1'000'000'000,
               "GLMtron steps T (iterates 0..T are scored)")
      .real("step", &O::step, 1.0, 0.0, 1e6,
            "step-size multiplier λ: w += (λ/m) Σ (y_i - relu(w·x_i + b)) x_i (the paper: 1)",
            /*min_open=*/true)
      .flag("bias", &O::bias, true, "learn a bias b (a constant coordinate 1 appended to x)")
      .real("val_fraction", &O::val_fraction, 0.2, 0.0, 0.9,
            "fraction held out to choose the best iterate; 0 = choose on the training loss");
}

Fit GlmtronLearner::fit_impl(const Dataset& train, const Params& params,
                             const LearnerContext& ctx) const {
  check_training_set("glmtron", train, true);
  const GlmtronOptions options = options_.read(params);
  const std::int64_t iterations = options.iterations;
  const double rate = options.step;
  const bool bias = options.bias;
  const double val_fraction = options.val_fraction;
  const int threads = std::max(1, ctx.threads);
  const Eigen::Index d = train.dim();

  // Validation split: a random val_fraction of the samples is held out.
  const ValidationSplit split = validation_split(
      "glmtron", train, val_fraction, Rng(ctx.seed, stream_id("glmtron")).substream("split"));
  const Dataset& fit_part = split.fit;
  const Dataset& val_part = split.val;
  const Eigen::Index m = fit_part.size(), n_val = val_part.size();
  const Dataset& select = n_val > 0 ? val_part : fit_part;

  Vector w = Vector::Zero(d);
  double b = 0.0;
  Vector best_w = w;
  double best_b = b;
  double best_score = mean_loss(select.X, select.y, w, b, threads);
  std::int64_t best_t = 0, t = 0;
  bool time_limited = false;
  std::string diverged;
  while (t < iterations) {
    step(fit_part.X, fit_part.y, rate, bias, w, b, threads);
    ++t;
    const double score = mean_loss(select.X, select.y, w, b, threads);
    if (!std::isfinite(score) || !w.allFinite() || !std::isfinite(b)) {
      diverged = fmt::format(
          "the iterate became non-finite at step {} (step = {}); returning the best iterate {}; "
          "lower step",
          t, rate, best_t);
      break;
    }
    if (score < best_score) {
      best_score = score;
      best_w = w;
      best_b = b;
      best_t = t;
    }
    if (t < iterations && ctx.deadline.expired()) {
      time_limited = true;
      break;
    }
  }

  ReluNet net({static_cast<int>(d), 1, 1});
  net.layers()[0].W.row(0) = best_w.transpose();
  net.layers()[0].b[0] = best_b;
  net.layers()[1].W(0, 0) = 1.0;
  net.layers()[1].b[0] = 0.0;

  Fit fit;
  fit.stats["iterations"] = static_cast<double>(t);
  fit.stats["best_iteration"] = static_cast<double>(best_t);
  fit.stats[metric::kTrainLoss] = mean_loss(fit_part.X, fit_part.y, best_w, best_b, threads);
  if (n_val > 0) fit.stats["val_loss"] = best_score;
  fit.stats[metric::kSamples] = static_cast<double>(m);
  fit.stats["weight_norm"] = best_w.norm();
  fit.stats["time_limited"] = time_limited ? 1.0 : 0.0;
  if (!diverged.empty()) {
    fit.status = Outcome::diverged;
    fit.message = diverged;
  } else if (time_limited) {
    fit.status = Outcome::time_limit;
    fit.message = fmt::format(
        "time limit of {} s reached after {} of {} steps; returning the best iterate {}",
        ctx.time_limit_seconds, t, iterations, best_t);
  }
  fit.output = Json{{"w", std::vector<double>(best_w.data(), best_w.data() + d)},
                    {"b", best_b},
                    {"network", net.to_json()}};
  fit.predictor = std::make_shared<ReluNetPredictor>(std::move(net));
  return fit;
}

}  // namespace hardnets::glmtron
