// `dnnt_mip`: two-layer discrete training (D-NNT) as a mixed-integer linear
// program solved by COIN-OR CBC — the baseline a practitioner would reach for
// (the big-M formulation of `mip_relu`, specialised to finite domains;
// docs/learners.md, `dnnt_mip`).
//
// For f(x) = c + Σ_j a_j [w_j·x + b_j]_+ with every parameter p in a finite
// domain W_p, on integer data (x_i, y_i), i = 1..n:
//   - one binary u_{p,v} per parameter p and value v ∈ W_p, Σ_v u_{p,v} = 1, so
//     θ_p = Σ_v v·u_{p,v};
//   - z_ij = Σ_t x_it w_jt + b_j is then linear in u, with interval bounds
//     L_ij ≤ z_ij ≤ U_ij from the domains;
//   - h_ij = [z_ij]_+ through a binary σ_ij: h ≥ 0, h ≥ z, h ≤ U σ,
//     h ≤ z − L (1 − σ) (exact: z is an integer, and z = 0 fits both sides;
//     units with U ≤ 0 or L ≥ 0 need no σ);
//   - the product a_j h_ij through the disaggregation h_ij = Σ_v g_ijv with
//     0 ≤ g_ijv ≤ max(U_ij, 0)·u_{a_j,v}: only the chosen value's copy can be
//     nonzero, so a_j h_ij = Σ_v v g_ijv;
//   - f_i = Σ_v v u_{c,v} + Σ_j Σ_v v g_ijv, residual e_i = f_i − y_i;
//   - ℓ1: e_i = r⁺_i − r⁻_i, minimise Σ (r⁺_i + r⁻_i);
//     square: e_i is an integer in [E⁻_i, E⁺_i] at every integral point, and
//     max_m [(2m+1) e − m(m+1)] over integers m equals e² at integer e (the
//     chords of the parabola), so s_i ≥ (2m+1) e_i − m(m+1) for
//     m = E⁻_i..E⁺_i − 1 and minimising Σ s_i is exact (one cut per integer of
//     the residual's range: fine for small magnitudes, refused beyond
//     `max_square_cuts`).
// The objective is an integer at integral points, so CBC's allowable gap is
// set below 1 and a proven optimum is exact; the returned θ is re-evaluated
// with GMP all the same.
#pragma once

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets::dnnt {

struct DnntMipOptions {
  double max_magnitude = 0;
  std::int64_t max_square_cuts = 0;
  bool cuts = true;
};

class DnntMipLearner : public Learner {
 public:
  DnntMipLearner();
  std::string name() const override { return "dnnt_mip"; }
  TaskNeed needs(const Params&) const override {
    return {{&dnnt_schema()}, "the architecture, domain and loss it models", ""};
  }
  std::string summary() const override {
    return "two-layer D-NNT as a MILP (value binaries, big-M ReLU) solved by COIN-OR CBC";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<DnntMipOptions> options_{"dnnt_mip"};
};

}  // namespace hardnets::dnnt
