// `literal_majority`: the naive-planting attack on `natural_ksat`
// (docs/learners.md, `literal_majority`; docs/problems.md, `natural_ksat`):
// planted K-SAT whose clauses are uniform among those satisfied by ψ* is easy.
//
// What x shows without W. In block B_j of a clause input the nonzero
// coordinates are exactly the K variables of clause C_j, and
//   sign(x_{j,v}) = −σ_v r_{j,v},   |x_{j,v}| = α / |w_{j,v}|,
// so the literal signs σ are hidden behind the per-neuron mask r_j, but the
// mask is fixed across examples. A clause uniform among the 2^K − 1
// patterns satisfied by ψ* makes a literal true with probability
// 2^{K−1} / (2^K − 1) = ½ + 1/(2(2^K − 1)), so over the formula tuples
// E sign(x_{j,v}) = −r_{j,v} ψ*_v / (2^K − 1) = −sign(w_{j,v}) / (2^K − 1):
// the majority vote of −sign(x_{j,v}) recovers the sign pattern of every
// neuron on its block, sign(w_{j,B_j}) = ψ* ⊙ r_j. The data cannot separate ψ*
// from r_j (the law is invariant under (ψ*, r_j) → (ψ* ⊙ ρ, r_j ⊙ ρ) for all
// j), but the construction pins r_1 = 1 (ψ* := sign(w_{1,B_1})), so block 1's
// vote is ψ* itself: v is true iff the majority sign of x_{1,v} is negative.
//
// It reads only X, y and the task (never the truth): the rows with label 0
// are the formula tuples (plus the random tuples ψ* happens to satisfy,
// whose clauses are uniform among satisfied ones too, so they help). Each
// such row must have exactly K nonzero coordinates in every block
// (UserError otherwise). Output {"assignment": bits (v = 1 iff ψ*_v = +1),
// "unseen": variables with no vote in block 1, "ties"}. Predictor: with ĝ_j =
// the voted sign(w_{j,B_j}), clause j of a row is violated iff every one of
// its K coordinates has sign(x) = ĝ_{j,v}; it predicts α̂·#violated (label
// count, α̂ = the smallest positive training label) or 1[#violated > 0]
// (label or) — exactly N_W's labels once every voted sign is right.
#pragma once

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets {

// No parameters.
struct LiteralMajorityOptions {};

class LiteralMajorityLearner : public Learner {
 public:
  LiteralMajorityLearner();
  std::string name() const override { return "literal_majority"; }
  TaskNeed needs(const Params&) const override {
    return {{&natural_ksat_schema()}, "the formula's blocks: n, K, q", ""};
  }
  std::string summary() const override {
    return "majority vote of the clause-input signs on natural_ksat's label-0 rows: recovers the "
           "planted assignment and each neuron's sign pattern (naive planting is easy)";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<LiteralMajorityOptions> options_{"literal_majority"};
};

}  // namespace hardnets
