// `dnnt_dp`: the pseudo-polynomial dynamic program for two-layer discrete
// training (D-NNT) with a fixed number n of data points (docs/learners.md,
// `dnnt_dp`; Doron-Arad 2025 states that such an algorithm exists).
//
// For f(x) = c + Σ_j a_j [w_j·x + b_j]_+ the network's outputs on the data form
// the n-vector c·1 + Σ_j a_j [z_j]_+ with z_j = X w_j + b_j·1. The units add
// independently, so the set of reachable output vectors is a Minkowski sum:
//   Z_j = {X w + b·1 : w ∈ Π_t W_{w_jt}, b ∈ W_{b_j}}        (built column by column)
//   C_j = {a [z]_+ : z ∈ Z_j, a ∈ W_{a_j}}                  (one unit's contributions)
//   S   = C_1 ⊕ C_2 ⊕ ... ⊕ C_k                             (a balanced tree of sums)
//   opt = min_{s ∈ S, c ∈ W_c} Σ_i ℓ(c + s_i, y_i).
// Every set holds integer n-vectors inside its bounding box, so a vector is
// packed into one int64 key (mixed radix, no carries); sums are formed on
// bitsets over the packed box and read back as sorted key vectors. Units with
// identical domains share their sets, so k equal units need O(log k) sums
// (doubling). The root sum is never materialised: with S = L ⊕ R the optimum
// is min_{l ∈ L, c} D_R(y − c·1 − l), where D_R(t) = min_{r ∈ R} Σ_i ℓ(t_i − r_i)
// is a separable distance transform of R computed exactly on the grid of
// possible targets (meet in the middle). Backtracking through the stored sets
// recovers an optimal θ, whose loss is then re-verified with GMP.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "hardnets/contracts/dnnt_instance.h"
#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets::dnnt {

struct DpOptions {
  // Memory for one bitset or distance-transform grid; beyond it the DP falls
  // back to sort-based sums / a pairwise root scan (slower, less memory), and
  // fails with a UserError when even the sorted keys would not fit.
  double max_memory_mb = 2048;
  double time_limit_seconds = std::numeric_limits<double>::infinity();
};

struct DpStats {
  std::int64_t unit_states = 0;     // max |Z_j| (pre-activation vectors of one unit)
  std::int64_t contributions = 0;   // max |C_j|
  std::int64_t stored_states = 0;   // Σ sizes of all stored sets (memory in keys)
  std::int64_t left_states = 0;     // |L| at the root
  std::int64_t right_states = 0;    // |R| at the root
  std::int64_t minkowski_sums = 0;  // sums actually computed (shared ones once)
  bool distance_transform = true;   // root by distance transform (else pairwise scan)
};

struct DpResult {
  bool timed_out = false;  // the time limit stopped it: no solution
  Theta theta;             // an optimal assignment (flat order of DnntInstance)
  std::int64_t loss = 0;   // its loss (int64 exact; the caller re-verifies with GMP)
  DpStats stats;
};

// Solves a two-layer instance (one hidden layer) exactly. Requires
// inst.fits_int64(); UserError for deeper networks or oversize state spaces.
DpResult solve_two_layer_dp(const DnntInstance& inst, const DpOptions& options);

// The learner's parameters (DpOptions above are the solver's).
struct DnntDpLearnerOptions {
  double max_memory_mb = 0;
};

class DnntDpLearner : public Learner {
 public:
  DnntDpLearner();
  std::string name() const override { return "dnnt_dp"; }
  TaskNeed needs(const Params&) const override {
    return {{&dnnt_schema()}, "the architecture, domain and loss it searches", ""};
  }
  std::string summary() const override {
    return "exact two-layer D-NNT by the pseudo-polynomial DP over reachable output vectors";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<DnntDpLearnerOptions> options_{"dnnt_dp"};
};

}  // namespace hardnets::dnnt
