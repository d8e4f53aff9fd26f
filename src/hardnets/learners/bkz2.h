// BKZ 2.0 (Chen and Nguyen, ASIACRYPT 2011) through fplll: the block
// reduction the lattice attacks run with reducer = bkz2.
//
// What makes it "2.0" rather than the textbook BKZ-beta of reducer = bkz:
//   - fplll's shipped strategies (default.json of Debian's libfplll8-data,
//     fitted by the fplll developers): for each block size, the smaller
//     blocks to preprocess with and the pruning coefficients of the extreme
//     pruned enumeration — this is what makes beta ~ 60 affordable. Used
//     from beta = 50 on; smaller blocks are enumerated in full (bkz2.cpp
//     says what the strategies did to them);
//   - the enumeration radius bounded by the Gaussian heuristic (BKZ_GH_BND);
//   - early termination: a tour that no longer improves the basis's slope
//     stops the block size (BKZ_AUTO_ABORT);
//   - progressive block sizes: beta = first, first + step, ... up to the
//     target, each stage starting from the previous stage's basis (cheap
//     small blocks do most of the work before the expensive ones start), with
//     a caller's test after every stage so that an attack stops at the first
//     block size whose basis holds the planted vector — the measured
//     threshold block size;
//   - precision escalation: fplll stops with "infinite loop in babai" (or
//     another floating-point failure) when binary64 Gram-Schmidt loses too
//     many bits; the stage is then rerun from the basis it left (still a
//     basis of the same lattice) in long double, and then in MPFR at a
//     precision that grows with the rank, before giving up.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <fplll.h>

namespace hardnets::lattice {

using IntBasis = fplll::ZZ_mat<mpz_t>;

struct Bkz2Options {
  int block_size = 20;              // the last stage's block size (clamped to the rank)
  int first_block = 4;              // the first stage's
  int step = 2;                     // between stages
  double delta = 0.99;              // the LLL parameter inside BKZ
  double time_limit_seconds = 0.0;  // for all stages together; <= 0: none
  // Called after every stage; true stops the progression (found).
  std::function<bool(const IntBasis&)> done;
};

struct Bkz2Result {
  int status = 0;              // fplll status of the last stage run (0 = RED_SUCCESS)
  bool time_limited = false;   // stopped by the time limit
  bool stopped_early = false;  // `done` returned true after some stage
  int block_size_reached = 0;  // the last stage's block size that completed
  int escalations = 0;         // precision raises (double -> long double -> MPFR)
};

// The progressive schedule: first, first + step, ..., with `last` as the
// final stage (every entry within [2, last]).
std::vector<int> progressive_schedule(int first, int step, int last);

// fplll's default strategies (loaded once). UserError naming the file and the
// package when it is missing or unreadable.
const std::vector<fplll::Strategy>& default_strategies();

// Runs BKZ 2.0 on the rows of `basis` in place (they should be LLL-reduced).
Bkz2Result bkz2_reduce(IntBasis& basis, const Bkz2Options& options);

}  // namespace hardnets::lattice
