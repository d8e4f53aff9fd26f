#include "hardnets/learners/lattice_attack.h"

#include <cmath>
#include <limits>

#include "hardnets/core/error.h"

namespace hardnets::lattice {

ReduceOptions lll_or_bkz(const Params& params) {
  ReduceOptions options;
  const std::string& reducer = params.text("reducer");
  options.reducer = reducer == "bkz2"  ? Reducer::kBkz2
                    : reducer == "bkz" ? Reducer::kBkz
                                       : Reducer::kLll;
  options.block_size = static_cast<int>(params.integer("block_size"));
  if (options.block_size == kBlockSizeAuto && options.reducer != Reducer::kBkz2)
    fail(
        "block_size = 0 (auto) needs reducer = bkz2 (a progressive reduction that can stop); "
        "reducer = {} takes a block size of 2 or more",
        reducer);
  return options;
}

double held_out_score(const AttackTask& task, const HeldOut& check, const Vector& s) {
  if (check.size() == 0) return std::numeric_limits<double>::quiet_NaN();
  if (!task.clwe()) return periodic_mse(task.link, task.cap(), check.X, check.y, s);
  return circular_score(check.X, task.homogeneous ? Vector::Zero(check.size()) : check.y, s);
}

Recovery read_off(const AttackTask& task, const IntBasis& basis, const Matrix& X,
                  const RowReader& read_row, const HeldOut& check) {
  const LeastSquares ls(X);
  Recovery best;
  for (int r = 0; r < basis.get_rows(); ++r) {
    const std::optional<Candidate> candidate = read_row(basis, r);
    if (!candidate) continue;
    ++best.candidates;
    const Vector s = ls.solve(candidate->u);
    const double score = held_out_score(task, check, s);
    // Without held-out rows only the residual can rank (smaller is better).
    const double key = check.size() > 0 ? (task.clwe() ? score : -score) : -candidate->residual;
    best.consider(key, s, score, candidate->residual, r);
  }
  return best;
}

bool verified(const AttackTask& task, const Recovery& best, double residual_factor,
              Eigen::Index held_out_rows) {
  if (!best.have) return false;
  const double noise = task.effective_noise();
  const double gamma_hat = best.s.norm();
  // Fewer than 16 held-out rows cannot separate the planted score from chance.
  bool held = true;
  if (held_out_rows >= 16)
    held = task.clwe() ? best.score >= circular_threshold(noise, held_out_rows)
                       : best.score <= periodic_threshold(task.link, noise);
  return best.residual <= residual_factor * noise &&
         std::abs(gamma_hat / task.gamma - 1.0) <= 0.1 && held;
}

Fit run_attack(const AttackTask& task, const Dataset& train, Attack& attack, const Stopwatch& clock,
               double time_limit_seconds) {
  attack.reduce.time_limit_seconds = time_limit_seconds - clock.seconds();
  const HeldOut check = held_out(train, attack.used, kHeldOutRows);
  // bkz2 stops at the first stage whose basis already verifies.
  if (attack.reduce.reducer == Reducer::kBkz2 && !attack.reduce.done)
    attack.reduce.done = [&](const IntBasis& basis) {
      const Recovery r = read_off(task, basis, attack.X, attack.read_row, check);
      return verified(task, r, attack.residual_factor, check.size());
    };
  const ReduceResult reduced = reduce(attack.basis, attack.reduce);
  Recovery best;
  if (reduced.status >= 0) best = read_off(task, attack.basis, attack.X, attack.read_row, check);
  best.found = verified(task, best, attack.residual_factor, check.size());
  return finish_fit(task, train, best, reduced, static_cast<int>(attack.used.size()), &attack.basis,
                    attack.extra);
}

}  // namespace hardnets::lattice
