// `grid`: exhaustive search over directions for tiny d
// (docs/learners.md, `grid`), on clwe, periodic_neuron and clwe_relu.
//
// Directions w ∈ S^{d−1} (d <= 4) are enumerated on a hyperspherical grid of
// angular step δ (a hemisphere where ±w are equivalent): angles ψ_1 … ψ_{d−2}
// ∈ [0, π] and ψ_{d−1} ∈ [0, 2π), the step of each angle divided by the
// product of the sines before it. Each candidate is scored with γ from the task
// on up to 512 training samples — periodic: the mean squared error of
// φ(clip(γ⟨w,x⟩, ±γR)) against y; clwe: the mean of cos(2π(γ⟨w,x⟩ − z)) — and
// the 16 best are refined by a pattern search on the sphere (steps halved from
// δ to 1e-9) scored on up to 4096 samples. δ = 0 picks σ/(γR) (β/(3γ) for
// clwe; R = 3 when uncapped), enlarged until the grid has at most
// max_candidates points.
#pragma once

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets {

struct GridOptions {
  double resolution = 0;
  std::int64_t max_candidates = 0;
};

class GridLearner : public Learner {
 public:
  GridLearner();
  std::string name() const override { return "grid"; }
  TaskNeed needs(const Params&) const override {
    return {{&clwe_schema(), &periodic_schema()},
            "the frequency γ and the noise it scores against",
            ""};
  }
  std::string summary() const override {
    return "exhaustive spherical-grid search over the hidden direction w (d <= 4)";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<GridOptions> options_{"grid"};
};

}  // namespace hardnets
