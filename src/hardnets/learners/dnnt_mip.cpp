#include "hardnets/learners/dnnt_mip.h"

#include <Cbc_C_Interface.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "hardnets/contracts/dnnt_instance.h"
#include "hardnets/core/error.h"

namespace hardnets::dnnt {
namespace {

const LearnerRegistration kRegister{std::make_unique<DnntMipLearner>()};

using i64 = std::int64_t;

// A linear expression Σ coef·x_col + constant.
struct Expr {
  std::vector<std::pair<int, double>> terms;
  double constant = 0;
  void add(const Expr& other, double scale) {
    for (const auto& [c, v] : other.terms) terms.emplace_back(c, scale * v);
    constant += scale * other.constant;
  }
};

// The model in plain arrays (handed to CBC at the end) plus each column's
// value for a given θ, so that the all-least-magnitude network can be passed
// as a MIP start: CBC then always has a feasible network to return, even when
// the time limit stops it at once.
class Model {
 public:
  int column(double lo, double hi, double cost, bool integral) {
    lb_.push_back(lo);
    ub_.push_back(hi);
    obj_.push_back(cost);
    integer_.push_back(integral ? 1 : 0);
    start_.push_back(0);
    if (integral) ++binaries_;
    return static_cast<int>(lb_.size()) - 1;
  }
  // Σ terms (sense: 'L' ≤, 'G' ≥, 'E' =) rhs − constant.
  void row(const Expr& e, char sense, double rhs) {
    Row r;
    for (const auto& [c, v] : e.terms) {
      if (v == 0) continue;
      r.cols.push_back(c);
      r.coefs.push_back(v);
    }
    r.sense = sense;
    r.rhs = rhs - e.constant;
    rows_.push_back(std::move(r));
  }
  void set_start(int col, double value) { start_[col] = value; }
  double start(int col) const { return start_[col]; }
  double value(const Expr& e) const {
    double v = e.constant;
    for (const auto& [c, coef] : e.terms) v += coef * start_[c];
    return v;
  }

  int columns() const { return static_cast<int>(lb_.size()); }
  int rows() const { return static_cast<int>(rows_.size()); }
  int binaries() const { return binaries_; }

  Cbc_Model* to_cbc() const {
    Cbc_Model* m = Cbc_newModel();
    for (int c = 0; c < columns(); ++c) {
      const std::string name = "x" + std::to_string(c);
      Cbc_addCol(m, name.c_str(), lb_[c], ub_[c], obj_[c], integer_[c], 0, nullptr, nullptr);
    }
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      const std::string name = "r" + std::to_string(r);
      const Row& row = rows_[r];
      Cbc_addRow(m, name.c_str(), static_cast<int>(row.cols.size()), row.cols.data(),
                 row.coefs.data(), row.sense, row.rhs);
    }
    Cbc_setObjSense(m, 1);
    std::vector<int> all(columns());
    for (int c = 0; c < columns(); ++c) all[c] = c;
    Cbc_setMIPStartI(m, columns(), all.data(), start_.data());
    return m;
  }

 private:
  struct Row {
    std::vector<int> cols;
    std::vector<double> coefs;
    char sense = 'E';
    double rhs = 0;
  };
  std::vector<double> lb_, ub_, obj_, start_;
  std::vector<char> integer_;
  std::vector<Row> rows_;
  int binaries_ = 0;
};

struct CbcDeleter {
  void operator()(Cbc_Model* m) const { Cbc_deleteModel(m); }
};

class Formulation {
 public:
  Formulation(const DnntInstance& inst, double max_magnitude, i64 max_square_cuts)
      : inst_(inst),
        n_(static_cast<int>(inst.n())),
        d_(inst.d),
        k_(inst.hidden.at(0)),
        max_magnitude_(max_magnitude),
        max_square_cuts_(max_square_cuts) {}

  // Builds the model with θ0 (least-magnitude values) as the MIP start.
  void build(const Theta& theta0) {
    const std::size_t P = inst_.num_params();
    u_.resize(P);
    value_.resize(P);
    for (std::size_t p = 0; p < P; ++p) {
      Expr sum;
      for (i64 v : inst_.domains[p]) {
        check(static_cast<double>(v), "a domain value");
        const int col = model_.column(0, 1, 0, true);
        model_.set_start(col, v == theta0[p] ? 1 : 0);
        u_[p].push_back(col);
        sum.terms.emplace_back(col, 1.0);
        value_[p].terms.emplace_back(col, static_cast<double>(v));
      }
      model_.row(sum, 'E', 1);  // exactly one value per parameter
    }
    const std::size_t cidx = inst_.index_bias(2, 0);
    const std::vector<i64>& cdom = inst_.domains[cidx];
    i64 square_cuts = 0;
    for (int i = 0; i < n_; ++i) {
      Expr f = value_[cidx];
      i64 flo = cdom.front(), fhi = cdom.back();
      for (int j = 0; j < k_; ++j) {
        // z_ij = Σ_t x_it w_jt + b_j and its interval bounds.
        Expr z;
        const std::vector<i64>& bdom = inst_.domains[inst_.index_bias(1, j)];
        z.add(value_[inst_.index_bias(1, j)], 1.0);
        i64 zlo = bdom.front(), zhi = bdom.back();
        for (int t = 0; t < d_; ++t) {
          const i64 x = inst_.X[i][t];
          const std::size_t p = inst_.index_weight(1, j, t);
          z.add(value_[p], static_cast<double>(x));
          const i64 a = x * inst_.domains[p].front(), b = x * inst_.domains[p].back();
          zlo += std::min(a, b);
          zhi += std::max(a, b);
        }
        check(static_cast<double>(std::max(-zlo, zhi)), "a pre-activation bound (big-M)");
        const i64 H = std::max<i64>(zhi, 0);
        if (H == 0) continue;  // the unit is off on x_i for every θ
        const double z0 = model_.value(z);
        Expr h;
        if (zlo >= 0) {
          h = z;  // on for every θ
        } else {
          const int hc = model_.column(0, static_cast<double>(H), 0, false);
          const int sc = model_.column(0, 1, 0, true);
          model_.set_start(hc, std::max(z0, 0.0));
          model_.set_start(sc, z0 > 0 ? 1 : 0);
          h.terms.emplace_back(hc, 1.0);
          Expr r1 = h;  // h − z ≥ 0
          r1.add(z, -1.0);
          model_.row(r1, 'G', 0);
          Expr r2 = h;  // h − U σ ≤ 0
          r2.terms.emplace_back(sc, -static_cast<double>(zhi));
          model_.row(r2, 'L', 0);
          Expr r3 = h;  // h − z − L σ ≤ −L   (h ≤ z − L(1 − σ))
          r3.add(z, -1.0);
          r3.terms.emplace_back(sc, -static_cast<double>(zlo));
          model_.row(r3, 'L', -static_cast<double>(zlo));
        }
        // a_j h_ij = Σ_v v g_ijv with Σ_v g_ijv = h and g_ijv ≤ H u_{a_j, v}.
        const std::size_t ap = inst_.index_weight(2, 0, j);
        const std::vector<i64>& adom = inst_.domains[ap];
        const double h0 = model_.value(h);
        Expr link = h;
        link.constant = -link.constant;
        for (auto& term : link.terms) term.second = -term.second;
        for (std::size_t q = 0; q < adom.size(); ++q) {
          const int g = model_.column(0, static_cast<double>(H), 0, false);
          model_.set_start(g, model_.start(u_[ap][q]) > 0.5 ? h0 : 0.0);
          Expr cap;
          cap.terms = {{g, 1.0}, {u_[ap][q], -static_cast<double>(H)}};
          model_.row(cap, 'L', 0);
          link.terms.emplace_back(g, 1.0);
          if (adom[q] != 0) f.terms.emplace_back(g, static_cast<double>(adom[q]));
        }
        model_.row(link, 'E', 0);
        flo += std::min<i64>(0, adom.front() * H);
        fhi += std::max<i64>(0, adom.back() * H);
      }
      check(static_cast<double>(std::max(-flo, fhi)), "an output bound");
      const i64 y = inst_.y[i];
      const double e0 = model_.value(f) - static_cast<double>(y);
      if (inst_.loss == Loss::kL1) {
        const int rp = model_.column(0, static_cast<double>(std::max<i64>(fhi - y, 0)), 1, false);
        const int rm = model_.column(0, static_cast<double>(std::max<i64>(y - flo, 0)), 1, false);
        model_.set_start(rp, std::max(e0, 0.0));
        model_.set_start(rm, std::max(-e0, 0.0));
        Expr r = f;  // f − r⁺ + r⁻ = y
        r.terms.emplace_back(rp, -1.0);
        r.terms.emplace_back(rm, 1.0);
        model_.row(r, 'E', static_cast<double>(y));
      } else {
        const i64 elo = flo - y, ehi = fhi - y;
        square_cuts += ehi - elo;
        if (square_cuts > max_square_cuts_)
          fail(
              "dnnt_mip: the square loss needs one cut per integer in each residual's range, "
              "more than max_square_cuts = {} here; use loss l1, dnnt_dp or dnnt_brute",
              max_square_cuts_);
        check(static_cast<double>(std::max(-elo, ehi)) * static_cast<double>(std::max(-elo, ehi)),
              "a squared residual bound");
        const i64 emin2 = elo > 0 ? elo * elo : (ehi < 0 ? ehi * ehi : 0);
        const i64 emax2 = std::max(elo * elo, ehi * ehi);
        const int s =
            model_.column(static_cast<double>(emin2), static_cast<double>(emax2), 1, false);
        model_.set_start(s, e0 * e0);
        for (i64 m = elo; m < ehi; ++m) {
          Expr cut;  // s − (2m+1) f ≥ −m(m+1) − (2m+1) y
          cut.terms.emplace_back(s, 1.0);
          cut.add(f, -static_cast<double>(2 * m + 1));
          model_.row(cut, 'G',
                     -static_cast<double>(m * (m + 1)) - static_cast<double>((2 * m + 1) * y));
        }
      }
    }
  }

  Theta theta_from(const double* solution) const {
    Theta theta(inst_.num_params());
    for (std::size_t p = 0; p < theta.size(); ++p) {
      std::size_t best = 0;
      for (std::size_t q = 1; q < u_[p].size(); ++q)
        if (solution[u_[p][q]] > solution[u_[p][best]]) best = q;
      theta[p] = inst_.domains[p][best];
    }
    return theta;
  }

  const Model& model() const { return model_; }

 private:
  void check(double magnitude, const char* what) const {
    if (magnitude > max_magnitude_)
      fail(
          "dnnt_mip: {} reaches {:.0f} > max_magnitude = {:.0f}: a floating-point MIP solver "
          "is not reliable there (use dnnt_dp or dnnt_brute, or raise max_magnitude)",
          what, magnitude, max_magnitude_);
  }

  const DnntInstance& inst_;
  const int n_, d_, k_;
  double max_magnitude_;
  i64 max_square_cuts_;
  Model model_;
  std::vector<std::vector<int>> u_;  // u_[p][q]: parameter p takes its q-th value
  std::vector<Expr> value_;          // θ_p = Σ_q v_q u_[p][q]
};

// The value of least magnitude in each domain (ties: the smaller value).
Theta least_magnitude(const DnntInstance& inst) {
  Theta theta(inst.num_params());
  for (std::size_t p = 0; p < theta.size(); ++p) {
    const auto& D = inst.domains[p];
    theta[p] = *std::min_element(D.begin(), D.end(), [](i64 a, i64 b) {
      return std::abs(a) < std::abs(b) || (std::abs(a) == std::abs(b) && a < b);
    });
  }
  return theta;
}

}  // namespace

DnntMipLearner::DnntMipLearner() {
  options_.cite("cbc", "the MILP solver").cite("doronarad2025discretely", "the problem (D-NNT)");
  using O = DnntMipOptions;
  options_
      .real("max_magnitude", &O::max_magnitude, 1e6, 1, 1e12,
            "refuse instances whose big-M constants or bounds exceed this (floating-point MIP)")
      .integer("max_square_cuts", &O::max_square_cuts, 100000, 1, 100000000,
               "square loss: at most this many chord cuts (one per integer residual value)")
      .flag("cuts", &O::cuts, true, "run CBC's cut generators (off: faster on tiny instances)");
}

Fit DnntMipLearner::fit_impl(const Dataset& train, const Params& params,
                             const LearnerContext& ctx) const {
  check_training_set("dnnt_mip", train);
  const DnntMipOptions options = options_.read(params);
  const DnntInstance inst = DnntInstance::from_task(ctx.task, train);
  if (inst.hidden.size() != 1)
    fail("dnnt_mip: formulates two-layer networks (one hidden layer), got {} hidden layers",
         inst.hidden.size());
  Formulation form(inst, options.max_magnitude, options.max_square_cuts);
  const Theta start = least_magnitude(inst);
  form.build(start);
  std::unique_ptr<Cbc_Model, CbcDeleter> cbc(form.model().to_cbc());
  Cbc_setLogLevel(cbc.get(), 0);
  // The objective is an integer at every integral point: a gap below 1 proves
  // optimality (0.5 leaves room for floating-point error in the bound).
  Cbc_setAllowableGap(cbc.get(), 0.5);
  Cbc_setAllowableFractionGap(cbc.get(), 0.0);
  if (std::isfinite(ctx.time_limit_seconds))
    Cbc_setMaximumSeconds(cbc.get(), std::max(ctx.time_limit_seconds, 0.01));
  // CBC's cut generators pay off on larger models but dominate the time of
  // tiny ones (0.3 s against 0.03 s on 9-parameter instances).
  if (!options.cuts) Cbc_setParameter(cbc.get(), "cuts", "off");
  Cbc_solve(cbc.get());

  const double* solution = Cbc_bestSolution(cbc.get());
  const bool proven = Cbc_isProvenOptimal(cbc.get()) != 0;
  const double bound = Cbc_getBestPossibleObjValue(cbc.get());
  const double objective = Cbc_getObjValue(cbc.get());
  Fit fit;
  Solution sol;
  if (solution == nullptr) {
    // CBC stopped (a very short time limit) before it even took the MIP start:
    // the start is still a feasible network, so report it as the upper bound.
    sol.theta = start;
    sol.loss = inst.total_loss(sol.theta);
    sol.optimal = false;
    fit = make_fit(inst, sol, "dnnt_mip");
    fit.message = fmt::format(
        "dnnt_mip: CBC stopped (status {}, secondary {}) before finding a network: the loss of "
        "the least-magnitude start network is an upper bound",
        Cbc_status(cbc.get()), Cbc_secondaryStatus(cbc.get()));
    return fit;
  }
  sol.theta = form.theta_from(solution);
  sol.loss = inst.total_loss(sol.theta);
  // Proven optimal by CBC, and the exact loss of the rounded network agrees
  // with CBC's objective (a disagreement would be a numerical failure).
  const bool consistent = std::abs(sol.loss.get_d() - objective) < 0.5;
  sol.optimal = proven && consistent;
  fit = make_fit(inst, sol, "dnnt_mip");
  if (!proven) {
    fit.message = fmt::format(
        "dnnt_mip: CBC stopped before proving optimality (status {}, secondary {}{}): the "
        "loss is an upper bound; CBC's lower bound is {}",
        Cbc_status(cbc.get()), Cbc_secondaryStatus(cbc.get()),
        Cbc_isSecondsLimitReached(cbc.get()) ? ", time limit" : "", bound);
  } else if (!consistent) {
    fit.message = fmt::format(
        "dnnt_mip: CBC's objective {} differs from the exact loss {} of its rounded network "
        "(numerical trouble): not certified",
        objective, sol.loss.get_str());
  }
  fit.stats["mip_columns"] = form.model().columns();
  fit.stats["mip_rows"] = form.model().rows();
  fit.stats["mip_binaries"] = form.model().binaries();
  fit.stats["mip_nodes"] = Cbc_getNodeCount(cbc.get());
  fit.stats["mip_bound"] = bound;
  fit.stats["mip_objective"] = objective;
  return fit;
}

}  // namespace hardnets::dnnt
