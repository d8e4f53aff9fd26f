// `clause_xor`: Gaussian elimination against `natural_ksat` with the
// odd-parity planting (formula = planted_xor; docs/learners.md, `clause_xor`;
// docs/problems.md, `natural_ksat`). The only planting whose literals are (K−1)-wise uniform —
// so that `literal_majority` sees no bias — is a planted K-XOR, and a K-XOR
// is a linear system over GF(2).
//
// The equations. In block B_j of a clause input the K nonzero coordinates
// are the clause's variables, with sign(x_{j,v}) = −σ_v r_{j,v}. With
// g_{j,v} = sign(w_{j,v}) = ψ*_v r_{j,v}, literal (v, σ) is true iff
// σψ*_v = +1 iff g_{j,v} = −sign(x_{j,v}). Writing u_v = 1[g_{j,v} = +1] and
// n_v = 1[x_{j,v} < 0], "literal true" is 1 ⊕ u_v ⊕ n_v, and an odd number of
// true literals is
//     Σ_{v ∈ C} u_v = 1 ⊕ K ⊕ Σ_{v ∈ C} n_v   (mod 2).
// Every label-0 row gives one such equation per block; block 1 has g_1 = ψ*
// (r_1 = 1), so its solution is the planted assignment (bit v = u_v).
//
// Outliers. The label-0 rows also hold the random tuples ψ* happens to
// satisfy (a fraction (1 − 2^{−K})^q of them, on the card as
// random_tuple_all_satisfied), whose clauses have no parity constraint. So
// the attack is a consensus one: for each of `subsets` random subsets of
// `subset_rows` label-0 rows (the same subsets for every block, from the
// learner seed), it eliminates (M4RI, gf2_system.h) and scores a consistent
// solution by the fraction of all label-0 equations of the block it
// satisfies; the best is kept. A clean subset of full rank gives ψ* itself,
// which satisfies every formula row and about half of the others.
//
// Output {"assignment": bits, "agreement": the kept solution's fraction of
// block-1 equations satisfied, "rank": its subset's rank}; free variables
// (not determined by the kept subset) are 0 in the assignment and unknown
// (0) in the predictor's sign patterns, the `literal_majority` predictor
// (natural_ksat::clause_sign_predictor). With formula = planted the parity
// equations are false for about half the clauses: no subset is consistent
// beyond chance, agreement stays near ½, and the assignment is wrong.
#pragma once

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets {

struct ClauseXorOptions {
  std::int64_t subsets = 0;
  std::int64_t subset_rows = 0;
};

class ClauseXorLearner : public Learner {
 public:
  ClauseXorLearner();
  std::string name() const override { return "clause_xor"; }
  TaskNeed needs(const Params&) const override {
    return {{&natural_ksat_schema()}, "the formula's blocks: n, K, q", ""};
  }
  std::string summary() const override {
    return "Gaussian elimination (M4RI) on the clause-parity equations of natural_ksat's label-0 "
           "rows, by consensus over random row subsets: breaks the odd-parity (K-XOR) planting";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<ClauseXorOptions> options_{"clause_xor"};
};

}  // namespace hardnets
