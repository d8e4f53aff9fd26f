#include "hardnets/learners/learner.h"

#include <cmath>
#include <vector>

#include "hardnets/core/error.h"

namespace hardnets {

Registry<Learner>& learner_registry() {
  static Registry<Learner> registry("learner");
  return registry;
}

double mean_squared_error(const Predictor& predictor, const Dataset& data) {
  if (data.empty()) return 0.0;
  return (predictor.predict(data.X) - data.y).squaredNorm() / static_cast<double>(data.size());
}

void check_training_set(const std::string& learner, const Dataset& train, bool need_features) {
  if (train.X.rows() != train.y.size()) {
    fail("{}: inconsistent training set: {} input rows but {} labels", learner, train.X.rows(),
         train.y.size());
  }
  if (train.empty()) fail("{}: the training set is empty", learner);
  if (need_features && train.dim() < 1) fail("{}: the training set has no features", learner);
  if (!train.X.allFinite() || !train.y.allFinite()) {
    fail("{}: the training set contains NaN or infinite values", learner);
  }
}

Fit Learner::fit(const Dataset& train, const Params& params, const LearnerContext& ctx) const {
  const std::string learner = name();
  check_training_set(learner, train);
  if (ctx.threads < 1) fail("{}: threads must be at least 1, got {}", learner, ctx.threads);
  if (std::isnan(ctx.time_limit_seconds) || ctx.time_limit_seconds < 0) {
    fail("{}: the time limit must be a non-negative number of seconds, got {}", learner,
         ctx.time_limit_seconds);
  }
  validate(params);
  LearnerContext started = ctx;
  started.deadline = Deadline(ctx.time_limit_seconds);
  Fit fit = fit_impl(train, params, started);
  if (fit.status == Outcome::ok && !fit.predictor && fit.output.empty()) {
    fail("{}: ended with outcome {} but returned neither a predictor nor an output", learner,
         outcome_text(fit.status));
  }
  return fit;
}

ValidationSplit validation_split(const std::string& learner, const Dataset& train,
                                 double val_fraction, Rng rng) {
  const Eigen::Index n = train.size();
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  const auto n_val = static_cast<Eigen::Index>(std::floor(val_fraction * static_cast<double>(n)));
  const Eigen::Index m = n - n_val;
  if (m < 1) fail("{}: val_fraction {} leaves no training samples", learner, val_fraction);
  if (n_val > 0) shuffle(order, rng);
  return {train.select({order.begin(), order.begin() + m}),
          train.select({order.begin() + m, order.end()})};
}

}  // namespace hardnets
