// The `glmtron` learner: GLMtron (Kakade, Kalai, Kanade, Shamir 2011) for a
// single ReLU, f(x) = u(w·x + b) with u(t) = max(t, 0).
//
// Starting from w⁰ = 0, b⁰ = 0 it iterates
//     r_i = y_i - u(w^t·x_i + b^t)
//     w^{t+1} = w^t + (λ/m) Σ_i r_i x_i,   b^{t+1} = b^t + (λ/m) Σ_i r_i
// over the m training points (the bias is a constant coordinate 1 appended to
// x; `bias=false` keeps b = 0). λ = `step` is 1 in the paper. Unlike
// gradient descent on the square loss there is no u'(·) factor: the update is
// the "perceptron-like" step whose analysis needs only that u is monotone and
// 1-Lipschitz. Every iterate t = 0..T is scored on a held-out validation split
// (`val_fraction`; on the training part when it is 0) and the best one is
// returned.
//
// Guarantee (recalled, not re-read): if E[y|x] = u(w*·x), ‖w*‖ ≤ W and
// ‖x‖ ≤ 1, then after T = O(W √(m / log(1/δ))) steps the best iterate has
// excess square loss O(W √(log(1/δ)/m)) with probability 1 - δ. Cost O(T m d).
//
// The gradient sum runs over fixed blocks of rows whose partial sums are added
// in block order, so results are bit-identical whatever ctx.threads is.
#pragma once

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets::glmtron {

// One GLMtron step on (X, y) in place: w += (rate/m) Σ r_i x_i and, when
// `bias`, b += (rate/m) Σ r_i, with r_i = y_i - max(w·x_i + b, 0).
void step(const Matrix& X, const Vector& y, double rate, bool bias, Vector& w, double& b,
          int threads = 1);

struct GlmtronOptions {
  std::int64_t iterations = 0;
  double step = 0;
  bool bias = true;
  double val_fraction = 0;
};

class GlmtronLearner : public Learner {
 public:
  GlmtronLearner();
  std::string name() const override { return "glmtron"; }
  std::string summary() const override {
    return "GLMtron (Kakade et al. 2011) for a single ReLU: w += (1/m) Σ (y - relu(w·x + b)) x, "
           "best iterate on validation";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<GlmtronOptions> options_{"glmtron"};
};

}  // namespace hardnets::glmtron
