// Stage 4 of the `tensor` learner (tensor.h): given unit rows Ŵ, read each
// unit's bias and output weight off the moments, and score units by how well
// they explain the moments already estimated.
//
// With the dual vectors v_i (columns of V = Ŵᵀ(ŴŴᵀ)⁻¹, so ⟨ŵ_j, v_i⟩ = δ_ij),
// κ_ℓ = T_ℓ(v_i, ..., v_i) = a_i c_ℓ(b_i): κ_2 = a φ(b) and κ_3 = -a b φ(b)
// give b̂ = -κ_3/κ_2 (clipped to ±kMaxBias) and â = κ_2/φ(b̂); κ_4 =
// a (b² - 1)φ(b) is a consistency check. κ_2 is estimated from r1 (degree ≤ 1
// removed), κ_3 and κ_4 from r2 (degree ≤ 2 removed): removing lower degrees
// leaves each unchanged. The sign w ↦ -w maps (a, b) ↦ (a, -b) and changes
// the unit by a linear function (ReLU(-t) = ReLU(t) - t), which T1 decides:
// ⟨v_i, T1⟩ = a_i Φ(b_i) for the right sign, and the sign whose âΦ(b̂) is
// closer is kept.
#pragma once

#include "hardnets/core/dataset.h"
#include "hardnets/learners/tensor_pencils.h"
#include "hardnets/nets/units.h"

namespace hardnets::tensor {

// Read-off biases are clipped to ±kMaxBias: beyond it φ(b) < 1.5e-6 and a unit
// is indistinguishable from a linear function at any sample size we run.
inline constexpr double kMaxBias = 5.0;

// The dual vectors of unit rows Ŵ (m x d, full row rank): the columns of
// V = Ŵᵀ(ŴŴᵀ)⁻¹, so that ⟨ŵ_j, v_i⟩ = δ_ij and v_i lies in the rows' span.
Matrix dual_vectors(const Matrix& What);

struct Recovered {
  units::Units units;        // unit rows (signed by T1), b̂, â
  double consistency = 0.0;  // max_i |κ_4/κ_2 - (b̂² - 1)|: 0 for exact moments
  int flips = 0;             // rows whose sign T1 reversed
};
// One pass over X (n x d) with the residuals r1, r2 of stage 2 and T1 = E[y x].
// Thread-count independent.
Recovered read_off(const Matrix& X, const Vector& r1, const Vector& r2, const Vector& T1,
                   Matrix What, int threads);

// How well units explain the moments already estimated in span U: the
// relative squared residual of UᵀM2U = Σ a c_2(b) u uᵀ and of every pencil
// slice A(γ) = Σ a (c_3(b) + c_4(b)⟨u,η⟩)⟨u,γ⟩ u uᵀ (u = Uᵀŵ), summed; +inf
// when not finite. The method-of-moments objective: it picks among the
// refinement's iterates. No pass over the data.
double moment_residual(const units::Units& u, const Matrix& U, const Pencils& pencils);

}  // namespace hardnets::tensor
