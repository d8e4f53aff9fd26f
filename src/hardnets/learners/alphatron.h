// The `alphatron` learner: Alphatron (Goel and Klivans, arXiv 1709.06010) with
// the multinomial kernel and the ReLU link.
//
// Inputs are scaled to u = x / s (s = `input_scale`; 0 = max(1, the largest
// training norm), so ‖u‖ ≤ 1 as the analysis assumes). The multinomial kernel
// of degree p is
//     MK_p(u, v) = Σ_{i=0..p} (u·v)^i,
// the inner product of the feature maps ψ_p(u) = (u^{⊗i})_{i=0..p}: every
// ordered monomial of degree ≤ p, the empty one (the constant 1) included. The
// sum starts at i = 0 as in Goel–Kanade–Klivans–Thaler and Goel–Klivans: the
// polynomial approximations of the ReLU that the guarantee rests on have a
// non-zero constant term (the best degree-p uniform approximation of max(t, 0)
// on [-1, 1] does not vanish at 0), and the constant feature represents it.
//
// With α⁰ = 0 and h^t(x) = u(Σ_i α_i^t MK_p(x, x_i)), u(t) = max(t, 0), every
// step updates all coefficients at once,
//     α_i^{t+1} = α_i^t + (λ/m) (y_i - h^t(x_i)),
// over the m training points (λ = `lambda`). Each iterate t = 0..T is scored
// on a held-out validation split (`val_fraction`; on the training part when 0)
// and the best is returned. The predictor evaluates the kernel expansion.
//
// Guarantee (recalled, not re-read): if E[y|x] = u(⟨v, ψ(x)⟩) + ξ(x) for a
// monotone 1-Lipschitz u, bounded ‖v‖ ≤ B in the RKHS and a small noise drift
// ξ, the best iterate reaches excess square loss O(B √(log(1/δ)/m)) (plus a
// term in E ξ²) after T = O(B √(m / log(1/δ))) steps; through the polynomial
// approximation of the ReLU (GKKT17) this learns a ReLU on the sphere to error
// ε with p = O(1/ε) in time poly(d, m)·2^{O(1/ε)}.
//
// Cost: the m x m Gram matrix (and the n_val x m validation block) are built
// once, O(m² d), and cached: refused beyond m = `max_gram` (a UserError asks
// for fewer samples). Each step is O(m²) + O(n_val m). Gram blocks have a fixed
// shape and each row's product is one dot product, so results are
// bit-identical whatever ctx.threads is.
#pragma once

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets::alphatron {

// MK_p(u, v) as a function of t = u·v: Σ_{i=0..p} t^i (Horner).
double multinomial(double t, int degree);

// K_ij = MK_p(a_i, b_j) for rows of A and B (already scaled).
Matrix gram(const Matrix& A, const Matrix& B, int degree, int threads = 1);

// One Alphatron step in place from the cached Gram matrix K (m x m):
// α_i += (λ/m) (y_i - max((K α)_i, 0)).
void step(const Matrix& K, const Vector& y, double lambda, Vector& alpha, int threads = 1);

// x ↦ max(Σ_i α_i MK_p(x / s, u_i), 0).
class AlphatronPredictor : public Predictor {
 public:
  AlphatronPredictor(Matrix centres, Vector alpha, int degree, double input_scale)
      : centres_(std::move(centres)),
        alpha_(std::move(alpha)),
        degree_(degree),
        input_scale_(input_scale) {}
  Vector predict(const Matrix& X) const override;
  // Degree, scale and sizes; the centres (scaled inputs) and α too when they
  // hold at most 100000 numbers ("complete": true).
  Json to_json() const override;
  const Vector& alpha() const { return alpha_; }

 private:
  Matrix centres_;  // scaled training inputs u_i
  Vector alpha_;
  int degree_;
  double input_scale_;
};

struct AlphatronOptions {
  int degree = 0;
  std::int64_t iterations = 0;
  double lambda = 0;
  double input_scale = 0;
  double val_fraction = 0;
  std::int64_t max_gram = 0;
};

class AlphatronLearner : public Learner {
 public:
  AlphatronLearner();
  std::string name() const override { return "alphatron"; }
  std::string summary() const override {
    return "Alphatron (Goel-Klivans 2017): multinomial-kernel ReLU regression by "
           "perceptron-like dual updates, best iterate on validation";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<AlphatronOptions> options_{"alphatron"};
};

}  // namespace hardnets::alphatron
