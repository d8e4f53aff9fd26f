// Problem `relu_reduction`: certified NP-hard instance families for training
// homogeneous ReLU networks with square loss (docs/problems.md, section
// "relu_reduction", has the proofs). Two sources:
//
// `one_in_three` → ONE ReLU, agnostic. From 1-in-3 SAT on N variables and M
//   clauses: the points ±2e_u with label 2 (a variable gadget: the loss of
//   [w·x]_+ there is 4(1 + (|w_u| − 1)²), so it prefers w_u = ±1), and for each
//   clause C = {ℓ_1, ℓ_2, ℓ_3} the point −Σ s_ℓ e_{var(ℓ)} (s_ℓ = −1 for a
//   negated literal) with label 1: at w = σ ∈ {±1}^N its value is 3 − 2t, t
//   the number of true literals, so the loss is 0 iff exactly one is true.
//   OPT = 4N on YES instances (c_YES = 4N), OPT ≥ 4N + 1 on NO (c_NO).
//
// `nae3sat` → SUM OF TWO ReLUs, realizable. From not-all-equal 3-SAT: the
//   points ±e_u and ±c_C (c_C = Σ s_ℓ e_{var(ℓ)}), all with label 1. A NAE
//   assignment σ gives f(x) = [σ·x]_+ + [−σ·x]_+ = |σ·x| with zero loss
//   (c_YES = 0); every network a_1[w_1·x]_+ + a_2[w_2·x]_+ has loss ≥ 1/2 on a
//   NO instance (c_NO = 1/2).
//
// The hypothesis class is the homogeneous one: no unit bias and no output
// bias (exact_relu with unit_bias=false output_bias=false and k = 1 or 2);
// the proofs do not cover biases. Sources are planted (YES), random (decided),
// or random and certified unsatisfiable (NO), by brute force or CaDiCaL
// (sat_certify.h). The training set is the reduction's point set, the test set
// a copy; the requested n_train/n_test are ignored.
#pragma once

#include <gmpxx.h>
#include <string>
#include <vector>

#include "hardnets/nets/relu_net.h"
#include "hardnets/problems/problem.h"
#include "hardnets/problems/sat_certify.h"

namespace hardnets::relu_reduction {

// The reduction's declared class and thresholds on the summed square loss.
struct Thresholds {
  int k = 1;           // hidden units
  double c_yes = 0.0;  // OPT ≤ c_yes on YES instances (attained by the certificate)
  double c_no = 0.0;   // OPT ≥ c_no on NO instances
};
Thresholds thresholds(sat::Kind kind, int num_vars);

// The reduction's training set (integer points and labels).
Dataset reduction_data(sat::Kind kind, int num_vars, const std::vector<sat::Clause>& clauses);

// The certificate network of a satisfying assignment: one unit [σ·x]_+
// (1-in-3) or [σ·x]_+ + [−σ·x]_+ (NAE); integer weights, no biases.
ReluNet certificate_network(sat::Kind kind, const sat::Assignment& assignment);

// Σ (f(x_i) − y_i)² in exact rational arithmetic (every double is a
// rational), for a ReluNet of any depth.
mpq_class exact_square_loss(const ReluNet& net, const Dataset& data);

// Whether `net` lies in the class: depth 2, at most k hidden units, all
// hidden biases and the output bias exactly 0.
bool in_class(const ReluNet& net, int k);

class ReluReductionProblem : public Problem {
 public:
  ReluReductionProblem();
  std::string name() const override { return "relu_reduction"; }
  TaskPublication publishes() const override {
    return {&relu_training_schema(), &hidden_width_schema()};
  }
  std::string summary() const override;
  const ParamSpec& spec() const override { return spec_; }
  Instance generate(const Params& params, Seed seed, const Sizes& sizes,
                    const GenerateContext& ctx) const override;
  // Besides the default regression metrics (test = a copy of the training
  // set): reduction_loss (exact Σ squared residuals of the fit's network on the
  // training set), in_class, c_yes, c_no, found_yes (in class and loss ≤ c_yes
  // + 1e-6), certified_no (the learner certifies optimality and loss ≥ c_no −
  // 1e-6), success (found_yes on YES, certified_no on NO), and for certified
  // optima `calibrated` (1 when the optimum lies on the side the truth says).
  Metrics judge(const Instance& instance, const Fit& fit) const override;
  // The NO source: a training problem of the same shape whose every network
  // has loss >= c_no; a learner's own verification (found_yes) is the
  // statistic.
  std::optional<NullHypothesis> null_hypothesis() const override {
    return NullHypothesis{"instance", "unsat", "found_yes", false,
                          "a certified NO instance (unsatisfiable source) of the same size"};
  }

 private:
  ParamSpec spec_;
};

}  // namespace hardnets::relu_reduction
