// The `tensor` learner: the moment (tensor) method for a depth-2 ReLU network
//     f(x) = Σ_{i≤m} a_i ReLU(⟨w_i, x⟩ + b_i),   x ~ N(0, I_d),  ‖w_i‖ = 1,  m ≤ d
// (in the style of Awasthi–Tang–Vijayaraghavan 2021, arXiv 2107.10209, and
// Janzamin–Sedghi–Anandkumar 2015, arXiv 1506.08473; docs/learners.md, `tensor`).
//
// Hermite identity. With He_ℓ the probabilists' Hermite tensors, Gaussian
// integration by parts gives T_ℓ := E[y He_ℓ(x)] = Σ_i a_i c_ℓ(b_i) w_i^{⊗ℓ} with
// c_1 = Φ(b), c_2 = φ(b), c_3 = -bφ(b), c_4 = (b² - 1)φ(b). No d³ or d⁴ tensor is
// ever formed: only the contractions
//     M2       = E[y (xxᵀ - I)]                                   = W diag(a c_2) Wᵀ
//     M3(g)    = E[y (⟨x,g⟩(xxᵀ - I) - xgᵀ - gxᵀ)]                = W diag(a c_3 ⟨w,g⟩) Wᵀ
//     M4(g, h) = E[y ((x·g)(x·h)(xxᵀ - I) - (g·h)(xxᵀ - I)
//                     - (x·h)(xgᵀ + gxᵀ) - (x·g)(xhᵀ + hxᵀ) + ghᵀ + hgᵀ)]
//                                                               = W diag(a c_4 ⟨w,g⟩⟨w,h⟩) Wᵀ
// estimated by sample means in one streaming pass (hermite_contractions).
//
// Algorithm.
//  1. Pass 1 (d dimensions): ȳ and T1 = E[y x], then M2 from the residual
//     y - ȳ - ⟨T1,x⟩ (M2 is orthogonal to degree ≤ 1: same mean, less variance).
//     U = the m eigenvectors of M2 of largest |eigenvalue|. M2 rather than
//     A(g) + A(g') spans the subspace because c_2 = φ > 0 has no blind spot
//     (A(g) loses unit i when ⟨w_i,g⟩ ≈ 0 or c_3 + c_4⟨w_i,h⟩ ≈ 0) and a second
//     moment has the smallest variance.
//  2. Pass 2 (m dimensions, on z = Uᵀx ~ N(0, I_m)): A(γ) = M3(γ) + M4(γ, η)
//     for `trials` random unit γ and one random unit η (stream from ctx.seed),
//     from the residual y - (its Hermite expansion up to degree 2), which
//     leaves T3, T4 unchanged and removes most of the variance. Combining
//     orders 3 and 4 avoids the blind spots c_3(0) = 0 and c_4(±1) = 0.
//  3. Jennrich (`pencil`): m2 (default) eigen-decomposes A(γ)(UᵀM2U)⁻¹, whose
//     eigenvalues are ⟨w_i,γ⟩(-b_i + (b_i²-1)⟨w_i,η⟩), dividing by the best
//     estimated moment; pair uses A(γ)A(γ')⁻¹ (eigenvalues ⟨w_i,γ⟩/⟨w_i,γ'⟩).
//     Eigenvectors are Uᵀw_i either way. The trial with the best separated
//     eigenvalues (eigen_gap: min |λ_i - λ_j| / max |λ| for m2, min |atan λ_i -
//     atan λ_j| for pair) is kept; ŵ_i = normalise(U e_i).
//  4. Read-off (one pass over x, same residuals): for the dual vectors v_i,
//     κ_ℓ = T_ℓ(v_i, ..., v_i) = a_i c_ℓ(b_i) for ℓ = 2, 3 give b̂ = -κ_3/κ_2 and
//     â = κ_2/φ(b̂). The sign w ↦ -w maps (a, b) ↦ (a, -b) and changes the unit
//     by a linear function (ReLU(-t) = ReLU(t) - t). Without a linear term in
//     the target, T1 decides it: ⟨v_i, T1⟩ = a_i Φ(b_i) for the right sign, and
//     the sign whose âΦ(b̂) is closer is kept.
//  5. Refinement (`refine` dual power steps, see dual_power_step; one pass
//     each plus a read-off): it removes the error Jennrich's pencil and the
//     subspace U left, down to the sampling noise, in the full input space.
//     On an ill-conditioned W the dual vectors (norm ~1/s_min) amplify the
//     noise and the steps can wander, so every iterate, Jennrich's included,
//     is scored by its moment residual (relative squared misfit of UᵀM2U and
//     of every pencil slice A(γ) predicted by (ŵ, â, b̂)) and the best is kept.
//  6. Ridge regression (`ridge`) on the features {ReLU(⟨ŵ_i,x⟩ + b̂_i)} ∪ {x, 1}
//     on the same samples (the intercept is not penalised), then optionally
//     `sgd_epochs` of mini-batch Adam on the whole network from that start.
// The predictor is a ReluNet of width m + 2: the linear term β·x is written as
// ReLU(β·x) - ReLU(-β·x).
//
// Every pass sums fixed blocks of rows whose partial sums are added in block
// order, so results are bit-identical whatever ctx.threads is. Memory: O(d²)
// per block plus the N × m projection z.
//
// The stages, each in its own file pair and testable alone: tensor_moments
// (Hermite coefficients and contractions, the blocked sums), tensor_subspace
// (1), tensor_pencils (2, 3), tensor_readoff (4), tensor_refine (5: dual power
// steps), tensor_network (6, 7: ridge and Adam); fit below runs them in order.
#pragma once

#include <cstdint>
#include <string>

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets::tensor {

struct TensorOptions {
  std::int64_t width = 0;
  std::int64_t trials = 0;
  std::string pencil;
  double ridge = 0;
  std::int64_t sgd_epochs = 0;
  double sgd_lr = 0;
  std::int64_t sgd_batch = 0;
  std::int64_t refine = 0;
};

class TensorLearner : public Learner {
 public:
  TensorLearner();
  std::string name() const override { return "tensor"; }
  TaskNeed needs(const Params& params) const override {
    if (params.integer("width") != 0) return {};
    return {{&hidden_width_schema()},
            "width = 0 takes the task's hidden width",
            "pass -l width=M (the number of hidden units, 1 <= M <= d)"};
  }
  std::vector<TaskNeed> declared_needs() const override {
    return {needs(spec().resolve(std::vector<std::string>{"width=0"}))};
  }
  std::string summary() const override {
    return "moment method for depth-2 ReLU nets under N(0, I): M2 subspace, Jennrich on "
           "M3 + M4 contractions, biases/weights read off, ridge (+ optional Adam)";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<TensorOptions> options_{"tensor"};
};

}  // namespace hardnets::tensor
