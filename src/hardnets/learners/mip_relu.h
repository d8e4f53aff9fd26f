// The `mip_relu` learner: two-layer ReLU regression with l1 or linf loss as a
// big-M mixed-integer linear program solved by COIN-OR CBC — the generic MIP
// baseline that `exact_relu` (pattern enumeration) is compared against
// (docs/learners.md, `mip_relu`).
//
//   min Σ_i |f(x_i) − y_i|  (l1)   or   max_i |f(x_i) − y_i|  (linf),
//   f(x) = Σ_{j≤k} a_j [w_j·x + b_j]_+ + c,
//   |w_jt|, |b_j| ≤ B_w (`weight_bound`),  |a_j|, |c| ≤ B_a (`output_bound`).
//
// Positive homogeneity: a[w·x + b]_+ = s[θ·x̃]_+ with s = sign(a) and
// θ = |a|(w, b), x̃ = (x, 1). As (a, w, b) ranges over the box, θ ranges over
// exactly the box ‖θ‖_∞ ≤ B := B_a·B_w (θ' in that box is a = s·B_a,
// (w, b) = θ'/B_a), so the MIP works with θ_j and fixed signs s_j, one MIP per
// sign class (p positive units, k − p negative; units of one sign are
// ordered by their bias to break the permutation symmetry):
//
//   z_ij = θ_j·x̃_i,  h_ij ≥ 0,  h_ij ≥ z_ij,  h_ij ≤ z_ij + M_i(1 − σ_ij),
//   h_ij ≤ M_i σ_ij,  σ_ij ∈ {0, 1},  f_i = Σ_j s_j h_ij + c.
//
// Big-M: max over the box of |θ·x̃_i| is B·‖x̃_i‖_1 = B(‖x_i‖_1 + 1), attained
// at θ = ±B·sign(x̃_i); so M_i = B(‖x_i‖_1 + 1) is valid and the tightest
// bound the box alone gives (no user-supplied M: too small an M silently
// cuts off networks, NeuralVerification.jl #118).
//
// The winning activation pattern (σ rounded) is then re-solved as an LP with
// Clp at 1e-10 tolerances (the MIP's integrality tolerance times M would
// otherwise leave errors ~1e-4), and a second LP finds the smallest box scale
// t at which that loss is still reached: `bound_active` = 1 when t = 1, i.e.
// every optimal network of that cell touches the box; the optimum is then only
// the optimum within the box. (An inactive box does not prove the global
// optimum either: the box optimum can be a local minimum inside the box; use
// large bounds or compare with `exact_relu`.)
#pragma once

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets::mip_relu {

struct MipReluOptions {
  int k = 1;
  std::string loss;
  bool output_bias = true;
  bool unit_bias = true;
  double weight_bound = 0;
  double output_bound = 0;
};

class MipReluLearner : public Learner {
 public:
  MipReluLearner();
  std::string name() const override { return "mip_relu"; }
  std::string summary() const override {
    return "k-ReLU regression (l1, linf) as a big-M MILP for CBC, weights in a box";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<MipReluOptions> options_{"mip_relu"};
};

}  // namespace hardnets::mip_relu
