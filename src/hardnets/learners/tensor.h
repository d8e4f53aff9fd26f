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
#pragma once

#include <vector>

#include "hardnets/learners/learner.h"
#include "hardnets/nets/relu_net.h"

namespace hardnets::tensor {

// c_ℓ(b) of the Hermite identity for ℓ = 0..4 (c_0 = φ + bΦ, c_1 = Φ, c_2 = φ,
// c_3 = -bφ, c_4 = (b² - 1)φ).
double hermite_coefficient(int order, double b);

// Sample estimates of the contractions above, in one pass over (X, y):
// M2, T1 = E[y x], mean_y = E[y], and for each g in `gs`, M3(g) and M4(g, h).
// h is only used when `gs` is not empty. Thread-count independent.
struct Contractions {
  Matrix M2;
  Vector T1;
  double mean_y = 0.0;
  std::vector<Matrix> M3, M4;  // one per g
};
Contractions hermite_contractions(const Matrix& X, const Vector& y, const std::vector<Vector>& gs,
                                  const Vector& h, int threads = 1);

// One dual power step on unit rows Ŵ (m x d, full row rank). With the dual
// vectors v_i (columns of Ŵᵀ(ŴŴᵀ)⁻¹), p = ⟨x, v_i⟩ and s = ‖v_i‖²,
//   t3_i = T3(·, v_i, v_i)      = E[r ((p² - s) x - 2p v_i)]
//   t4_i = T4(·, v_i, v_i, v_i) = E[r ((p³ - 3sp) x - 3(p² - s) v_i)]
// (He_3, He_4 contracted with v_i on all but one slot), where r is the label
// minus any polynomial of degree ≤ 2 of x (that leaves T3, T4 unchanged and
// only removes variance). By the Hermite identity
//   t_ℓ,i = Σ_j a_j c_ℓ(b_j) ⟨w_j, v_i⟩^{ℓ-1} w_j,
// and ⟨w_j, v_i⟩ = δ_ij + O(ε) when Ŵ is ε off, so both point along w_i up to
// O(ε²): the tensor power iteration in dual coordinates. The new row i is the
// leading left singular vector of [t3_i, t4_i] (c_3 vanishes at b = 0, c_4 at
// b = ±1; the pair always carries the unit), signed like the old row.
// Thread-count independent.
Matrix dual_power_step(const Matrix& X, const Vector& r, const Matrix& What, int threads = 1);

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
  const ParamSpec& spec() const override { return spec_; }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  ParamSpec spec_;
};

}  // namespace hardnets::tensor
