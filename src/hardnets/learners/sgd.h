// The `sgd` learner: a ReLU MLP trained by mini-batch gradient descent.
//
// The network has `depth` weight layers (depth 2 = one hidden layer) of
// `width` ReLU units each and a linear scalar output; the objective is the
// training mean squared error. Training runs in single precision (or double)
// on MlpKernels with Adam or SGD with momentum, an optional learning-rate
// schedule, decoupled weight decay, and an optional validation split with
// early stopping that keeps the best-validation weights. Everything random
// (initialisation, split, shuffling) is drawn from substreams of ctx.seed, and
// the inner loop is single-threaded, so a seed gives a bit-identical result.
//
// A run whose loss becomes NaN/inf or grows `diverge_ratio` times beyond its
// starting scale returns status "diverged" (no predictor) instead of failing.
// Reaching ctx.time_limit_seconds stops training with status "timeout" and
// the current weights as the predictor.
#pragma once

#include <cstdint>
#include <string>

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets {

struct SgdOptions {
  int depth = 0;
  int width = 0;
  std::string optimizer;
  double lr = 0;
  double momentum = 0;
  double beta1 = 0;
  double beta2 = 0;
  double eps = 0;
  std::int64_t batch = 0;
  std::int64_t epochs = 0;
  std::int64_t steps = 0;
  double weight_decay = 0;
  std::string schedule;
  double val_fraction = 0;
  std::int64_t patience = 0;
  std::string init;
  double init_scale = 0;
  std::int64_t restarts = 0;
  bool bias = true;
  std::string precision;
  double diverge_ratio = 0;
};

class SgdLearner : public Learner {
 public:
  SgdLearner();
  std::string name() const override { return "sgd"; }
  TaskNeed needs(const Params& params) const override {
    if (params.integer("width") != 0) return {};
    return {
        {&hidden_width_schema()}, "width = 0 trains the task's hidden width", "pass -l width=M"};
  }
  std::vector<TaskNeed> declared_needs() const override {
    return {needs(spec().resolve(std::vector<std::string>{"width=0"}))};
  }
  std::string summary() const override {
    return "ReLU MLP (depth x width) trained on square loss by mini-batch Adam/SGD";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<SgdOptions> options_{"sgd"};
};

}  // namespace hardnets
