// Problem `sparse_parity`: a k-sparse parity over uniform ±1 inputs, the
// classic positive control for "algebra beats gradients".
//
// A secret support S ⊂ [n] of k distinct indices (uniform); inputs x uniform
// on {-1, +1}^n; label y = χ_S(x) = Π_{i∈S} x_i ∈ {-1, +1}, flipped
// independently with probability `noise` (η) on both train and test sets
// (η > 0 is learning parity with noise). Over GF(2), with bits b_i =
// (1 - x_i)/2 and label bit c = (1 - y)/2, a clean sample is the linear
// equation Σ_{i∈S} b_i = c in the unknown indicator vector of S: Gaussian
// elimination needs m ≈ n + O(1) clean samples. SGD on a two-layer network
// needs about n^{O(k)} steps (Barak et al. 2022, arXiv 2207.08799).
//
// What learners see (task.json): {"family": "parity", "n", "k", "noise"}.
// Truth: "support" (sorted indices). Judge: accuracy (sign of the prediction
// against the noisy test labels), clean_accuracy (against χ_S), success (the
// fit's output "support" equals S, or, for a predictor without one,
// clean_accuracy ≥ 0.99), found (the attack's own verification).
#pragma once

#include <vector>

#include "hardnets/contracts/parity.h"
#include "hardnets/problems/problem.h"

namespace hardnets {

// Predicts χ_S(x) = Π_{i∈S} x_i: what a support-recovery attack returns.
class SparseParityProblem : public Problem {
 public:
  SparseParityProblem();
  std::string name() const override { return "sparse_parity"; }
  TaskPublication publishes() const override { return {&parity_schema()}; }
  std::string summary() const override;
  const ParamSpec& spec() const override { return spec_; }
  Instance generate(const Params& params, Seed seed, const Sizes& sizes,
                    const GenerateContext& ctx) const override;
  Metrics judge(const Instance& instance, const Fit& fit) const override;
  std::optional<NullHypothesis> null_hypothesis() const override {
    return NullHypothesis{"labels", "uniform", "accuracy", false,
                          "independent fair labels on the same inputs, the task unchanged"};
  }

 private:
  ParamSpec spec_;
};

}  // namespace hardnets
