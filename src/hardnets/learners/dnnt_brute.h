// Learner `dnnt_brute`: exact discrete training (D-NNT) by enumeration with
// pruning, for any depth, in exact integer arithmetic.
//
// The network is searched layer by layer. Hidden layers before the last are
// enumerated unit by unit (each unit's incoming weights and bias as one tuple
// from the product of their domains). The last hidden layer and the output
// layer are searched together: unit j with its outgoing weight a_j is one
// "group" whose choices are precomputed contribution vectors
//   (a_j [w_j·h_i + b_j]_+)_{i=1..n}
// on the previous layer's activations h_i; the output is c + Σ_j (group j's
// contribution), and the best c for a full choice is found by a binary search
// on the sorted domain of c (the loss is convex in c).
//
// Pruning:
//   - symmetry: permuting the units of a hidden layer (with the matching
//     columns of the next layer) does not change the function, so when the
//     units' domains are interchangeable their tuples are enumerated in
//     non-decreasing order (multisets instead of sequences: a factor up to k!);
//   - early loss bounds: with s_i the partial output after some groups, the
//     remaining r groups add between r·min and r·max of their contributions
//     (per point, over the choices still allowed), and c lies in [min, max]
//     of its domain; the loss of the distance from y_i to that interval is a
//     lower bound, and a branch is cut when it reaches the best loss so far.
// Arithmetic is int64 when DnntInstance::fits_int64() bounds every value
// below 2^62, GMP integers otherwise. With no hidden layer (depth 1) the
// groups are the input coordinates (choices w_t, contributions w_t x_it).
#pragma once

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets {

struct DnntBruteOptions {
  bool symmetry = true;
  bool bounds = true;
  std::int64_t max_nodes = 0;
};

class DnntBruteLearner : public Learner {
 public:
  DnntBruteLearner();
  std::string name() const override { return "dnnt_brute"; }
  TaskNeed needs(const Params&) const override {
    return {{&dnnt_schema()}, "the architecture, domain and loss it searches", ""};
  }
  std::string summary() const override {
    return "exact D-NNT by enumeration (symmetry breaking, loss bounds), any depth, exact "
           "integers; reports opt_loss and the network";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<DnntBruteOptions> options_{"dnnt_brute"};
};

}  // namespace hardnets
