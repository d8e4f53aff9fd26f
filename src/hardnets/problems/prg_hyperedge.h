// Problem `prg_hyperedge`: the base learning problem of Daniely–Vardi (COLT
// 2021): learn h_s(S) = P(s_S) from hyperedges of Goldreich's PRG.
//
// Training set: the PRG's m outputs (m = --n-train, or n^σ with `stretch`),
// row i the encoding of hyperedge S_i (one-hot: k blocks of n; or the k
// indices), label y_i = P(s_{S_i}) ∈ {0, 1}. Test set: fresh hyperedges of the
// same seed. `labels = uniform` replaces every label by an independent fair
// bit (the null hypothesis a distinguisher must tell apart from the PRG).
//
// Certificate: the exact depth-2 ReLU network of h_s (|P^{-1}(1)| ≤ 2^k hidden
// units on the one-hot encoding), for each a ∈ P^{-1}(1)
//   u_a(z) = ReLU(Σ_{j: a_j=1} ⟨z^j, s⟩ + Σ_{j: a_j=0} ⟨z^j, 1 − s⟩ − (k − 1)),
// h_s = Σ_a u_a: on a valid one-hot z, u_a = 1[s_S = a] (tested on every row).
//
// Judge (any fit with a predictor): accuracy of 1[pred > 1/2], split into
// seen_accuracy / unseen_accuracy on test hyperedges (ordered tuples) that do
// / do not occur in the training set (memorising seen hyperedges is not
// learning), unseen_fraction, and advantage = unseen_accuracy − 1/2: the
// advantage over uniform labels of the distinguisher "predict a fresh label",
// since against uniform labels every predictor's expected accuracy is 1/2.
// A fit whose output has "seed" also gets success (the seed, or its
// complement when P(¬x) ≡ P(x), equals s), seed_bit_accuracy (best over
// that symmetry) and found (the attack's own verification).
#pragma once

#include "hardnets/contracts/goldreich.h"
#include "hardnets/nets/relu_net.h"
#include "hardnets/problems/problem.h"

namespace hardnets {

// The exact depth-2 network of h_s on the one-hot encoding (input width kn).
ReluNet hyperedge_network(const goldreich::Predicate& p, const std::vector<std::uint8_t>& seed);

// Accuracy figures shared by the PRG problems: `correct[i]` says whether test
// row i was predicted right, `seen[i]` whether its hyperedge occurred in
// training, `counted[i]` whether it counts at all (the clean fraction, for
// the Gaussian networks). Fills accuracy, seen_accuracy, unseen_accuracy,
// unseen_fraction and advantage (unseen_accuracy − 1/2).
void split_accuracy(const std::vector<char>& correct, const std::vector<char>& seen,
                    const std::vector<char>& counted, Metrics& metrics);
// Fills success, seed_bit_accuracy and found from Fit::output["seed"] (when
// present) against the true seed.
void judge_seed(const goldreich::Predicate& p, const std::vector<std::uint8_t>& seed,
                const Fit& fit, Metrics& metrics);

class PrgHyperedgeProblem : public Problem {
 public:
  PrgHyperedgeProblem();
  std::string name() const override { return "prg_hyperedge"; }
  TaskPublication publishes() const override { return {&goldreich_schema()}; }
  std::string summary() const override;
  const ParamSpec& spec() const override { return spec_; }
  Instance generate(const Params& params, Seed seed, const Sizes& sizes,
                    const GenerateContext& ctx) const override;
  Metrics judge(const Instance& instance, const Fit& fit) const override;
  // labels = uniform; a distinguisher thresholds the judge's advantage.
  std::optional<NullHypothesis> null_hypothesis() const override;

 private:
  ParamSpec spec_;
};

}  // namespace hardnets
