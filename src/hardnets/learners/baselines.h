// Baseline learners: `mean` (the trivial predictor) and `ridge` (linear least
// squares with a ridge penalty). Every other learner should beat them; nmse is
// normalised so that `mean` scores about 1.
#pragma once

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets {

// f(x) = <w, x> + b.
class LinearPredictor : public Predictor {
 public:
  LinearPredictor(Vector w, double b) : w_(std::move(w)), b_(b) {}
  Vector predict(const Matrix& X) const override;
  Json to_json() const override;
  const Vector& weights() const { return w_; }
  double intercept() const { return b_; }

 private:
  Vector w_;
  double b_;
};

class MeanLearner : public Learner {
 public:
  std::string name() const override { return "mean"; }
  std::string summary() const override {
    return "predicts the mean training label (the trivial baseline, nmse ~ 1)";
  }
  const ParamSpec& spec() const override { return spec_; }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  ParamSpec spec_{"mean"};
};

struct RidgeOptions {
  double lambda = 0;
  bool intercept = true;
};

// Minimises (1/n) Σ (<w, x_i> + b - y_i)^2 + lambda ||w||^2 in closed form:
// with centred data, (X_c^T X_c / n + lambda I) w = X_c^T y_c / n and
// b = mean(y) - <w, mean(x)>. Solved by a Cholesky (LDLT) factorisation.
class RidgeLearner : public Learner {
 public:
  RidgeLearner();
  std::string name() const override { return "ridge"; }
  std::string summary() const override {
    return "linear least squares with a ridge penalty, closed form";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<RidgeOptions> options_{"ridge"};
};

}  // namespace hardnets
