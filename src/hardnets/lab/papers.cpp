#include "hardnets/lab/papers.h"

#include "hardnets/core/bibliography.h"
#include "hardnets/problems/problem.h"

namespace hardnets {

const std::vector<PaperClaim>& paper_claims() {
  static const std::vector<PaperClaim> claims = {
      {"daniely2023smoothness",
       "Learning depth-3 ReLU networks under the standard Gaussian input distribution is "
       "computationally hard, even when the network's parameters are slightly perturbed at "
       "random (smoothed), and depth-2 networks are hard under smoothed hypercube inputs, "
       "assuming local pseudorandom generators (Goldreich's PRG) are secure.",
       "The theorems concern n growing with m <= n^sigma outputs below the predicate's "
       "threshold. The lab's networks are our reconstruction; learners are run at n <= 32 and "
       "the hyperedge attacks up to n = 2048, and at those sizes decode-then-attack breaks every "
       "instance: the sizes where the assumption could bite are reached only by the estimator's "
       "extrapolation."},
      {"daniely2020natural",
       "Most depth-2 ReLU networks with natural random weights (normal or uniform) are hard to "
       "learn for some input distribution, assuming random K-SAT is hard to refute.",
       "The input distribution of the theorem is built adversarially; our natural_ksat planting "
       "is a reconstruction with the theorem's shape, and both its plantings fall to simple "
       "attacks here. Random teachers under N(0, I) are the learnable side."},
      {"li2025hardness",
       "Learning one-hidden-layer ReLU networks of polynomial width under Gaussian inputs is "
       "hard, already at small label noise, assuming Continuous LWE is hard (and so, through "
       "known reductions, worst-case lattice problems).",
       "At the lab's sizes (d <= 32) lattice attacks recover the hidden direction when the noise "
       "is tiny; sizes where the noise needed is above what LLL and BKZ reach are the "
       "estimator's extrapolation. The network's knots and weights are our reconstruction."},
      {"goel2021tight",
       "Training a single ReLU to minimise square loss is NP-hard, and so is training a sum of k "
       "ReLUs even when the labels are realizable; under Gap-ETH and a Densest-k-Subgraph "
       "hypothesis, properly learning the best-fitting ReLU takes time exponential in "
       "1/epsilon^2, a separation from improper learning.",
       "Our reductions (homogeneous units, ours) are certified on small instances (exact "
       "training up to about N = 8 variables); the epsilon-dependent lower bounds are not yet "
       "exercised."},
      {"doronarad2025discretely",
       "Training neural networks whose parameters come from a finite set (D-NNT) is NP-hard "
       "already with two layers, even in fixed input dimension, and deep D-NNT is not in NP; two "
       "layers admit a pseudo-polynomial algorithm when the number of data points is fixed "
       "(as stated in the paper's abstract).",
       "Our reductions let the input dimension grow, so the fixed-dimension and deep results are "
       "not yet expressed in the lab; exact solvers reach a few points and units."},
  };
  return claims;
}

namespace {

// The first of the papers that a problem cites (nullptr if none): the paper
// whose page its runs go on.
const PaperClaim* paper_of(const std::string& problem) {
  for (const Citation& c : problem_registry().get(problem).spec().references())
    for (const PaperClaim& p : paper_claims())
      if (p.key == c.key) return &p;
  return nullptr;
}

}  // namespace

Json papers_json() {
  Json out = Json::array();
  for (const PaperClaim& p : paper_claims()) {
    Json problems = Json::array();
    for (const std::string& name : problem_registry().names())
      if (paper_of(name) == &p) problems.push_back(name);
    out.push_back(Json{{"key", p.key},
                       {"citation", find_work(p.key)->citation()},
                       {"claim", p.claim},
                       {"limits", p.limits},
                       {"problems", problems}});
  }
  return out;
}

}  // namespace hardnets
