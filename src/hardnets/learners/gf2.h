// `gf2`: Gaussian elimination over GF(2) (M4RI) on the decoded equations of
// a Goldreich PRG or a sparse parity — the attack that makes XOR_k and
// noiseless parities easy (docs/learners.md, `gf2`; linearization as in
// Applebaum–Lovett, STOC 2016).
//
// Goldreich tasks. Write P in algebraic normal form, P(x) = Σ_T a_T Π_{j∈T} x_j
// (goldreich::algebraic_normal_form). Output i on hyperedge (i_1..i_k) reads
//   y_i ⊕ a_∅ = Σ_{T ≠ ∅, |T| ≤ D} a_T · Π_{j∈T} s_{i_j},
// one linear equation in the monomials of degree ≤ D (D = `degree`, default
// the GF(2) degree of P, where the linearization is exact; a smaller D drops
// the terms above it and the equations become noisy). XOR_k (D = 1) has the n
// unknowns s_v; P5 (D = 2) has n + C(n, 2). Only the monomials that occur in
// some equation become columns (the others are undetermined directions); the
// higher-degree monomials are numbered first, so the echelon rows with
// degree-1 pivots constrain the seed alone (gf2_system.h, "Projections").
// The seed is the degree-1 part of a solution (free variables 0; variables
// without a linear occurrence 0); if it does not reproduce every training
// label, up to `max_candidates` seeds of the solution space are tried in
// Gray-code order. found = consistent system AND a seed reproducing every
// label.
//
// What found means. Random k-sparse equations leave about n·e^{−km/n}
// variables in no equation: the consistency distinguisher (found) works as
// soon as m exceeds the rank (m ≈ n), but recovering the seed exactly
// (the judge's success) needs every variable covered, m ≈ n ln n / k.
// `seed_kernel_dim` and `unseen_variables` report the gap.
//
// Lifted PRG networks (prg_depth3, prg_depth2_smoothed): the clean training
// rows are decoded to challenges (S(x), P(s_S)) and the Goldreich attack
// runs unchanged on them; the predictor evaluates the noiseless network with
// the recovered seed (prg_decode.h).
//
// Parity tasks (sparse_parity). Row x ∈ {±1}^n, label y ∈ {±1}: with b_i =
// (1 − x_i)/2 and c = (1 − y)/2 the equation Σ_{i∈S} b_i = c in the n
// unknowns 1[i ∈ S]. support = the solution's ones; found = consistent and
// rank n (a unique solution). Label noise (LPN) makes the system
// inconsistent: found = false.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hardnets/contracts/goldreich.h"
#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets {

namespace gf2 {
// Shared by the PRG attacks (gf2, p5_collision, spectral_p5).
// The Goldreich task of a P5-only attack; UserError naming `who` for any
// other task or predicate, pointing at `alternatives` (the attacks that do
// apply, e.g. "gf2 is the general algebraic (linearization) attack").
goldreich::Task p5_task(const Json& task, const std::string& who, const std::string& alternatives);
// Training labels as bits; UserError naming `who` for a label other than 0 or 1.
std::vector<std::uint8_t> label_bits(const Vector& y, const std::string& who);
// The number of outputs of `g` under `seed` that differ from `labels`,
// stopping early once it exceeds `stop_above`.
std::int64_t mismatches(const goldreich::Predicate& p, const goldreich::Hypergraph& g,
                        const std::vector<std::uint8_t>& seed,
                        const std::vector<std::uint8_t>& labels,
                        std::int64_t stop_above = INT64_MAX);

// ---- stages of gf2's Goldreich attack ----------------------------------------

// The predicate's ANF linearized up to degree D: the monomials kept (degree
// 1 and higher), how many were dropped, and the unknowns of the full
// linearization (Σ C(n, d) over the degrees d that occur).
struct Linearization {
  std::vector<std::uint8_t> anf;            // algebraic_normal_form(P)
  std::vector<std::uint32_t> high, linear;  // kept ANF monomials T (bitmasks over positions)
  int degree = 0;                           // D
  int dropped = 0;                          // monomials of degree > D
  double full_unknowns = 0;
};
// D = `degree`, or P's GF(2) degree (the exact linearization) when 0.
Linearization linearize(const goldreich::Predicate& P, int n, std::int64_t degree);

// The system's columns: the higher-degree monomials that occur (in order of
// first occurrence), then the seed bits with a linear occurrence (in index
// order), so that the echelon rows with degree-1 pivots constrain the seed.
struct Columns {
  std::vector<int> eq_cols;  // per equation, the columns of its high monomials
  std::vector<int> var_col;  // seed index → its column (−1: no linear occurrence)
  std::vector<int> col_var;  // degree-1 column H + j → seed index
  int H = 0, V = 0;          // high-degree and degree-1 columns
  int count() const { return H + V; }
};
// Numbers the columns of the equations of the hyperedges of `g` (arity k,
// seed length n).
Columns number_columns(const goldreich::Hypergraph& g, const Linearization& lin, int n, int k);
}  // namespace gf2

struct Gf2Options {
  std::int64_t degree = 0;
  double max_mb = 0;
  std::int64_t max_candidates = 0;
};

class Gf2Learner : public Learner {
 public:
  Gf2Learner();
  std::string name() const override { return "gf2"; }
  TaskNeed needs(const Params&) const override {
    return {{&goldreich_schema(), &prg_depth3_schema(), &prg_depth2_schema(), &parity_schema()},
            "the predicate or parity whose linear system it solves; a PRG network's rows are "
            "decoded to challenges first",
            ""};
  }
  std::string summary() const override {
    return "Gaussian elimination over GF(2) (M4RI): linearized Goldreich PRG outputs (XOR_k, "
           "degree-D linearization) and noiseless sparse parities";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<Gf2Options> options_{"gf2"};
};

}  // namespace hardnets
