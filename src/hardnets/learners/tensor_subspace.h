// Stage 1 of the `tensor` learner (tensor.h): the span of the hidden units
// from the second moment M2 = E[y (xxᵀ - I)] = W diag(a c_2(b)) Wᵀ.
//
// A first cheap pass gives ȳ and T1 = E[y x]; M2 is then estimated from the
// residual y - ȳ - ⟨T1, x⟩ (M2 is orthogonal to every polynomial of degree
// ≤ 1: same mean, less variance). Its eigenvectors of the m largest
// |eigenvalues| span {w_i}: c_2 = φ > 0, so no unit is missed, whatever its
// bias.
#pragma once

#include "hardnets/core/dataset.h"

namespace hardnets::tensor {

struct Subspace {
  double mean_y = 0.0;     // ȳ = E[y]
  Vector T1;               // E[y x]
  Matrix M2;               // E[(y - ȳ - ⟨T1,x⟩)(xxᵀ - I)], d x d
  Matrix U;                // d x m: orthonormal eigenvectors of M2, largest |eigenvalue| first
  double gap = 0.0;        // (|λ_m| - |λ_{m+1}|) / |λ_1| (λ_{d+1} = 0)
  double condition = 0.0;  // |λ_1| / |λ_m|
};

// Two passes over (X, y) (n x d, n >= 1), 1 <= m <= d. Thread-count independent.
Subspace m2_subspace(const Matrix& X, const Vector& y, Eigen::Index m, int threads);

}  // namespace hardnets::tensor
