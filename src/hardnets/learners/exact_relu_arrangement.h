// Stage 1 of the `exact_relu` learner: the hyperplane arrangement of the
// lifted inputs and its cells (activation patterns).
//
// The rows x̃_i = (x_i, 1) (or x_i for homogeneous units) define the central
// arrangement {θ : θ·x̃_i = 0} in R^D. A closed cell is a sign vector
// σ ∈ {±1}^n realised by some θ with σ_i θ·x̃_i ≥ 0; on it a unit
// [θ·x̃_i]_+ is the linear function 1[σ_i > 0] θ·x̃_i. Cells are enumerated
// exactly from their extreme rays: after projecting the x̃_i onto their span
// (rank r), every (r-1)-subset of linearly independent rows defines a ray ±ρ;
// the cells around ρ carry the sign of ρ·x̃_i on the points off ρ and, on
// the points through ρ, the cells of their own (lower-dimensional)
// arrangement: all 2^{r-1} sign choices in general position, a recursive
// enumeration otherwise. Patterns are deduplicated in a hash set kept in
// insertion order, so the output is independent of the thread count. In
// general position their number is Cover's count C(n, d).
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "hardnets/core/dataset.h"

namespace hardnets::exact_relu {

// Largest lifted dimension D the enumeration accepts (d <= 15 with a unit
// bias): the ray computation uses fixed-capacity D x D minors.
constexpr int kMaxRank = 16;

// 2 Σ_{i=0}^{d} binom(n-1, i): the number of cells of n points in general
// position in R^d (affine, i.e. n central hyperplanes in R^{d+1}).
double cover_count(std::int64_t n, std::int64_t d);

// Activation patterns as bitsets: pattern p, point i is bit i of words
// [p*words, (p+1)*words); bit set = the unit is active (θ·x̃_i > 0 inside).
struct Patterns {
  int n = 0;
  int words = 0;
  std::vector<std::uint64_t> bits;
  std::size_t size() const {
    return words == 0 ? 0 : bits.size() / static_cast<std::size_t>(words);
  }
  const std::uint64_t* operator[](std::size_t p) const { return bits.data() + p * words; }
  bool active(std::size_t p, int i) const { return ((*this)[p][i / 64] >> (i % 64)) & 1U; }
  void push(const std::uint64_t* pattern) { bits.insert(bits.end(), pattern, pattern + words); }
};

struct EnumerationResult {
  Patterns patterns;
  bool complete = true;  // false: stopped by the time limit or max_patterns
};

// The rows x̃_i the units see: (x_i, 1) with a unit bias, x_i without one
// (homogeneous units [w·x]_+, the class of the bias-free reductions).
Eigen::MatrixXd lift_inputs(const Matrix& X, bool unit_bias);

// All realizable activation patterns of the rows of X (n x d), in a
// deterministic order independent of `threads`. Without a unit bias the
// arrangement is central in R^d; a zero row (on every hyperplane, where every
// unit outputs 0) gets bit 0 in every pattern.
EnumerationResult enumerate_patterns(const Matrix& X, int threads,
                                     double time_limit_seconds = 1e300,
                                     std::int64_t max_patterns = INT64_MAX, bool unit_bias = true);

}  // namespace hardnets::exact_relu
