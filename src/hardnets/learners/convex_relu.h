// The `convex_relu` learner: two-layer ReLU regression with weight decay as
// the Pilanci–Ergen convex program (ICML 2020, arXiv 2002.10553;
// docs/learners.md, `convex_relu`).
//
// Non-convex problem (m units, u_j = (w_j, b_j), x̃ = (x, 1)):
//   min ½ Σ_i (Σ_j α_j [u_j·x̃_i]_+ + c − y_i)² + (β/2) Σ_j (‖u_j‖² + α_j²)
// (hidden biases are penalised: the paper's column of ones; the output bias c
// is not). Convex program over activation patterns D_i = diag(1[X̃g_i > 0]):
//   min ½‖Σ_i D_i X̃ (v_i − w_i) + c − y‖² + β Σ_i (‖v_i‖₂ + ‖w_i‖₂)
//   s.t. (2D_i − I) X̃ v_i ≥ 0,  (2D_i − I) X̃ w_i ≥ 0   (cones K_i).
// With all patterns (exact_relu::enumerate_patterns) both have the same
// optimum once m ≥ the number of nonzero blocks (≤ n + 1); with P sampled
// patterns from Gaussian directions g the program is a restriction and its
// value an upper bound.
//
// Solver: FISTA with function-value restarts on the smooth part, step 1/L
// with L = λ_max(2 ÂÂᵀ + 11ᵀ) exact. The prox of β‖v‖ + ι_K is exact for a
// cone: v = (1 − τβ/‖Π_K z‖)_+ Π_K z (write v = t·u, ‖u‖ = 1: the best u ∈ K
// maximises ⟨u, z⟩, i.e. u ∝ Π_K z by Moreau), and Π_K z is computed by
// Lawson–Hanson NNLS on the dual (v = z + Aᵀλ, λ ≥ 0). Stopping rule: the
// duality gap. For ρ ∈ R^n with 1ᵀρ = 0 (when c is fitted),
// ‖Π_{K_i}(∓X̃ᵀD_iρ)‖ ≤ β for all i, the value −ρᵀy − ½‖ρ‖² is a lower
// bound (Fenchel: ½‖e‖² ≥ ρᵀe − ½‖ρ‖²); ρ is the centred residual scaled
// into that set and by the best factor in [0, 1]. Stop when primal − dual ≤
// tol·max(1, primal).
//
// Map back: v_i ≠ 0 gives the unit u = v_i/√‖v_i‖, α = √‖v_i‖; w_i ≠ 0 gives
// α = −√‖w_i‖ (then (β/2)(‖u‖² + α²) = β‖v_i‖ and α[u·x̃]_+ = D_iX̃v_i on
// the data), so the network's non-convex objective equals the convex one.
#pragma once

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"
#include "hardnets/nets/relu_net.h"

namespace hardnets::convex_relu {

struct ConvexReluOptions {
  double beta = 0;
  std::int64_t patterns = 0;
  std::int64_t prune_to = 0;
  bool output_bias = true;
  bool unit_bias = true;
  double tol = 0;
  std::int64_t max_iters = 0;
};

class ConvexReluLearner : public Learner {
 public:
  ConvexReluLearner();
  std::string name() const override { return "convex_relu"; }
  std::string summary() const override {
    return "two-layer ReLU regression with weight decay by the Pilanci-Ergen convex program "
           "(all patterns: exact; sampled: upper bound)";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<ConvexReluOptions> options_{"convex_relu"};
};

// The non-convex regularised objective of a one-hidden-layer network
// ½ Σ (f(x_i) − y_i)² + (β/2)(‖W_1‖² + ‖b_1‖² + ‖W_2‖²), output bias free.
double regularised_objective(const ReluNet& net, const Matrix& X, const Vector& y, double beta);

}  // namespace hardnets::convex_relu
