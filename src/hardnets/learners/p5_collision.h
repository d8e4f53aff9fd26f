// `p5_collision`: the collision + guess-and-determine attack on Goldreich's
// PRG with P5(x) = x1 ⊕ x2 ⊕ x3 ⊕ x4 x5 (Couteau–Dupin–Méaux–Rossi–Rotella,
// ASIACRYPT 2018; docs/learners.md, `p5_collision`).
//
// Output i on (a, b, c, d, e) is y_i = s_a ⊕ s_b ⊕ s_c ⊕ s_d s_e.
//  (a) Collisions. Outputs sharing the unordered pair {d, e} share s_d s_e:
//      the sum of two of them is a linear equation in ≤ 6 seed bits. A pair
//      met t times gives t − 1 of them; about m − N + N(1 − 1/N)^m in all,
//      N = C(n, 2) (goldreich::expected_pair_collisions).
//  (b) Greedy guesses. Repeatedly guess the seed bit that occurs in the most
//      pairs not yet linearized: guessing s_d turns every output of a pair
//      {d, e} into a linear equation (s_d = 0: the product vanishes; s_d = 1:
//      it is s_e), one more equation per such pair plus the guess itself.
//      Stop when collisions + guesses + linearized outputs ≥ n + margin. The
//      estimate of Couteau et al. for the number of guesses is
//      g ≈ n(n − c)/(2m + n).
//  (c) For each of the 2^g assignments of the guessed bits (plain binary
//      order): eliminate (M4RI); propagate: every seed bit the system
//      determines linearizes the outputs of its pairs, which are added and
//      the system eliminated again, until nothing new is determined; then
//      enumerate the solution space (up to max_candidates seeds, Gray code)
//      and verify each seed against ALL outputs. The first seed that
//      reproduces every output is returned (found = true). An inconsistent
//      system rejects the assignment at once.
// Seed bits in no output are set to 0 (nothing can determine them).
// On a lifted PRG network (prg_depth3, prg_depth2_smoothed) the clean rows
// are decoded to challenges first and the attack runs unchanged on them
// (prg_decode.h).
#pragma once

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets {

struct P5CollisionOptions {
  int max_guesses = 0;
  std::int64_t margin = 0;
  std::int64_t max_candidates = 0;
};

class P5CollisionLearner : public Learner {
 public:
  P5CollisionLearner();
  std::string name() const override { return "p5_collision"; }
  TaskNeed needs(const Params&) const override {
    return {{&goldreich_schema(), &prg_depth3_schema(), &prg_depth2_schema()},
            "the P5 predicate and the seed length (a PRG network's rows are decoded to "
            "challenges first)",
            ""};
  }
  std::string summary() const override {
    return "collision + guess-and-determine attack on Goldreich's PRG with P5 (Couteau et al. "
           "2018): pair collisions, greedy guesses, GF(2) elimination, verification";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<P5CollisionOptions> options_{"p5_collision"};
};

}  // namespace hardnets
