#include "hardnets/numerics/lp.h"

#include <Cbc_C_Interface.h>
#include <ClpSimplex.hpp>
#include <CoinPackedMatrix.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace hardnets {
namespace {

// The model's triplets as a column-ordered matrix without gaps.
CoinPackedMatrix packed(const LinearModel& m) {
  CoinPackedMatrix a(true, m.triplet_rows().data(), m.triplet_cols().data(),
                     m.triplet_values().data(),
                     static_cast<CoinBigIndex>(m.triplet_values().size()));
  a.setDimensions(m.rows(), m.cols());
  a.removeGaps();
  return a;
}

void load(ClpSimplex& lp, const LinearModel& m, const LpOptions& options) {
  lp.setLogLevel(0);
  lp.loadProblem(packed(m), m.col_lo().data(), m.col_hi().data(), m.cost().data(),
                 m.row_lo().data(), m.row_hi().data());
  lp.setPrimalTolerance(options.primal_tolerance);
  lp.setDualTolerance(options.dual_tolerance);
}

struct CbcDeleter {
  void operator()(Cbc_Model* m) const { Cbc_deleteModel(m); }
};

}  // namespace

int LinearModel::col(double lo, double hi, double cost, bool integral) {
  col_lo_.push_back(lo);
  col_hi_.push_back(hi);
  cost_.push_back(cost);
  integral_.push_back(integral ? 1 : 0);
  start_.push_back(0.0);
  return static_cast<int>(col_lo_.size()) - 1;
}

void LinearModel::row(const LpTerms& terms, double lo, double hi) {
  for (const auto& [c, v] : terms) {
    if (v == 0.0) continue;
    ri_.push_back(rows_);
    ci_.push_back(c);
    val_.push_back(v);
  }
  row_lo_.push_back(lo);
  row_hi_.push_back(hi);
  ++rows_;
}

int LinearModel::integers() const {
  return static_cast<int>(std::count(integral_.begin(), integral_.end(), 1));
}

LpResult solve_lp(const LinearModel& model, const LpOptions& options) {
  ClpSimplex lp;
  load(lp, model, options);
  lp.dual();
  if (!lp.isProvenOptimal()) lp.primal();
  LpResult out;
  if (!lp.isProvenOptimal()) return out;
  out.optimal = true;
  const double* x = lp.primalColumnSolution();
  out.x.assign(x, x + model.cols());
  out.objective = lp.objectiveValue();
  return out;
}

struct ResolvableLp::Impl {
  ClpSimplex lp;
  bool warm = false;
};

ResolvableLp::ResolvableLp(const LinearModel& model, const LpOptions& options)
    : impl_(std::make_unique<Impl>()) {
  load(impl_->lp, model, options);
}

ResolvableLp::~ResolvableLp() = default;

void ResolvableLp::set_row_bounds(int row, double lo, double hi) {
  impl_->lp.setRowBounds(row, lo, hi);
}

void ResolvableLp::set_col_bounds(int col, double lo, double hi) {
  impl_->lp.setColumnBounds(col, lo, hi);
}

const double* ResolvableLp::solve() {
  ClpSimplex& lp = impl_->lp;
  // startFinishOptions 7 = keep the factorization, the work areas and the
  // row copy between solves (1 on the first solve: only keep them after).
  lp.dual(0, impl_->warm ? 7 : 1);
  impl_->warm = true;
  if (!lp.isProvenOptimal()) {  // fall back to a cold start
    lp.allSlackBasis(true);
    lp.dual();
    if (!lp.isProvenOptimal()) lp.primal();
  }
  return lp.isProvenOptimal() ? lp.primalColumnSolution() : nullptr;
}

MipResult solve_mip(const LinearModel& model, const MipOptions& options) {
  const CoinPackedMatrix a = packed(model);
  std::unique_ptr<Cbc_Model, CbcDeleter> cbc(Cbc_newModel());
  Cbc_Model* m = cbc.get();
  const int cols = model.cols();
  Cbc_loadProblem(m, cols, model.rows(), a.getVectorStarts(), a.getIndices(), a.getElements(),
                  model.col_lo().data(), model.col_hi().data(), model.cost().data(),
                  model.row_lo().data(), model.row_hi().data());
  for (int c = 0; c < cols; ++c) {
    if (model.integral()[static_cast<std::size_t>(c)]) Cbc_setInteger(m, c);
  }
  Cbc_setObjSense(m, 1);
  std::vector<int> all(static_cast<std::size_t>(cols));
  for (int c = 0; c < cols; ++c) all[static_cast<std::size_t>(c)] = c;
  Cbc_setMIPStartI(m, cols, all.data(), model.start().data());
  Cbc_setLogLevel(m, 0);
  // Serial branch and bound (CBC's default: no threads) with a fixed seed.
  Cbc_setParameter(m, "randomCbcSeed", std::to_string(options.seed).c_str());
  char tol[32];
  std::snprintf(tol, sizeof tol, "%.17g", options.integer_tolerance);
  Cbc_setParameter(m, "integerTolerance", tol);
  Cbc_setAllowableGap(m, options.allowable_gap);
  Cbc_setAllowableFractionGap(m, options.fraction_gap);
  if (options.cutoff < kLpInf) Cbc_setCutoff(m, options.cutoff);
  if (options.seconds < kLpInf) Cbc_setMaximumSeconds(m, options.seconds);
  Cbc_solve(m);

  MipResult out;
  out.nodes = Cbc_getNodeCount(m);
  out.time_limit = Cbc_isSecondsLimitReached(m) != 0;
  out.optimal = Cbc_isProvenOptimal(m) != 0;
  out.infeasible = Cbc_isProvenInfeasible(m) != 0;
  if (const double* x = Cbc_bestSolution(m); x != nullptr) {
    out.x.assign(x, x + cols);
    out.objective = Cbc_getObjValue(m);
  }
  out.best_bound = Cbc_getBestPossibleObjValue(m);
  return out;
}

}  // namespace hardnets
