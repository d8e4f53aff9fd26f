// `lll_relation`: the sample-optimal integer-relation attack (Song–Zadik–Bruna,
// Zadik–Song–Wein–Bruna, Diakonikolas–Kane; docs/learners.md, `lll_relation`,
// for CLWE / hCLWE and for cos / tri neuron labels) from n = d+1 samples.
//
// With λ a unit left null vector of X (λᵀX = 0, computed in MPFR),
// γXw = z + k − e gives λᵀk = −λᵀz + λᵀe: k ∈ Z^n is a small solution of one
// real linear equation. Rows (C = 2^N, τ = ⌈γ⌉):
//   b_i = (e_i, 0, ⌊Cλ_i⌉),   b_n = (0_n, τ, ⌊C λᵀz⌉);
// the planted Σ k_i b_i + b_n = (k, τ, C λᵀe + O(1)) has norm ≈ γ√n. hCLWE
// drops the τ row; labels use rows (e_i, ⌊Cλ_i⌉) for k and (e_{n+i}, ⌊Cλ_i t_i⌉)
// for the signs ε (t = the label's position in the half period). With n > d+1
// samples each of the n−d null vectors λ^{(j)} = (X_{[d]}^{-T} x_j, −1 at j)
// (normalised) adds one column. Everything up to the rounding is MPFR at
// max(N, data bits) + 128 bits; z comes from task.z_mp when present.
//
// N (scale_bits = 0): noise-balanced N = ⌈log₂(γ√n / β)⌉ with β the effective
// noise (task noise, at least a few ulps of the data's precision); for β = 0 (or
// σ = 0) N = min(2 N_need + 40, the data-precision balanced N), with
// N_need = D log₂(γ√n) + 0.04 D² and D the lattice rank.
#pragma once

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets {

struct LllRelationOptions {
  std::int64_t n = 0;
  std::int64_t scale_bits = 0;
  double delta = 0;
};

class LllRelationLearner : public Learner {
 public:
  LllRelationLearner();
  std::string name() const override { return "lll_relation"; }
  TaskNeed needs(const Params&) const override {
    return {{&clwe_schema(), &periodic_schema()},
            "the frequency γ and the noise of the relation it builds",
            ""};
  }
  std::string summary() const override {
    return "CLWE / periodic-label integer-relation attack from d+1 samples (LLL, MPFR)";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<LllRelationOptions> options_{"lll_relation"};
};

}  // namespace hardnets
