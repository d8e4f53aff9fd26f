// Problems `dnnt_random` and `dnnt_reduction`: discrete neural network
// training (D-NNT) instances in the format of dnnt_instance.h.
//
// Both put the instance's points in the training set and a copy of them in
// the test set (D-NNT is an optimisation problem on the given data; the copy
// only lets the default regression metrics be computed), the instance without
// data in Instance::task, and in the truth whether the instance is a YES
// instance for its threshold γ, with a certificate (a planted network, a
// subset, an exact cover) or the name of the independent certifier of NO.
//
// `dnnt_random`: a random network θ* drawn uniformly from the domains labels
// random integer inputs; `flips` labels are then moved by ±1, so θ* has loss
// exactly `flips` (square or l1) and γ = flips makes the instance YES.
//
// `dnnt_reduction`: the two reductions of docs/problems.md (subset sum with one
// point and one unit; exact cover by 3-sets with one unit and the origin), YES
// instances planted, NO instances drawn at random and certified by a
// subset-sum DP or by dancing links. γ = 0: loss 0 ⇔ YES, otherwise ≥ 1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hardnets/contracts/dnnt_instance.h"
#include "hardnets/problems/problem.h"

namespace hardnets::dnnt {

// Parses a domain written as text: comma-separated integers and ranges,
// e.g. "-1,0,1", "-2..2", "0,1,4..6". UserError naming `owner` otherwise.
std::vector<std::int64_t> parse_domain(const std::string& text, const std::string& owner);

// The judge of both problems. Rebuilds the instance from the task and the
// training data and re-verifies the fit's network with exact arithmetic:
//   verified   1 if the output's θ lies in the domains and its exact loss
//              equals the reported "opt_loss";
//   opt_loss   that exact loss (only when verified);
//   success    verified, the decision (loss ≤ γ) agrees with the truth, and on
//              a NO instance the solver claims optimality (a certified NO);
// plus the default test mse/nmse (the test set is a copy of the training set).
Metrics judge_dnnt(const Instance& instance, const Fit& fit);

// What both D-NNT families share: their parameter spec and the exact judge.
class DnntProblem : public Problem {
 public:
  const ParamSpec& spec() const override { return spec_; }
  Metrics judge(const Instance& instance, const Fit& fit) const override {
    return judge_dnnt(instance, fit);
  }

 protected:
  explicit DnntProblem(std::string name) : spec_(std::move(name)) {}
  ParamSpec spec_;
};

class DnntRandomProblem : public DnntProblem {
 public:
  DnntRandomProblem();
  std::string name() const override { return "dnnt_random"; }
  TaskPublication publishes() const override { return {&dnnt_schema()}; }
  std::string summary() const override;
  Instance generate(const Params& params, Seed seed, const Sizes& sizes,
                    const GenerateContext& ctx) const override;
};

// ---- the stages of dnnt_reduction ----------------------------------------
// Each draws from `root` (the problem's stream for the instance seed) and
// fails (UserError) like the problem does.

// A subset-sum instance and, when planted, the subset reaching its target.
struct SubsetSum {
  std::vector<std::int64_t> items;
  std::int64_t target = 0;
  std::vector<int> subset;  // planted only: increasing item indices
};
// m items uniform in [1, magnitude] with a random non-empty subset's sum as
// the target, or (planted = false) a random target in [1, Σ items] certified
// unreachable by the DP, within `tries` draws. Either way the DP checks the
// answer. UserError for m · magnitude > 1e8 or no NO instance in `tries`.
SubsetSum draw_subset_sum(const Rng& root, int m, std::int64_t magnitude, bool planted,
                          std::int64_t tries);
// The reduction: one point x = 3s with label 3T into `inst` (one unit, 0/1
// domains); returns the truth (with the certificate and the planted network
// when planted).
Json reduce_subset_sum(const SubsetSum& ss, bool planted, DnntInstance& inst);

// An exact-cover-by-3-sets instance and, when planted, the sets of a cover.
struct ExactCover {
  int universe = 0;                    // 3q elements
  std::vector<std::vector<int>> sets;  // m sorted triples
  std::vector<int> cover;              // planted only: the cover's indices into sets
  std::int64_t nodes = 0;              // dancing-links search nodes of the certification
};
// A random partition of the 3q elements into q triples plus m − q random
// decoys, shuffled; or (planted = false) m random triples covering every
// element with no exact cover, within `tries` draws. Either way dancing links
// checks the answer. UserError for m < q or no NO instance in `tries`.
ExactCover draw_exact_cover(const Rng& root, int m, int q, bool planted, std::int64_t tries);
// The reduction: one point per element u, x_u[j] = 1 iff u ∈ F_j, label 1,
// then (origin) the origin with label 0, into `inst`; returns the truth.
Json reduce_exact_cover(const ExactCover& ec, bool planted, bool origin, DnntInstance& inst);

class DnntReductionProblem : public DnntProblem {
 public:
  DnntReductionProblem();
  std::string name() const override { return "dnnt_reduction"; }
  TaskPublication publishes() const override { return {&dnnt_schema()}; }
  std::string summary() const override;
  Instance generate(const Params& params, Seed seed, const Sizes& sizes,
                    const GenerateContext& ctx) const override;
};

}  // namespace hardnets::dnnt
