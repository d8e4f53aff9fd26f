#include "hardnets/learners/bkz2.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"

namespace hardnets::lattice {
namespace {

// The floating-point types a stage is tried in, cheapest first. Debian's
// fplll has no double-double/quad-double (FPLLL_WITH_QD is off), so after
// long double comes MPFR.
constexpr fplll::FloatType kLadder[] = {fplll::FT_DOUBLE, fplll::FT_LONG_DOUBLE, fplll::FT_MPFR};
constexpr int kRungs = sizeof(kLadder) / sizeof(kLadder[0]);

// MPFR bits for a basis of `rank` rows: Gram-Schmidt in dimension d loses
// about d/2 bits in the worst case (fplll's own heuristic for LLL's proved
// variant is of this order); at least 128.
int mpfr_bits(int rank) {
  return std::max(128, rank + 64);
}

bool float_failure(int status) {
  return status == fplll::RED_BABAI_FAILURE || status == fplll::RED_GSO_FAILURE ||
         status == fplll::RED_LLL_FAILURE || status == fplll::RED_ENUM_FAILURE;
}

// fplll's strategies are used from this block size on; below it every block
// is enumerated in full (no pruning, no preprocessing). Measured at n = 40
// (dimension 141, no planted vector): with the shipped strategies BKZ-4, -6
// and -8 left the LLL basis exactly as it was (Gram-Schmidt slope 1.0217,
// where full enumeration reaches 1.0173 at 4 and 1.0153 at 8): the strategies'
// pruning for even block sizes succeeds with probability ~0.53 a call, and
// asking fplll for 0.99 (rerandomised repeats) made BKZ-10 take 188 s
// instead of 4. Full enumeration is cheap at these sizes; pruning is what
// makes beta ~ 60 affordable.
constexpr int kPruneFrom = 50;

// One BKZ-beta stage at precision rung `rung` (raised on floating-point
// failures; returned through `rung`). Returns fplll's status.
// (fplll's BKZParam takes the strategies by non-const reference: a copy.)
int run_stage(IntBasis& basis, int beta, std::vector<fplll::Strategy>& strategies,
              const Bkz2Options& options, double seconds_left, int& rung, int& escalations) {
  int flags = fplll::BKZ_AUTO_ABORT | fplll::BKZ_GH_BND;
  if (seconds_left > 0.0) flags |= fplll::BKZ_MAX_TIME;
  std::vector<fplll::Strategy> none;
  const fplll::BKZParam param(beta, beta >= kPruneFrom ? strategies : none, options.delta, flags, 0,
                              seconds_left > 0.0 ? seconds_left : 0.0);
  for (;;) {
    int status;
    const int bits = kLadder[rung] == fplll::FT_MPFR ? mpfr_bits(basis.get_rows()) : 0;
    try {
      status = fplll::bkz_reduction(&basis, nullptr, param, kLadder[rung], bits);
    } catch (const std::exception&) {
      status = fplll::RED_BABAI_FAILURE;  // fplll throws "infinite loop in babai"
    }
    if (!float_failure(status) || rung + 1 == kRungs) return status;
    ++rung;
    ++escalations;
  }
}

}  // namespace

std::vector<int> progressive_schedule(int first, int step, int last) {
  last = std::max(2, last);
  first = std::clamp(first, 2, last);
  step = std::max(1, step);
  std::vector<int> stages;
  for (int beta = first; beta < last; beta += step) stages.push_back(beta);
  stages.push_back(last);
  return stages;
}

const std::vector<fplll::Strategy>& default_strategies() {
  static const std::vector<fplll::Strategy> strategies = [] {
    // (fplll::default_strategy() resolves the name against the working
    // directory first; the installed file is what is meant.)
    const std::string path = std::string(FPLLL_DEFAULT_STRATEGY_PATH) + FPLLL_DEFAULT_STRATEGY;
    if (!std::ifstream(path))
      fail(
          "reducer = bkz2 needs fplll's BKZ 2.0 strategies, {} (Debian package libfplll8-data; "
          "scripts/setup installs it), which cannot be read",
          path);
    try {
      return fplll::load_strategies_json(path);
    } catch (const std::exception& e) {
      fail("reducer = bkz2: fplll's strategies file {} could not be loaded: {}", path, e.what());
    }
  }();
  return strategies;
}

Bkz2Result bkz2_reduce(IntBasis& basis, const Bkz2Options& options) {
  Bkz2Result result;
  const Stopwatch clock;
  // Strategies exist for block sizes below their count (0..100 in fplll 5.4).
  const int cap = std::min(basis.get_rows(), static_cast<int>(default_strategies().size()) - 1);
  const std::vector<int> stages =
      progressive_schedule(options.first_block, options.step, std::min(options.block_size, cap));
  std::vector<fplll::Strategy> strategies = default_strategies();
  int rung = 0;
  for (const int beta : stages) {
    double left = 0.0;
    if (options.time_limit_seconds > 0.0) {
      left = options.time_limit_seconds - clock.seconds();
      if (left <= 0.0) {
        result.time_limited = true;
        break;
      }
    }
    result.status = run_stage(basis, beta, strategies, options, left, rung, result.escalations);
    if (result.status == fplll::RED_BKZ_TIME_LIMIT) {
      result.time_limited = true;
      break;
    }
    if (result.status != fplll::RED_SUCCESS) break;
    result.block_size_reached = beta;
    if (options.done && options.done(basis)) {
      result.stopped_early = true;
      break;
    }
  }
  return result;
}

}  // namespace hardnets::lattice
