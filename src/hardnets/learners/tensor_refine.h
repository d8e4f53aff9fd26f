// Stage 5 of the `tensor` learner (tensor.h): refinement of the unit rows in
// the full input space by dual power steps, which remove the error
// Jennrich's pencil and the subspace U left, down to sampling noise when W is
// well conditioned. When it is not (dual vectors of norm ~1/s_min(W) amplify
// the noise) the steps can wander off, so every iterate, Jennrich's
// included, is read off (stage 4) and the one with the smallest moment
// residual is kept.
#pragma once

#include <cstdint>

#include "hardnets/core/dataset.h"
#include "hardnets/learners/tensor_pencils.h"
#include "hardnets/learners/tensor_readoff.h"
#include "hardnets/learners/tensor_subspace.h"

namespace hardnets::tensor {

// One dual power step on unit rows Ŵ (m x d, full row rank). With the dual
// vectors v_i (columns of Ŵᵀ(ŴŴᵀ)⁻¹), p = ⟨x, v_i⟩ and s = ‖v_i‖²,
//   t3_i = T3(·, v_i, v_i)      = E[r ((p² - s) x - 2p v_i)]
//   t4_i = T4(·, v_i, v_i, v_i) = E[r ((p³ - 3sp) x - 3(p² - s) v_i)]
// (He_3, He_4 contracted with v_i on all but one slot), where r is the label
// minus any polynomial of degree ≤ 2 of x (that leaves T3, T4 unchanged and
// only removes variance). By the Hermite identity
//   t_ℓ,i = Σ_j a_j c_ℓ(b_j) ⟨w_j, v_i⟩^{ℓ-1} w_j,
// and ⟨w_j, v_i⟩ = δ_ij + O(ε) when Ŵ is ε off, so both point along w_i up to
// O(ε²): the tensor power iteration in dual coordinates. The new row i
// combines t3_i and t4_i, each weighed by its signal over its noise variance
// (α_ℓ/σ_ℓ², α_ℓ = ⟨t_ℓ,i, ŵ_i⟩; c_3 vanishes at b = 0, c_4 at b = ±1, the
// pair always carries the unit), normalised and signed like the old row.
// Thread-count independent.
Matrix dual_power_step(const Matrix& X, const Vector& r, const Matrix& What, int threads = 1);

// Largest sin(angle) between corresponding unit rows of A and B.
double max_sin_between_rows(const Matrix& A, const Matrix& B);

struct Refinement {
  Recovered best;                  // the read-off iterate of least moment residual
  double residual = 0.0;           // its moment residual
  double jennrich_residual = 0.0;  // the residual of Jennrich's rows (iterate 0)
  std::int64_t chosen = 0;         // which iterate was kept (0 = Jennrich's)
  double last_change = 0.0;        // max_sin_between_rows of the last step (0: no steps)
};
// Jennrich's rows Ŵ = Omega Uᵀ, then `steps` dual power steps from them (each
// a pass over X with r2, plus a read-off pass).
Refinement refine_units(const Matrix& X, const Subspace& subspace, const Pencils& pencils,
                        const Matrix& Omega, std::int64_t steps, int threads);

}  // namespace hardnets::tensor
