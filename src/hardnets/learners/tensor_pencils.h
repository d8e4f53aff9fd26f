// Stages 2 and 3 of the `tensor` learner (tensor.h): the pencil slices
// A(γ) = M3(γ) + M4(γ, η) = W diag(a (c_3 + c_4⟨w,η⟩)⟨w,γ⟩) Wᵀ estimated in
// the subspace U of stage 1, and Jennrich's simultaneous diagonalisation of
// them, which gives the directions Uᵀw_i up to sign and order.
#pragma once

#include <cstddef>
#include <vector>

#include "hardnets/core/dataset.h"
#include "hardnets/core/rng.h"
#include "hardnets/learners/tensor_moments.h"
#include "hardnets/learners/tensor_subspace.h"

namespace hardnets::tensor {

// The random unit vectors of R^m the slices contract with: η, then the γ's.
struct Directions {
  Vector eta;
  std::vector<Vector> gammas;
};
// η and `count` γ's, uniform on the sphere, from the learner's seed (stream
// "tensor", substream "directions"; η is drawn first).
Directions draw_directions(Seed seed, Eigen::Index m, std::size_t count);

// What stage 2 estimates on z = Uᵀx ~ N(0, I_m), and the residual labels the
// later stages read. Orders 3 and 4 are orthogonal to every polynomial of
// degree ≤ 2, so the slices are estimated from r2 = y minus its Hermite
// expansion up to degree 2 in span U,
//   ȳ + ⟨T1, x⟩ + ½(zᵀ(UᵀM2U)z - tr UᵀM2U),
// which leaves T3 and T4 unchanged and removes most of the variance (for one
// ReLU at b = 0 the residual keeps 2% of it). r1 stops at degree 1 (for κ_2).
struct Pencils {
  Eigen::MatrixXd M2U;  // UᵀM2U, m x m
  Vector r1, r2;        // per sample
  Directions directions;
  Contractions slices;  // A(γ_k) = slices.M3[k] + slices.M4[k] (h = η)
};
Pencils pencil_moments(const Matrix& X, const Vector& y, const Subspace& subspace,
                       Directions directions, int threads);

// Jennrich on each pencil; the one with the best separated eigenvalues is kept.
//   m2   (pair = false, one γ per trial): A(γ)(UᵀM2U)⁻¹, eigenvalues
//        ⟨w_i,γ⟩(c_3 + c_4⟨w_i,η⟩)/c_2 = ⟨w_i,γ⟩(-b_i + (b_i²-1)⟨w_i,η⟩);
//        separation min_{i≠j} |λ_i - λ_j| / max |λ| (relative_gap).
//   pair (two γ's per trial): A(γ)A(γ')⁻¹, eigenvalues ⟨w_i,γ⟩/⟨w_i,γ'⟩;
//        separation min |atan λ_i - atan λ_j| modulo π (atan_gap).
// Both have eigenvectors Uᵀw_i.
struct Jennrich {
  Matrix Omega;            // m x m, rows Uᵀŵ_i (unit); the identity when !ok
  double gap = 0.0;        // the kept pencil's separation (0 when !ok)
  double imag = 0.0;       // its largest |Im λ| / max |λ| (real in exact arithmetic)
  double condition = 0.0;  // condition number of the slice it inverts
  bool ok = false;         // false: the eigen-decomposition failed for every pencil
};
Jennrich jennrich(const Pencils& pencils, std::size_t trials, bool pair_pencil);

// Min over pairs of |atan λ_i - atan λ_j|, angles taken modulo π (λ → ±∞ is
// one direction): the separation of the Jennrich eigenvalues, in radians.
double atan_gap(const std::vector<double>& lambda);
// Min over pairs of |λ_i - λ_j| / max |λ| (1 for a single eigenvalue).
double relative_gap(const std::vector<double>& lambda);
// Condition number (largest / smallest singular value) of a matrix.
double condition_number(const Matrix& A);

}  // namespace hardnets::tensor
