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
//
// The stages live in their own files: exact_relu_arrangement.h (lifting,
// pattern enumeration, Cover's count), exact_relu_cells.h (the per-cell
// convex programs) and exact_relu_search.h (the search over cell tuples).
#pragma once

#include <string>

#include "hardnets/core/options.h"
#include "hardnets/learners/exact_relu_arrangement.h"
#include "hardnets/learners/exact_relu_cells.h"
#include "hardnets/learners/learner.h"

namespace hardnets::exact_relu {

struct ExactReluOptions {
  int k = 1;
  std::string loss;
  bool output_bias = true;
  bool unit_bias = true;
  std::int64_t max_patterns = 0;
};

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
  std::vector<TaskNeed> declared_needs() const override {
    return {needs(spec().resolve(std::vector<std::string>{"k=0"}))};
  }
  std::string summary() const override {
    return "globally optimal k-ReLU regression by activation-pattern enumeration (square, l1, "
           "linf)";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<ExactReluOptions> options_{"exact_relu"};
};

}  // namespace hardnets::exact_relu
