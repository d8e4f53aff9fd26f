// Problem `natural_ksat`: the natural weights of Daniely–Vardi 2020 (NeurIPS
// 2020, arXiv 2006.03177), as a structural demonstration (docs/problems.md,
// `natural_ksat`: our reconstruction; the paper's body was not available to us).
//
// Network. N_W(x) = Σ_{j≤q} ReLU(⟨w_j, x⟩), w_j ∈ R^d i.i.d. with entries
// from a sign-symmetric natural law (`weights`: normal N(0, 1) or uniform
// U[−√3, √3], unit variance). d = q·n + d_c: block B_j = [(j−1)n, jn) for
// neuron j and a control block of d_c ≥ q coordinates at the end.
// ψ* := sign(w_{1,B_1}) (the planted assignment, variable v true iff
// ψ*_v = +1) and r_j := sign(w_{j,B_j}) ⊙ ψ* (r_1 = 1).
//
// Clause input. A tuple of q clauses C_j = ((v_t, σ_t))_{t≤K} (K distinct
// variables, literal (v, σ) true iff σ ψ*_v = +1) maps to x with
//   block B_j: x_{v_t} = −α σ_t r_{j,v_t} / |w_{j,v_t}|   ⇒ ⟨w_{j,B_j}, x_{B_j}⟩ = α(K − 2T_j),
//   control:   x_c = W_cᵀ (W_c W_cᵀ)^{−1} t,  t_j = −α(K − 1) − e_j,
// T_j = #true literals of C_j, e_j = Σ_{j'≠j} ⟨w_{j,B_{j'}}, x_{B_{j'}}⟩, so
// ⟨w_j, x⟩ = α(1 − 2T_j) and N_W(x) = α·#{j : ψ* violates C_j} exactly.
//
// Examples. With probability ½ a formula tuple (q clauses drawn uniformly
// with replacement from the formula of `clauses` clauses), label 0; with
// probability ½ a random tuple (q uniform clauses), label α·#violated
// (`label = count`, leaks ψ*) or 1[N_W(x) > 0] (`label = or`). `formula =
// planted`: each clause uniform among the 2^K − 1 sign patterns satisfied by
// ψ* (easy: literal majority recovers ψ*); `formula = planted_xor`: uniform
// among the 2^{K−1} patterns with an odd number of true literals, the only
// planting whose literals are (K−1)-wise uniform — no literal bias, but each
// clause is a GF(2) equation on ψ* (easy: elimination, `clause_xor`);
// `formula = random`: uniform clauses (the null: formula tuples have the
// random tuples' x-law).
//
// Task (public): family, n, K, q, d, d_c, label. Truth: the network (ReLU
// net d → q → 1, output weights 1, zero biases), psi (bit string), the formula
// ([[v, σ], ...] per clause), alpha. Judge: regression metrics and accuracy
// of a predictor; for a fit with output "assignment": success (equals ψ*
// exactly: the labels are not complement-symmetric and ψ* is pinned to
// sign(w_{1,B_1})) and assignment_accuracy (fraction of agreeing bits).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hardnets/contracts/natural_ksat_task.h"
#include "hardnets/problems/problem.h"

namespace hardnets {

class NaturalKsatProblem : public Problem {
 public:
  NaturalKsatProblem();
  std::string name() const override { return "natural_ksat"; }
  TaskPublication publishes() const override { return {&natural_ksat_schema()}; }
  std::string summary() const override;
  const ParamSpec& spec() const override { return spec_; }
  Instance generate(const Params& params, Seed seed, const Sizes& sizes,
                    const GenerateContext& ctx) const override;
  Metrics judge(const Instance& instance, const Fit& fit) const override;
  // formula = random (the RSAT null), statistic the held-out `accuracy`.
  std::optional<NullHypothesis> null_hypothesis() const override;

 private:
  ParamSpec spec_;
};

}  // namespace hardnets
