#include "hardnets/learners/exact_relu_cells.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <Eigen/QR>

#include "hardnets/core/error.h"
#include "hardnets/learners/exact_relu_arrangement.h"
#include "hardnets/numerics/lp.h"
#include "hardnets/numerics/nnls.h"

namespace hardnets::exact_relu {
namespace {

constexpr double kFeasTol = 1e-12;     // sign-constraint slack accepted for a minimiser
constexpr double kSingularTol = 1e-9;  // Cholesky pivot / diagonal below this: singular
constexpr double kRidge = 1e-10;       // relative ridge for singular programs
constexpr int kMaxPacked = kMaxRank * (kMaxRank + 1) / 2 + 2 * kMaxRank;

}  // namespace

Loss loss_from_name(const std::string& name) {
  if (name == "square") return Loss::kSquare;
  if (name == "l1") return Loss::kL1;
  if (name == "linf") return Loss::kLinf;
  fail("exact_relu: unknown loss '{}' (square, l1 or linf)", name);
}

Data make_data(const Matrix& X, const Vector& y, Loss loss, bool bias, bool unit_bias) {
  Data data;
  data.n = static_cast<int>(X.rows());
  data.Xt = lift_inputs(X, unit_bias);
  data.D = static_cast<int>(data.Xt.cols());
  data.norms = data.Xt.rowwise().norm();
  data.y = y;
  data.yy = y.squaredNorm();
  data.ysum = y.sum();
  const int D = data.D;
  data.T = D * (D + 1) / 2 + 2 * D;
  data.packed.resize(static_cast<std::size_t>(data.n) * data.T);
  for (int i = 0; i < data.n; ++i) {
    double* p = data.packed.data() + static_cast<std::size_t>(i) * data.T;
    for (int a = 0; a < D; ++a) {
      for (int b = a; b < D; ++b) *p++ = data.Xt(i, a) * data.Xt(i, b);
    }
    for (int a = 0; a < D; ++a) *p++ = data.Xt(i, a);
    for (int a = 0; a < D; ++a) *p++ = y[i] * data.Xt(i, a);
  }
  data.loss = loss;
  data.bias = bias;
  data.order.resize(static_cast<std::size_t>(data.n));
  for (int i = 0; i < data.n; ++i) data.order[static_cast<std::size_t>(i)] = i;
  std::stable_sort(data.order.begin(), data.order.end(),
                   [&](int a, int b) { return data.y[a] < data.y[b]; });
  return data;
}

// u = (θ_1, ..., θ_k, c?) -> Σ ℓ with real ReLUs.
double honest_loss(const Data& data, const std::vector<Item>& items, const Eigen::VectorXd& u) {
  const int k = static_cast<int>(items.size()), D = data.D;
  Eigen::VectorXd f = Eigen::VectorXd::Constant(data.n, data.bias ? u[k * D] : 0.0);
  for (int j = 0; j < k; ++j) {
    f += items[static_cast<std::size_t>(j)].sign * (data.Xt * u.segment(j * D, D)).cwiseMax(0.0);
  }
  const Eigen::VectorXd r = f - data.y;
  switch (data.loss) {
    case Loss::kSquare:
      return r.squaredNorm();
    case Loss::kL1:
      return r.cwiseAbs().sum();
    case Loss::kLinf:
      return r.size() == 0 ? 0.0 : r.cwiseAbs().maxCoeff();
  }
  return 0.0;
}

namespace {

// Rows of the constraint matrix G (k n x m): σ_ij x̃_i in block j.
Eigen::MatrixXd constraint_rows(const Data& data, const std::vector<Item>& items, int m) {
  const int k = static_cast<int>(items.size()), D = data.D, n = data.n;
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(k) * n, m);
  for (int j = 0; j < k; ++j) {
    for (int i = 0; i < n; ++i) {
      const double s = active(items[static_cast<std::size_t>(j)].bits, i) ? 1.0 : -1.0;
      G.block(static_cast<Eigen::Index>(j) * n + i, j * D, 1, D) = s * data.Xt.row(i);
    }
  }
  return G;
}

bool feasible(const Data& data, const std::vector<Item>& items, const Eigen::VectorXd& u,
              double tol) {
  const int k = static_cast<int>(items.size()), D = data.D;
  for (int j = 0; j < k; ++j) {
    const Eigen::VectorXd theta = u.segment(j * D, D);
    const double tn = theta.norm();
    const Eigen::VectorXd z = data.Xt * theta;
    for (int i = 0; i < data.n; ++i) {
      const double s = active(items[static_cast<std::size_t>(j)].bits, i) ? 1.0 : -1.0;
      if (s * z[i] < -tol * data.norms[i] * tn) return false;
    }
  }
  return true;
}

// H = AᵀA and g = Aᵀy for the cell-linear model of `items`, summed over the
// set bits of the patterns from the per-point products in data.packed.
void normal_equations(const Data& data, const std::vector<Item>& items, int m, Eigen::MatrixXd& H,
                      Eigen::VectorXd& g) {
  const int k = static_cast<int>(items.size()), D = data.D, T = data.T;
  const int tri = D * (D + 1) / 2;
  const int words = (data.n + 63) / 64;
  H.setZero(m, m);
  g.setZero(m);
  std::array<double, kMaxPacked> acc{};
  auto sum_over = [&](auto word_of, int count) {
    std::fill(acc.begin(), acc.begin() + count, 0.0);
    for (int w = 0; w < words; ++w) {
      std::uint64_t bits = word_of(w);
      while (bits) {
        const int i = w * 64 + std::countr_zero(bits);
        bits &= bits - 1;
        const double* pi = data.packed.data() + static_cast<std::size_t>(i) * T;
        for (int q = 0; q < count; ++q) acc[static_cast<std::size_t>(q)] += pi[q];
      }
    }
  };
  auto put_block = [&](int j, int l, double s) {  // upper block (j, l) from acc[0, tri)
    int q = 0;
    for (int a = 0; a < D; ++a) {
      for (int b = a; b < D; ++b, ++q) {
        H(j * D + a, l * D + b) = s * acc[static_cast<std::size_t>(q)];
        if (j != l || a != b) H(j * D + b, l * D + a) = s * acc[static_cast<std::size_t>(q)];
      }
    }
  };
  for (int j = 0; j < k; ++j) {
    const auto& it = items[static_cast<std::size_t>(j)];
    sum_over([&](int w) { return it.bits[w]; }, T);
    put_block(j, j, 1.0);
    for (int a = 0; a < D; ++a) {
      if (data.bias) H(j * D + a, m - 1) = it.sign * acc[static_cast<std::size_t>(tri + a)];
      g[j * D + a] = it.sign * acc[static_cast<std::size_t>(tri + D + a)];
    }
    for (int l = j + 1; l < k; ++l) {
      const auto& il = items[static_cast<std::size_t>(l)];
      sum_over([&](int w) { return it.bits[w] & il.bits[w]; }, tri);
      put_block(j, l, it.sign * il.sign);
    }
  }
  if (data.bias) {
    H(m - 1, m - 1) = data.n;
    g[m - 1] = data.ysum;
  }
  H.triangularView<Eigen::StrictlyLower>() = H.transpose();
}

}  // namespace

Program solve_square(const Data& data, const std::vector<Item>& items, double cutoff) {
  const int k = static_cast<int>(items.size());
  const int m = k * data.D + (data.bias ? 1 : 0);
  Program out;
  Eigen::MatrixXd H;
  Eigen::VectorXd g;
  normal_equations(data, items, m, H, g);
  Eigen::LLT<Eigen::MatrixXd> llt(H);
  bool nonsingular = llt.info() == Eigen::Success;
  if (nonsingular) {
    const Eigen::MatrixXd& L = llt.matrixLLT();
    for (int q = 0; q < m && nonsingular; ++q) {
      nonsingular = L(q, q) * L(q, q) > kSingularTol * H(q, q);
    }
  }
  if (nonsingular) {
    const Eigen::VectorXd u0 = llt.solve(g);
    const double lower = data.yy - g.dot(u0);
    if (lower > cutoff) return out;  // pruned
    if (feasible(data, items, u0, kFeasTol)) {
      out.solved = true;
      out.u = u0;
      out.loss = honest_loss(data, items, u0);
      return out;
    }
  } else {
    Eigen::VectorXd diag = H.diagonal();
    const double mean = std::max(diag.mean(), 1e-300);
    for (int q = 0; q < m; ++q) H(q, q) += kRidge * std::max(diag[q], mean);
    llt.compute(H);
    for (int q = 0; q < m; ++q) H(q, q) = diag[q];
  }
  out.solved = true;
  out.qp = true;
  // Dual of the cone projection: w = Lᵀu, min ½‖w - p‖² s.t. (G L^{-T}) w >= 0;
  // w = p + Eλ with λ = argmin_{λ>=0} ‖Eλ + p‖, E = L^{-1} Gᵀ.
  const Eigen::MatrixXd G = constraint_rows(data, items, m);
  const auto L = llt.matrixL();
  const Eigen::VectorXd p = L.solve(g);
  const Eigen::MatrixXd E = L.solve(G.transpose());
  const Eigen::VectorXd lambda = nnls(E, -p);
  const Eigen::VectorXd w = p + E * lambda;
  Eigen::VectorXd u = llt.matrixU().solve(w);
  out.u = u;
  out.loss = honest_loss(data, items, u);
  // Polish: exact least squares on the face of the active constraints.
  std::vector<Eigen::Index> act;
  for (Eigen::Index c = 0; c < lambda.size(); ++c) {
    if (lambda[c] > 0) act.push_back(c);
  }
  Eigen::MatrixXd Z;
  if (act.empty()) {
    Z = Eigen::MatrixXd::Identity(m, m);
  } else {
    Eigen::MatrixXd GA(static_cast<Eigen::Index>(act.size()), m);
    for (std::size_t q = 0; q < act.size(); ++q)
      GA.row(static_cast<Eigen::Index>(q)) = G.row(act[q]);
    Eigen::FullPivLU<Eigen::MatrixXd> lu(GA);
    lu.setThreshold(1e-10);
    Z = lu.kernel();
    if (lu.rank() == m) Z = Eigen::MatrixXd::Zero(m, 1);
  }
  const Eigen::MatrixXd HZ = Z.transpose() * H * Z;
  const Eigen::VectorXd z = HZ.completeOrthogonalDecomposition().solve(Z.transpose() * g);
  const Eigen::VectorXd up = Z * z;
  if (up.allFinite() && feasible(data, items, up, 1e-10)) {
    const double lp = honest_loss(data, items, up);
    if (lp < out.loss) {
      out.loss = lp;
      out.u = up;
    }
  }
  return out;
}

namespace {

// The l1/linf LP of `items`, built cold. Columns: θ_j (k·D), c, residual
// bounds e (n for l1, 1 for linf). Rows: the cell constraints σ_ij θ_j·x̃_i
// >= 0 (k·n), then e ± (Σ_{j: i∈S_j} s_j θ_j·x̃_i + c - y_i) >= 0 (2n).
Program solve_lp(const Data& data, const std::vector<Item>& items) {
  const int k = static_cast<int>(items.size()), D = data.D, n = data.n;
  const int m = k * D + (data.bias ? 1 : 0);
  const int extra = data.loss == Loss::kL1 ? n : 1;
  LinearModel lp;
  for (int c = 0; c < m; ++c) lp.col(-kLpInf, kLpInf, 0.0);
  for (int c = 0; c < extra; ++c) lp.col(0.0, kLpInf, 1.0);
  // Cell constraints.
  for (int j = 0; j < k; ++j) {
    for (int i = 0; i < n; ++i) {
      const double s = active(items[static_cast<std::size_t>(j)].bits, i) ? 1.0 : -1.0;
      LpTerms terms;
      for (int q = 0; q < D; ++q) terms.emplace_back(j * D + q, s * data.Xt(i, q));
      lp.row(terms, 0.0, kLpInf);
    }
  }
  // Residual bounds: e ± (a_i·u - y_i) >= 0.
  for (int i = 0; i < n; ++i) {
    for (const double side : {1.0, -1.0}) {
      LpTerms terms;
      for (int j = 0; j < k; ++j) {
        const auto& it = items[static_cast<std::size_t>(j)];
        if (!active(it.bits, i)) continue;
        for (int q = 0; q < D; ++q) terms.emplace_back(j * D + q, side * it.sign * data.Xt(i, q));
      }
      if (data.bias) terms.emplace_back(m - 1, side);
      terms.emplace_back(m + (data.loss == Loss::kL1 ? i : 0), 1.0);
      lp.row(terms, side * data.y[i], kLpInf);
    }
  }
  const LpResult res = solve_lp(lp);
  Program out;
  out.solved = true;
  out.qp = true;
  out.u = Eigen::VectorXd::Zero(m);
  if (res.optimal) {
    for (int c = 0; c < m; ++c) out.u[c] = res.x[static_cast<std::size_t>(c)];
  }
  out.loss = honest_loss(data, items, out.u);
  return out;
}

}  // namespace

// Lower bound on the l1/linf program of `items` from the labels alone: the
// output at point i is c + Σ_{j: i∈S_j} s_j u_ij with u_ij >= 0, so it is c
// where no unit is active, >= c where only positive units are active and
// <= c where only negative ones are. Hence |r_i| >= |c - y_i|, (c - y_i)_+ or
// (y_i - c)_+, minimised over c (c = 0 without an output bias): a weighted
// median for l1 (sweep of data.order, labels ascending), half a range for
// linf.
double lp_lower_bound(const Data& data, const std::vector<Item>& items) {
  const int n = data.n;
  // Per point: 1 = pushed up (only s = +1 active), 2 = pushed down, 3 = none
  // active (both), 0 = mixed (no bound).
  auto kind = [&](int i) {
    bool up = false, down = false;
    for (const auto& it : items) {
      if (active(it.bits, i)) (it.sign > 0 ? up : down) = true;
    }
    return up ? (down ? 0 : 1) : (down ? 2 : 3);
  };
  // Terms: (c - y_i)_+ for kinds 1, 3 ("inc"); (y_i - c)_+ for kinds 2, 3.
  if (data.loss == Loss::kLinf) {
    double min_inc = std::numeric_limits<double>::infinity();
    double max_dec = -std::numeric_limits<double>::infinity();
    for (int i = 0; i < n; ++i) {
      const int t = kind(i);
      if (t & 1) min_inc = std::min(min_inc, data.y[i]);
      if (t & 2) max_dec = std::max(max_dec, data.y[i]);
    }
    if (!data.bias) return std::max({0.0, -min_inc, max_dec});
    if (!std::isfinite(min_inc) || !std::isfinite(max_dec)) return 0.0;
    return std::max(0.0, 0.5 * (max_dec - min_inc));
  }
  double c = 0.0;
  if (data.bias) {
    // The slope in c starts at -#dec and grows by one per term at its label.
    int slope = 0;
    for (int i = 0; i < n; ++i) slope -= (kind(i) & 2) ? 1 : 0;
    if (slope == 0) return 0.0;  // no (y_i - c)_+ term: c -> -inf gives 0
    for (const int i : data.order) {
      const int t = kind(i);
      slope += (t & 1) + ((t & 2) >> 1);
      if (t != 0) c = data.y[i];
      if (slope >= 0) break;
    }
  }
  double bound = 0.0;
  for (int i = 0; i < n; ++i) {
    const int t = kind(i);
    if (t & 1) bound += std::max(0.0, c - data.y[i]);
    if (t & 2) bound += std::max(0.0, data.y[i] - c);
  }
  return bound;
}

// The l1/linf LP of a k-tuple in a form where the tuple enters only through
// bounds, so one model is re-solved by the dual simplex from the previous
// basis. Columns: θ'_j = s_j θ_j (k·D), c, v_ij = s_j θ_j·x̃_i on the cell
// (k·n), residual bounds e (n for l1, 1 for linf). Rows: v_ij - θ'_j·x̃_i
// (k·n), then e ± (Σ_j v_ij + c - y_i) >= 0 (2n). Point i active in item j:
// the row is = 0 and s_j v_ij >= 0; inactive: v_ij = 0 and s_j θ'_j·x̃_i <= 0.
class WarmLp::Model {
 public:
  Model(const Data& data, int k) : data_(data), k_(k), lp_(build(data, k)) {}

  Program solve(const std::vector<Item>& items) {
    const int D = data_.D, n = data_.n;
    for (int j = 0; j < k_; ++j) {
      const auto& it = items[static_cast<std::size_t>(j)];
      for (int i = 0; i < n; ++i) {
        const int row = j * n + i, col = v_col(j, i);
        if (active(it.bits, i)) {
          lp_.set_row_bounds(row, 0.0, 0.0);
          lp_.set_col_bounds(col, it.sign > 0 ? 0.0 : -kLpInf, it.sign > 0 ? kLpInf : 0.0);
        } else {
          lp_.set_col_bounds(col, 0.0, 0.0);
          lp_.set_row_bounds(row, it.sign > 0 ? 0.0 : -kLpInf, it.sign > 0 ? kLpInf : 0.0);
        }
      }
    }
    const double* x = lp_.solve();
    Program out;
    out.solved = true;
    out.qp = true;
    out.u = Eigen::VectorXd::Zero(m_);
    if (x != nullptr) {
      for (int j = 0; j < k_; ++j) {
        const double s = items[static_cast<std::size_t>(j)].sign > 0 ? 1.0 : -1.0;
        for (int q = 0; q < D; ++q) out.u[j * D + q] = s * x[j * D + q];
      }
      if (data_.bias) out.u[m_ - 1] = x[m_ - 1];
    }
    out.loss = honest_loss(data_, items, out.u);
    return out;
  }

 private:
  // The model with every v fixed at 0 and the cell rows at = 0 (solve sets
  // the bounds of the tuple at hand).
  LinearModel build(const Data& data, int k) {
    const int D = data.D, n = data.n;
    m_ = k * D + (data.bias ? 1 : 0);
    const int extra = data.loss == Loss::kL1 ? n : 1;
    LinearModel lp;
    for (int c = 0; c < m_; ++c) lp.col(-kLpInf, kLpInf, 0.0);
    for (int c = 0; c < k * n; ++c) lp.col(0.0, 0.0, 0.0);
    for (int c = 0; c < extra; ++c) lp.col(0.0, kLpInf, 1.0);
    for (int j = 0; j < k; ++j) {
      for (int i = 0; i < n; ++i) {
        LpTerms terms{{v_col(j, i), 1.0}};
        for (int q = 0; q < D; ++q) terms.emplace_back(j * D + q, -data.Xt(i, q));
        lp.row(terms, 0.0, 0.0);
      }
    }
    for (int i = 0; i < n; ++i) {
      for (const double side : {1.0, -1.0}) {
        LpTerms terms;
        for (int j = 0; j < k; ++j) terms.emplace_back(v_col(j, i), side);
        if (data.bias) terms.emplace_back(m_ - 1, side);
        terms.emplace_back(m_ + k * n + (data.loss == Loss::kL1 ? i : 0), 1.0);
        lp.row(terms, side * data.y[i], kLpInf);
      }
    }
    return lp;
  }
  int v_col(int j, int i) const { return m_ + j * data_.n + i; }
  const Data& data_;
  int k_;
  int m_ = 0;
  ResolvableLp lp_;
};

WarmLp::WarmLp(const Data& data, int k) : model_(std::make_unique<Model>(data, k)) {}
WarmLp::~WarmLp() = default;
Program WarmLp::solve(const std::vector<Item>& items) {
  return model_->solve(items);
}

namespace {

Program solve_program(const Data& data, const std::vector<Item>& items, double cutoff) {
  if (data.loss == Loss::kSquare) return solve_square(data, items, cutoff);
  if (lp_lower_bound(data, items) > cutoff) return {};
  return solve_lp(data, items);
}

}  // namespace

// KKT residual of a square-loss cell solution (stationarity relative to
// 1 + ‖Aᵀy‖, plus primal infeasibility relative to ‖x̃‖ max(1, ‖θ‖)).
double kkt_residual(const Data& data, const std::vector<Item>& items, const Eigen::VectorXd& u) {
  const int m = static_cast<int>(u.size());
  Eigen::MatrixXd H;
  Eigen::VectorXd g;
  normal_equations(data, items, m, H, g);
  const Eigen::VectorXd grad = H * u - g;
  const Eigen::MatrixXd G = constraint_rows(data, items, m);
  const Eigen::VectorXd Gu = G * u;
  const double un = std::max(1.0, u.norm());
  std::vector<Eigen::Index> act;
  double infeasible = 0.0;
  for (Eigen::Index c = 0; c < Gu.size(); ++c) {
    const double scale = data.norms[c % data.n] * un;
    if (scale == 0.0) continue;  // a zero input: θ·x̃ = 0 whatever θ
    infeasible = std::max(infeasible, std::max(0.0, -Gu[c]) / scale);
    if (std::abs(Gu[c]) <= 1e-8 * scale) act.push_back(c);
  }
  double stationarity = grad.norm();
  if (!act.empty()) {
    Eigen::MatrixXd GAt(m, static_cast<Eigen::Index>(act.size()));
    for (std::size_t q = 0; q < act.size(); ++q)
      GAt.col(static_cast<Eigen::Index>(q)) = G.row(act[q]).transpose();
    const Eigen::VectorXd lambda = nnls(GAt, grad);
    stationarity = (GAt * lambda - grad).norm();
  }
  return std::max(stationarity / (1.0 + g.norm()), infeasible);
}

CellSolution solve_cell(const Matrix& X, const Vector& y, const std::vector<Unit>& units, Loss loss,
                        bool output_bias, double cutoff, bool unit_bias) {
  const Data data = make_data(X, y, loss, output_bias, unit_bias);
  std::vector<Item> items;
  for (const auto& unit : units) {
    if (static_cast<int>(unit.pattern.size()) != (data.n + 63) / 64) {
      fail("exact_relu: pattern of {} words for n = {}", unit.pattern.size(), data.n);
    }
    items.push_back({unit.pattern.data(), unit.sign >= 0 ? 1 : -1});
  }
  const Program prog = solve_program(data, items, cutoff);
  CellSolution out;
  out.solved = prog.solved;
  if (!prog.solved) return out;
  out.loss = prog.loss;
  out.units = units;
  for (std::size_t j = 0; j < units.size(); ++j) {
    out.units[j].theta = prog.u.segment(static_cast<Eigen::Index>(j) * data.D, data.D);
  }
  out.c = output_bias ? prog.u[prog.u.size() - 1] : 0.0;
  return out;
}

double network_loss(const Matrix& X, const Vector& y, const std::vector<Unit>& units, double c,
                    Loss loss, bool unit_bias) {
  const Data data = make_data(X, y, loss, true, unit_bias);
  std::vector<Item> items;
  Eigen::VectorXd u(static_cast<Eigen::Index>(units.size()) * data.D + 1);
  for (std::size_t j = 0; j < units.size(); ++j) {
    items.push_back({units[j].pattern.data(), units[j].sign >= 0 ? 1 : -1});
    u.segment(static_cast<Eigen::Index>(j) * data.D, data.D) = units[j].theta;
  }
  u[u.size() - 1] = c;
  return honest_loss(data, items, u);
}

}  // namespace hardnets::exact_relu
