// Problem `prg_depth2_smoothed`: Goldreich's local PRG planted in a depth-2
// ReLU network (d → n^(k) → 1) under Gaussian-blurred hypercube inputs
// x = (μ(S0), 0) + N(0, ω² I_d), after Daniely–Srebro–Vardi 2023 — OUR
// RECONSTRUCTION (docs/problems.md, `prg_depth2_smoothed`). The network, the
// evaluators and the simulator of the reduction are in prg_network.h; this
// problem adds its parameters (the input smoothing ω and the law of the base
// tuple S0) and what it publishes.
//
// What learners see (task.json): the common keys of prg_network::common_task
// plus "omega" and "base". Truth: "seed". Card: the common card plus the base
// and the predicted and measured fraction of repeated tuples.
#pragma once

#include "hardnets/problems/prg_network.h"

namespace hardnets {

class PrgDepth2SmoothedProblem : public Problem {
 public:
  PrgDepth2SmoothedProblem();
  std::string name() const override { return "prg_depth2_smoothed"; }
  TaskPublication publishes() const override {
    return {&prg_depth2_schema(), &hidden_width_schema()};
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
