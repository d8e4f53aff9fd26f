// `lll_labels`: the lattice attack on periodic-neuron labels
// (docs/learners.md, `lll_labels`), for y = φ(γ⟨w,x⟩) + N(0, σ²) with φ = tri
// or cos (periodic_neuron), and for the capped network clwe_relu.
//
// The labels lose the sign of γ⟨w,x⟩ mod 1: with t_i the label's position in
// the half period (tri: clip(y, 0, 1/2); cos: arccos(y)/2π),
// γ⟨w,x_i⟩ = k_i + ε_i t_i − ε_i η_i for integers k_i and signs ε_i. With Q the
// orthonormal left null space of X: Qᵀ(k + ε∘t) ≈ 0, 2n integer unknowns.
// Rows (scaled by S = 2^scale_bits, rounded), C = γ/σ:
//   (e_i, 0, C·Q_{i,:})  for k_i,    (0, e_i, C·t_i·Q_{i,:})  for ε_i.
// The planted ±(k, ε, C·Qᵀ(ε∘η)) is read off a reduced row whose ε-block is
// all ±S; s = argmin ‖Xs − (k + ε∘t)‖, ŵ = s/‖s‖ (±w equivalent). The fit's
// predictor is f̂(x) = φ(clip(⟨s,x⟩, −γR, γR)) (uncapped without R) when the
// recovery verifies, else the training-label mean.
#pragma once

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets {

struct LllLabelsOptions {
  std::int64_t n = 0;
  std::string reducer;          // read by lattice::lll_or_bkz(params)
  std::int64_t block_size = 0;  // read by lattice::lll_or_bkz(params)
  std::int64_t scale_bits = 0;
  double C = 0;
};

class LllLabelsLearner : public Learner {
 public:
  LllLabelsLearner();
  std::string name() const override { return "lll_labels"; }
  TaskNeed needs(const Params&) const override {
    return {{&periodic_schema()}, "the link φ, frequency γ and noise of the labels", ""};
  }
  std::string summary() const override {
    return "lattice attack on cos/tri neuron labels (sign-ambiguous, 2n unknowns), LLL or BKZ";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<LllLabelsOptions> options_{"lll_labels"};
};

}  // namespace hardnets
