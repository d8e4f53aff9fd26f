// Problem `prg_depth3`: Goldreich's local PRG planted in a depth-3 ReLU
// network (d → 6R → n^(k) → 1) under x ~ N(0, I_d), after
// Daniely–Srebro–Vardi 2023 — OUR RECONSTRUCTION (docs/problems.md,
// `prg_depth3`). The network, its exact law at τ = 0, the evaluators and the
// simulator of the reduction are in prg_network.h; this problem adds its
// parameters (the band half-width δ and the gate M of the sign gadgets) and
// what it publishes.
//
// What learners see (task.json): the common keys of prg_network::common_task
// plus "delta", "gate" and "H" (= 6R, the first hidden width). Truth: "seed".
// Card: the common card plus τ/δ and the predicted and measured case
// fractions (clean, band, annulus, repeated) of the training inputs.
#pragma once

#include "hardnets/problems/prg_network.h"

namespace hardnets {

class PrgDepth3Problem : public Problem {
 public:
  PrgDepth3Problem();
  std::string name() const override { return "prg_depth3"; }
  TaskPublication publishes() const override {
    return {&prg_depth3_schema(), &hidden_width_schema()};
  }
  std::string summary() const override;
  const ParamSpec& spec() const override { return spec_; }
  Instance generate(const Params& params, Seed seed, const Sizes& sizes,
                    const GenerateContext& ctx) const override;
  Metrics judge(const Instance& instance, const Fit& fit) const override;
  // labels = uniform, statistic advantage (prg_network::network_null).
  std::optional<NullHypothesis> null_hypothesis() const override {
    return prg_network::network_null();
  }

 private:
  ParamSpec spec_;
};

}  // namespace hardnets
