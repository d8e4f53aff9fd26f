// The skeleton the lattice attacks share (lll_primal, lll_labels,
// lll_relation; docs/learners.md, "Lattice attacks on CLWE and periodic
// neurons"). Each attack builds its own basis from the data and knows how to
// read one reduced row; everything after that is the same:
//   1. reduce the basis (LLL, optionally BKZ; the time left is taken when the
//      reduction starts);
//   2. read every reduced row of the planted vector's shape as real lifts u
//      with γXw ≈ u on the lattice's samples, and fit s = argmin ‖Xs − u‖;
//   3. rank the candidates by their held-out score (the circular score for
//      CLWE, higher is better; the periodic mse for labels, lower is better),
//      or by the in-lattice residual when no training row is left over;
//   4. verify the best: residual ≤ factor · effective noise, ‖s‖ within 10 %
//      of γ and, on at least 16 held-out rows, the score past its threshold;
//   5. report it (finish_fit).
// So an attack supplies an `Attack` (its basis, samples, reduction options,
// row reader, residual factor and extra stats) and calls run_attack.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "hardnets/core/params.h"
#include "hardnets/learners/lattice.h"

namespace hardnets::lattice {

// One reduced row read as a hypothesis.
struct Candidate {
  Vector u;         // the lifts: γ⟨w, x_i⟩ ≈ u_i on the lattice's samples
  double residual;  // the attack's in-lattice constraint residual of u
};

// Reads reduced row `row` of `basis`: nothing when the row does not have the
// planted vector's shape.
using RowReader = std::function<std::optional<Candidate>(const IntBasis& basis, int row)>;

// What one attack supplies to the skeleton.
struct Attack {
  Attack(int rows, int cols) : basis(rows, cols) {}  // a zero basis to fill

  IntBasis basis;                  // reduced in place
  std::vector<Eigen::Index> used;  // the training rows it was built from (not held out)
  Matrix X;                        // their inputs, in that order: s is fit against them
  ReduceOptions reduce;            // time_limit_seconds is set by run_attack
  RowReader read_row;
  double residual_factor = 4.0;  // found needs residual <= factor · effective noise
  Metrics extra;                 // stats reported besides finish_fit's
};

// Held-out rows the skeleton verifies on, at most.
inline constexpr Eigen::Index kHeldOutRows = 4096;

// The documentation of the `reducer` and `block_size` parameters the
// attacks share.
inline constexpr const char* kReducerDoc =
    "lll: LLL (δ = 0.99); bkz: LLL then textbook BKZ-block_size (full enumeration); bkz2: LLL "
    "then BKZ 2.0 (fplll's strategies with pruning, progressive block sizes, precision "
    "escalation), stopping once the planted vector verifies";
inline constexpr const char* kBlockSizeDoc =
    "BKZ block size (reducer = bkz, bkz2); 0 = auto (bkz2 only): progressive up to the "
    "lattice's rank, stopping once the planted vector verifies";

// `reducer` (lll / bkz / bkz2) and `block_size` from an attack's parameters;
// UserError for block_size = 0 without bkz2.
ReduceOptions lll_or_bkz(const Params& params);

// The held-out score of s: circular score against z (0 for hCLWE) for CLWE,
// periodic mse against the labels otherwise; NaN on no rows.
double held_out_score(const AttackTask& task, const HeldOut& check, const Vector& s);

// Steps 2-3: the best candidate over the reduced rows (found not yet set).
Recovery read_off(const AttackTask& task, const IntBasis& basis, const Matrix& X,
                  const RowReader& read_row, const HeldOut& check);

// Step 4: whether `best` verifies (false without a candidate).
bool verified(const AttackTask& task, const Recovery& best, double residual_factor,
              Eigen::Index held_out_rows);

// Steps 1-5 for `attack`; the reduction gets time_limit_seconds minus what
// `clock` has already used.
Fit run_attack(const AttackTask& task, const Dataset& train, Attack& attack, const Stopwatch& clock,
               double time_limit_seconds);

}  // namespace hardnets::lattice
