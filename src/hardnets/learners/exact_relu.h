// The `exact_relu` learner: the global optimum of two-layer ReLU regression
// with k hidden units, by activation-pattern enumeration (Arora et al. 2018,
// Froese et al. 2022; docs/learners.md, `exact_relu`).
//
//   min over θ_j ∈ R^{d+1}, a_j, c of  Σ_i ℓ(Σ_{j≤k} a_j [θ_j·x̃_i]_+ + c, y_i),
//   x̃ = (x, 1), ℓ ∈ {square, |·| (l1), max |·| (linf: the largest residual)}.
//
// Positive homogeneity lets a_j = s_j ∈ {±1}. The closed cells of the central
// arrangement {θ : θ·x̃_i = 0} in R^{d+1} cover the parameter space, and on
// the closed cell with activation set S the unit is the linear function
// 1[i∈S] θ·x̃_i under the sign constraints θ·x̃_i ≥ 0 (i ∈ S), ≤ 0 (i ∉ S).
// For every multiset of k distinct (pattern, sign) items the problem in
// (θ_1..θ_k, c) is therefore convex (a QP for square loss, an LP for l1 and
// linf) with k·n linear constraints; the best of them is the global optimum.
// Solving WITHOUT the sign constraints would be wrong (fitted lines leave
// their cells; docs/learners.md, `exact_relu`, gives the counterexample).
//
// Cells are enumerated exactly from their extreme rays: after projecting the
// x̃_i onto their span (rank r), every (r-1)-subset of linearly independent
// vectors defines a ray ±ρ; the cells around ρ carry the sign of ρ·x̃_i on
// the points off ρ and, on the points through ρ, the cells of their own
// (lower-dimensional) arrangement: all 2^{r-1} sign choices in general
// position, a recursive enumeration otherwise. Patterns are deduplicated in a
// hash set. In general position their number is Cover's count
// C(n, d) = 2 Σ_{i=0}^{d} binom(n-1, i).
//
// Square-loss programs: the unconstrained least squares value is a lower
// bound; a program is pruned when it exceeds the incumbent (plus a 1e-9
// relative margin), taken when its minimiser satisfies the sign constraints,
// and otherwise solved exactly by the dual of the cone projection, a
// Lawson–Hanson NNLS on the constraint multipliers, then polished by an
// equality-constrained least squares on the active face. l1/linf programs are
// LPs solved by Clp's dual simplex, warm-started from the previous program of
// the same block (the (pattern, sign) items enter only through bounds), and
// pruned when a bound from the labels alone (the points where no unit is
// active see only the output bias) exceeds the incumbent. Programs run in
// fixed blocks and rounds against the incumbent of the previous round, so
// results and statistics are identical for every thread count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hardnets/learners/learner.h"

namespace hardnets::exact_relu {

enum class Loss { kSquare, kL1, kLinf };
Loss loss_from_name(const std::string& name);

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

// One unit: activation pattern, output sign a_j = ±1 and θ_j = (w_j, b_j)
// (θ_j = w_j without a unit bias).
struct Unit {
  std::vector<std::uint64_t> pattern;
  int sign = 1;
  Vector theta;
};

struct CellSolution {
  bool solved = false;  // false: pruned (lower bound above the cutoff)
  double loss = 0.0;    // Σ ℓ (linf: max |r|) of the network, real ReLUs
  std::vector<Unit> units;
  double c = 0.0;
};

// The convex program of one cell tuple: `units` give patterns and signs
// (their theta is ignored). The solve is skipped (solved = false) when a
// lower bound exceeds `cutoff`: the unconstrained least squares value for
// square loss, the bound from the labels alone for l1/linf. l1/linf are
// solved cold here (the learner warm-starts them).
CellSolution solve_cell(const Matrix& X, const Vector& y, const std::vector<Unit>& units, Loss loss,
                        bool output_bias, double cutoff = 1e300, bool unit_bias = true);

// Σ ℓ of the network on (X, y).
double network_loss(const Matrix& X, const Vector& y, const std::vector<Unit>& units, double c,
                    Loss loss, bool unit_bias = true);

class ExactReluLearner : public Learner {
 public:
  ExactReluLearner();
  std::string name() const override { return "exact_relu"; }
  TaskNeed needs(const Params& params) const override {
    if (params.integer("k") != 0) return {};
    return {{&hidden_width_schema()},
            "k = 0 takes the task's hidden width",
            "pass -l k=K (1 <= K <= 8)"};
  }
  std::string summary() const override {
    return "globally optimal k-ReLU regression by activation-pattern enumeration (square, l1, "
           "linf)";
  }
  const ParamSpec& spec() const override { return spec_; }
  Fit fit(const Dataset& train, const Params& params, const LearnerContext& ctx) const override;

 private:
  ParamSpec spec_;
};

}  // namespace hardnets::exact_relu
