// `lll_primal`: the many-sample primal (Kannan embedding) attack on CLWE and
// hCLWE (docs/learners.md, `lll_primal`) — the CLWE analogue of the LWE
// uSVP attack and the practically strongest lattice attack.
//
// With Q the orthonormal left null space of X (n × (n−d)), γXw = z + k − e
// gives Qᵀ(z + k) = Qᵀe: n−d noisy real constraints on the integer lifts k.
// Rows (scaled by S = 2^scale_bits and rounded):
//   r_i = (e_i, 0, C·Q_{i,:})  i < n,   r_n = (0_n, τ, C·Qᵀz),   C = γ/β, τ = γ;
// the planted vector Σ k_i r_i + r_n = (k, τ, C·Qᵀe) has every coordinate of
// size ≈ γ. After LLL (optionally BKZ-b) every row whose τ-coordinate is ±Sτ
// gives k, s = argmin ‖Xs − z − k‖ and ŵ = s/‖s‖, γ̂ = ‖s‖. hCLWE (z ≡ 0)
// drops the τ row and column; ±w are then equivalent.
//
// On an lwe task it runs the LWE primal attack of lwe_primal.h instead.
#pragma once

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets {

struct LllPrimalOptions {
  std::int64_t n = 0;
  std::string reducer;          // read by lattice::lll_or_bkz(params)
  std::int64_t block_size = 0;  // read by lattice::lll_or_bkz(params)
  std::int64_t scale_bits = 0;
  double C = 0;
};

class LllPrimalLearner : public Learner {
 public:
  LllPrimalLearner();
  std::string name() const override { return "lll_primal"; }
  TaskNeed needs(const Params&) const override {
    return {{&clwe_schema(), &lwe_schema()},
            "the scale γ and noise β (clwe) or the modulus and the laws of s and e (lwe) of the "
            "lattice it builds",
            ""};
  }
  std::string summary() const override {
    return "primal lattice attack on CLWE (Kannan embedding of the null-space constraints) and "
           "on LWE (Kannan embedding, Bai-Galbraith scaling); LLL, BKZ or BKZ 2.0";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<LllPrimalOptions> options_{"lll_primal"};
};

}  // namespace hardnets
