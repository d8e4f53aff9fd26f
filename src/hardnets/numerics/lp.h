// Linear and mixed-integer linear programs on COIN-OR Clp (LP, dual simplex)
// and CBC (branch and cut):
//
//   min cᵀx  s.t.  row_lo ≤ A x ≤ row_hi,  col_lo ≤ x ≤ col_hi,  x_j ∈ Z (j integral).
//
// LinearModel collects the program in triplets (row, column, value), row by
// row; the solvers see it as a column-ordered sparse matrix. Infinite bounds
// are ±kLpInf (Clp's COIN_DBL_MAX). The Clp and CBC headers stay in lp.cpp.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

namespace hardnets {

// ±kLpInf: no bound (the largest double, which Clp and CBC read as infinite).
inline constexpr double kLpInf = std::numeric_limits<double>::max();

// Terms of a linear form: (column, coefficient).
using LpTerms = std::vector<std::pair<int, double>>;

class LinearModel {
 public:
  // A new column lo ≤ x ≤ hi with objective coefficient `cost`; its index.
  int col(double lo, double hi, double cost, bool integral = false);
  // A new row lo ≤ Σ v x_c ≤ hi over `terms`; zero coefficients are dropped.
  void row(const LpTerms& terms, double lo, double hi);
  // The value of column c in the MIP start (default 0).
  void set_start(int c, double v) { start_[static_cast<std::size_t>(c)] = v; }

  int cols() const { return static_cast<int>(col_lo_.size()); }
  int rows() const { return rows_; }
  int integers() const;

  // The stored program, for the solvers.
  const std::vector<int>& triplet_rows() const { return ri_; }
  const std::vector<int>& triplet_cols() const { return ci_; }
  const std::vector<double>& triplet_values() const { return val_; }
  const std::vector<double>& col_lo() const { return col_lo_; }
  const std::vector<double>& col_hi() const { return col_hi_; }
  const std::vector<double>& cost() const { return cost_; }
  const std::vector<double>& row_lo() const { return row_lo_; }
  const std::vector<double>& row_hi() const { return row_hi_; }
  const std::vector<double>& start() const { return start_; }
  const std::vector<char>& integral() const { return integral_; }

 private:
  std::vector<double> col_lo_, col_hi_, cost_, start_, val_, row_lo_, row_hi_;
  std::vector<char> integral_;
  std::vector<int> ri_, ci_;
  int rows_ = 0;
};

// Clp's primal and dual feasibility tolerances.
struct LpOptions {
  double primal_tolerance = 1e-10;
  double dual_tolerance = 1e-10;
};

struct LpResult {
  bool optimal = false;   // proven optimal; otherwise x is empty
  std::vector<double> x;  // the primal solution, one value per column
  double objective = 0.0;
};

// The LP relaxation (integrality ignored) by Clp's dual simplex from the
// slack basis, then its primal simplex if the dual did not prove optimality.
LpResult solve_lp(const LinearModel& model, const LpOptions& options = {});

// An LP solved again and again after bound changes: each solve starts the
// dual simplex from the previous optimal basis, keeping Clp's factorization
// and work areas (only bounds change, so the basis stays dual feasible), and
// falls back to a cold dual, then primal, solve when that does not prove
// optimality.
class ResolvableLp {
 public:
  explicit ResolvableLp(const LinearModel& model, const LpOptions& options = {});
  ~ResolvableLp();
  ResolvableLp(const ResolvableLp&) = delete;
  ResolvableLp& operator=(const ResolvableLp&) = delete;

  void set_row_bounds(int row, double lo, double hi);
  void set_col_bounds(int col, double lo, double hi);
  // x points to Clp's solution (valid until the next call); nullptr when not
  // proven optimal.
  const double* solve();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// CBC's settings: serial branch and cut with a fixed seed, so results are
// reproducible.
struct MipOptions {
  double integer_tolerance = 1e-9;  // |x_j − round(x_j)| accepted as integral
  double allowable_gap = 1e-9;      // stop when incumbent − bound ≤ this
  double fraction_gap = 1e-10;      // ... or ≤ this relative to the incumbent
  double cutoff = kLpInf;           // discard nodes with a bound above (finite: used)
  double seconds = kLpInf;          // wall-clock limit (finite: used)
  int seed = 1;                     // randomCbcSeed
};

struct MipResult {
  bool optimal = false;         // proven optimal
  bool infeasible = false;      // proven infeasible (below the cutoff, if one was set)
  bool time_limit = false;      // stopped by `seconds`
  std::vector<double> x;        // the best solution found; empty when none
  double objective = kLpInf;    // its objective value
  double best_bound = -kLpInf;  // CBC's lower bound on the optimum
  double nodes = 0;             // branch-and-bound nodes
};

// The MIP by CBC, started from the model's MIP start (set_start).
MipResult solve_mip(const LinearModel& model, const MipOptions& options = {});

}  // namespace hardnets
