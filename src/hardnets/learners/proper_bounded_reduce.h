// Stage 2 of the `proper_bounded` learner (proper_bounded.h): the dimension
// reduction x' = liftᵀ x (lift is d x d'), whose networks lift back as
// w = lift w'.
#pragma once

#include "hardnets/core/dataset.h"
#include "hardnets/core/rng.h"

namespace hardnets::proper_bounded {

// span: an orthonormal basis of span{x_i} (the rows of X), d x rank; the
// identity when the rank is d, and e_1 when every row is 0. ERM depends only
// on the w_j·x_i, and projecting w_j onto the span keeps them and does not
// increase ‖w_j‖, so the reduction is exact. The rank counts the eigenvalues of
// XᵀX (or XXᵀ when d > n) above 1e-12 times the largest.
Matrix span_basis(const Matrix& X);

// jl: Gᵀ for G ∈ R^{dim×d} with i.i.d. N(0, 1/dim) entries drawn from `rng`
// (row-major order), so x' = G x keeps inner products up to O(√(log m / dim)).
Matrix jl_lift(Eigen::Index d, Eigen::Index dim, Rng rng);

}  // namespace hardnets::proper_bounded
