#include "hardnets/learners/exact_relu.h"

#include <ClpSimplex.hpp>
#include <CoinPackedMatrix.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <limits>
#include <memory>
#include <set>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <Eigen/QR>
#include <Eigen/SVD>

#include "hardnets/contracts/task_keys.h"
#include "hardnets/core/error.h"
#include "hardnets/core/parallel.h"
#include "hardnets/core/resources.h"
#include "hardnets/nets/relu_net.h"

namespace hardnets::exact_relu {
namespace {

const LearnerRegistration kRegister{std::make_unique<ExactReluLearner>()};

constexpr int kMaxRank = 16;           // d <= 15
constexpr double kZeroTol = 1e-10;     // |ρ·x̃| <= tol ‖x̃‖: the point lies on the ray
constexpr double kFeasTol = 1e-12;     // sign-constraint slack accepted for a minimiser
constexpr double kSingularTol = 1e-9;  // Cholesky pivot / diagonal below this: singular
constexpr double kRidge = 1e-10;       // relative ridge for singular programs
constexpr double kPruneMargin = 1e-9;  // relative to 1 + Σ y²
constexpr int kMaxPacked = kMaxRank * (kMaxRank + 1) / 2 + 2 * kMaxRank;
constexpr std::int64_t kBlock = 256;       // programs per block
constexpr std::int64_t kRoundBlocks = 64;  // most blocks per round (incumbent updated between)

using SmallMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, kMaxRank, kMaxRank>;

// ---------------------------------------------------------------- patterns

std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Open-addressing set of bitset patterns, kept in insertion order.
class PatternSet {
 public:
  PatternSet(int n, int words) : slots_(1024, -1) {
    store_.n = n;
    store_.words = words;
  }
  bool insert(const std::uint64_t* p) {
    if ((count_ + 1) * 2 > static_cast<std::int64_t>(slots_.size())) grow();
    const std::size_t mask = slots_.size() - 1;
    std::size_t h = hash(p) & mask;
    while (slots_[h] >= 0) {
      if (std::equal(p, p + store_.words, store_[static_cast<std::size_t>(slots_[h])])) {
        return false;
      }
      h = (h + 1) & mask;
    }
    slots_[h] = count_++;
    store_.push(p);
    return true;
  }
  std::int64_t size() const { return count_; }
  const Patterns& patterns() const { return store_; }
  Patterns release() { return std::move(store_); }

 private:
  std::uint64_t hash(const std::uint64_t* p) const {
    std::uint64_t h = 0x1234567ULL;
    for (int w = 0; w < store_.words; ++w) h = mix(h ^ p[w]);
    return h;
  }
  void grow() {
    std::vector<std::int64_t> old(slots_.size() * 2, -1);
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (std::int64_t q = 0; q < count_; ++q) {
      std::size_t h = hash(store_[static_cast<std::size_t>(q)]) & mask;
      while (slots_[h] >= 0) h = (h + 1) & mask;
      slots_[h] = q;
    }
  }
  std::vector<std::int64_t> slots_;
  std::int64_t count_ = 0;
  Patterns store_;
};

// Next (r)-combination of {lo..n-1} in lexicographic order; false at the end.
bool next_combination(std::vector<int>& c, int n) {
  const int r = static_cast<int>(c.size());
  int i = r - 1;
  while (i >= 0 && c[static_cast<std::size_t>(i)] == n - r + i) --i;
  if (i < 0) return false;
  ++c[static_cast<std::size_t>(i)];
  for (int j = i + 1; j < r; ++j)
    c[static_cast<std::size_t>(j)] = c[static_cast<std::size_t>(j - 1)] + 1;
  return true;
}

std::vector<std::vector<std::int8_t>> cells_of(const Eigen::MatrixXd& Y);

// The ray through the rows `subset` (r-1 of them) of Y (m x r): ρ normalised,
// t = Yρ, the rows on the ray, and the sign patterns on those rows of the
// cells around it. False when the rows are linearly dependent.
struct Ray {
  Eigen::VectorXd rho, t;
  std::vector<int> zero;
  std::vector<std::vector<std::int8_t>> local;
};

bool ray_at(const Eigen::MatrixXd& Y, const Eigen::VectorXd& norms, const std::vector<int>& subset,
            Ray& ray) {
  const int r = static_cast<int>(Y.cols());
  SmallMat S(r - 1, r);
  double scale = 1.0;
  for (int a = 0; a < r - 1; ++a) {
    S.row(a) = Y.row(subset[static_cast<std::size_t>(a)]);
    scale *= norms[subset[static_cast<std::size_t>(a)]];
  }
  // Generalised cross product: cofactors of S; ‖ρ‖ is the volume spanned.
  ray.rho.resize(r);
  SmallMat minor(r - 1, r - 1);
  for (int j = 0; j < r; ++j) {
    if (j > 0) minor.leftCols(j) = S.leftCols(j);
    if (j < r - 1) minor.rightCols(r - 1 - j) = S.rightCols(r - 1 - j);
    const double det = r == 2 ? minor(0, 0) : minor.determinant();
    ray.rho[j] = (j % 2 == 0) ? det : -det;
  }
  const double volume = ray.rho.norm();
  if (!(volume > 1e-10 * scale)) return false;
  ray.rho /= volume;
  ray.t.noalias() = Y * ray.rho;
  ray.zero.clear();
  for (Eigen::Index i = 0; i < Y.rows(); ++i) {
    if (std::abs(ray.t[i]) <= kZeroTol * norms[i]) ray.zero.push_back(static_cast<int>(i));
  }
  ray.local.clear();
  const int z = static_cast<int>(ray.zero.size());
  if (z > r - 1) {
    // Many rows on this ray: C(z, r-1) subsets define it. Only the greedy
    // (lexicographically first) basis of its rows goes on, so the local
    // cells are built once per ray, not once per subset (exponentially many
    // on structured data such as the reductions' ±e_u).
    std::vector<Eigen::VectorXd> basis;
    std::size_t next = 0;
    for (const int i : ray.zero) {
      Eigen::VectorXd v = Y.row(i).transpose() / norms[i];
      for (const auto& b : basis) v -= b.dot(v) * b;
      const double residual = v.norm();
      if (residual > 1e-9) {
        if (next >= subset.size() || subset[next] != i) return false;
        basis.push_back(v / residual);
        ++next;
        if (static_cast<int>(basis.size()) == r - 1) break;
      }
    }
  }
  if (z == r - 1) {
    // General position: every sign choice on the r-1 independent rows.
    for (int mask = 0; mask < (1 << z); ++mask) {
      std::vector<std::int8_t> s(static_cast<std::size_t>(z));
      for (int q = 0; q < z; ++q) s[static_cast<std::size_t>(q)] = ((mask >> q) & 1) ? 1 : -1;
      ray.local.push_back(std::move(s));
    }
  } else {
    // Degenerate: the cells of the rows through ρ, within ρ⊥.
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(ray.rho);
    const Eigen::MatrixXd Q = qr.householderQ();
    Eigen::MatrixXd YZ(z, r);
    for (int q = 0; q < z; ++q) YZ.row(q) = Y.row(ray.zero[static_cast<std::size_t>(q)]);
    ray.local = cells_of(YZ * Q.rightCols(r - 1));
  }
  return true;
}

// Sign vectors of every cell of the rows of Y (m x r, rank r, no zero row).
std::vector<std::vector<std::int8_t>> cells_of(const Eigen::MatrixXd& Y) {
  const int m = static_cast<int>(Y.rows()), r = static_cast<int>(Y.cols());
  std::set<std::vector<std::int8_t>> out;
  std::vector<std::int8_t> v(static_cast<std::size_t>(m));
  if (r == 1) {
    for (int i = 0; i < m; ++i) v[static_cast<std::size_t>(i)] = Y(i, 0) > 0 ? 1 : -1;
    out.insert(v);
    for (auto& s : v) s = static_cast<std::int8_t>(-s);
    out.insert(v);
    return {out.begin(), out.end()};
  }
  const Eigen::VectorXd norms = Y.rowwise().norm();
  std::vector<int> subset(static_cast<std::size_t>(r - 1));
  for (int a = 0; a < r - 1; ++a) subset[static_cast<std::size_t>(a)] = a;
  Ray ray;
  do {
    if (!ray_at(Y, norms, subset, ray)) continue;
    for (const double side : {1.0, -1.0}) {
      for (int i = 0; i < m; ++i) v[static_cast<std::size_t>(i)] = side * ray.t[i] > 0 ? 1 : -1;
      for (const auto& local : ray.local) {
        for (std::size_t q = 0; q < ray.zero.size(); ++q) {
          v[static_cast<std::size_t>(ray.zero[q])] = local[q];
        }
        out.insert(v);
      }
    }
  } while (next_combination(subset, m));
  return {out.begin(), out.end()};
}

// ---------------------------------------------------------------- programs

// Lawson–Hanson NNLS: min ‖E λ - f‖ over λ >= 0.
Eigen::VectorXd nnls(const Eigen::MatrixXd& E, const Eigen::VectorXd& f) {
  const Eigen::Index N = E.cols();
  Eigen::VectorXd lambda = Eigen::VectorXd::Zero(N);
  std::vector<char> passive(static_cast<std::size_t>(N), 0),
      excluded(static_cast<std::size_t>(N), 0);
  const double tol = 1e-13 * (1.0 + f.norm()) * std::max(1.0, E.cwiseAbs().maxCoeff());
  Eigen::VectorXd residual = f;
  Eigen::VectorXd w = E.transpose() * residual;
  std::vector<Eigen::Index> P;
  const int max_iter = static_cast<int>(3 * N + 50);
  for (int iter = 0; iter < max_iter; ++iter) {
    Eigen::Index t = -1;
    double best = tol;
    for (Eigen::Index j = 0; j < N; ++j) {
      if (!passive[static_cast<std::size_t>(j)] && !excluded[static_cast<std::size_t>(j)] &&
          w[j] > best) {
        best = w[j];
        t = j;
      }
    }
    if (t < 0) break;
    passive[static_cast<std::size_t>(t)] = 1;
    bool first = true;
    while (true) {
      P.clear();
      for (Eigen::Index j = 0; j < N; ++j) {
        if (passive[static_cast<std::size_t>(j)]) P.push_back(j);
      }
      Eigen::MatrixXd EP(E.rows(), static_cast<Eigen::Index>(P.size()));
      for (std::size_t q = 0; q < P.size(); ++q) EP.col(static_cast<Eigen::Index>(q)) = E.col(P[q]);
      const Eigen::VectorXd z = EP.colPivHouseholderQr().solve(f);
      if (first) {
        first = false;
        const auto pos = std::find(P.begin(), P.end(), t) - P.begin();
        if (!(z[pos] > 0)) {  // round-off: the entering column does not help
          passive[static_cast<std::size_t>(t)] = 0;
          excluded[static_cast<std::size_t>(t)] = 1;
          break;
        }
      }
      bool all_positive = true;
      for (Eigen::Index q = 0; q < z.size(); ++q) all_positive = all_positive && z[q] > 0;
      if (all_positive) {
        for (std::size_t q = 0; q < P.size(); ++q) lambda[P[q]] = z[static_cast<Eigen::Index>(q)];
        std::fill(excluded.begin(), excluded.end(), 0);
        break;
      }
      double alpha = 1.0;
      for (std::size_t q = 0; q < P.size(); ++q) {
        const double zq = z[static_cast<Eigen::Index>(q)], lq = lambda[P[q]];
        if (zq <= 0) alpha = std::min(alpha, lq / (lq - zq));
      }
      for (std::size_t q = 0; q < P.size(); ++q) {
        double& l = lambda[P[q]];
        l += alpha * (z[static_cast<Eigen::Index>(q)] - l);
        if (l <= 1e-15 * (1.0 + std::abs(z[static_cast<Eigen::Index>(q)]))) {
          l = 0.0;
          passive[static_cast<std::size_t>(P[q])] = 0;
        }
      }
    }
    residual = f - E * lambda;
    w.noalias() = E.transpose() * residual;
  }
  return lambda;
}

struct Data {
  Eigen::MatrixXd Xt;  // n x D, rows x̃_i = (x_i, 1), or x_i without a unit bias
  Eigen::VectorXd norms;
  Vector y;
  double yy = 0.0, ysum = 0.0;
  int n = 0, D = 0, T = 0;
  // Per point: upper triangle of x̃x̃ᵀ, then x̃, then y x̃ (T numbers).
  std::vector<double> packed;
  Loss loss = Loss::kSquare;
  bool bias = true;
  std::vector<int> order;  // point indices by ascending label (ties by index)
};

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

struct Item {
  const std::uint64_t* bits;
  int sign;
};

inline bool active(const std::uint64_t* bits, int i) {
  return (bits[i / 64] >> (i % 64)) & 1U;
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

struct Program {
  bool solved = false;
  double loss = std::numeric_limits<double>::infinity();
  Eigen::VectorXd u;
  bool qp = false;  // needed the constrained solve
};

// H = AᵀA and g = Aᵀy for the cell-linear model of `items`.
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

struct ClpDeleter {
  void operator()(ClpSimplex* m) const { delete m; }
};

Program solve_lp(const Data& data, const std::vector<Item>& items) {
  const int k = static_cast<int>(items.size()), D = data.D, n = data.n;
  const int m = k * D + (data.bias ? 1 : 0);
  const int extra = data.loss == Loss::kL1 ? n : 1;
  const int cols = m + extra;
  std::vector<int> rows_idx, cols_idx;
  std::vector<double> values, row_lb, row_ub;
  int row = 0;
  const double inf = COIN_DBL_MAX;
  // Cell constraints.
  for (int j = 0; j < k; ++j) {
    for (int i = 0; i < n; ++i) {
      const double s = active(items[static_cast<std::size_t>(j)].bits, i) ? 1.0 : -1.0;
      for (int q = 0; q < D; ++q) {
        if (data.Xt(i, q) == 0.0) continue;
        rows_idx.push_back(row);
        cols_idx.push_back(j * D + q);
        values.push_back(s * data.Xt(i, q));
      }
      row_lb.push_back(0.0);
      row_ub.push_back(inf);
      ++row;
    }
  }
  // Residual bounds: e ± (a_i·u - y_i) >= 0.
  for (int i = 0; i < n; ++i) {
    for (const double side : {1.0, -1.0}) {
      for (int j = 0; j < k; ++j) {
        const auto& it = items[static_cast<std::size_t>(j)];
        if (!active(it.bits, i)) continue;
        for (int q = 0; q < D; ++q) {
          if (data.Xt(i, q) == 0.0) continue;
          rows_idx.push_back(row);
          cols_idx.push_back(j * D + q);
          values.push_back(side * it.sign * data.Xt(i, q));
        }
      }
      if (data.bias) {
        rows_idx.push_back(row);
        cols_idx.push_back(m - 1);
        values.push_back(side);
      }
      rows_idx.push_back(row);
      cols_idx.push_back(m + (data.loss == Loss::kL1 ? i : 0));
      values.push_back(1.0);
      row_lb.push_back(side * data.y[i]);
      row_ub.push_back(inf);
      ++row;
    }
  }
  CoinPackedMatrix matrix(false, rows_idx.data(), cols_idx.data(), values.data(),
                          static_cast<CoinBigIndex>(values.size()));
  matrix.setDimensions(row, cols);
  std::vector<double> col_lb(static_cast<std::size_t>(cols), -inf),
      col_ub(static_cast<std::size_t>(cols), inf), obj(static_cast<std::size_t>(cols), 0.0);
  for (int c = m; c < cols; ++c) {
    col_lb[static_cast<std::size_t>(c)] = 0.0;
    obj[static_cast<std::size_t>(c)] = 1.0;
  }
  ClpSimplex model;
  model.setLogLevel(0);
  model.loadProblem(matrix, col_lb.data(), col_ub.data(), obj.data(), row_lb.data(), row_ub.data());
  model.setPrimalTolerance(1e-10);
  model.setDualTolerance(1e-10);
  model.dual();
  if (!model.isProvenOptimal()) model.primal();
  Program out;
  out.solved = true;
  out.qp = true;
  out.u = Eigen::VectorXd::Zero(m);
  if (model.isProvenOptimal()) {
    const double* x = model.primalColumnSolution();
    for (int c = 0; c < m; ++c) out.u[c] = x[c];
  }
  out.loss = honest_loss(data, items, out.u);
  return out;
}

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
class WarmLp {
 public:
  WarmLp(const Data& data, int k) : data_(data), k_(k) {
    const int D = data.D, n = data.n;
    m_ = k * D + (data.bias ? 1 : 0);
    const int extra = data.loss == Loss::kL1 ? n : 1;
    const int cols = m_ + k * n + extra;
    const double inf = COIN_DBL_MAX;
    std::vector<int> ri, ci;
    std::vector<double> val;
    int row = 0;
    for (int j = 0; j < k; ++j) {
      for (int i = 0; i < n; ++i, ++row) {
        ri.push_back(row);
        ci.push_back(v_col(j, i));
        val.push_back(1.0);
        for (int q = 0; q < D; ++q) {
          if (data.Xt(i, q) == 0.0) continue;
          ri.push_back(row);
          ci.push_back(j * D + q);
          val.push_back(-data.Xt(i, q));
        }
      }
    }
    std::vector<double> row_lb, row_ub;
    row_lb.assign(static_cast<std::size_t>(row), 0.0);
    row_ub.assign(static_cast<std::size_t>(row), 0.0);
    for (int i = 0; i < n; ++i) {
      for (const double side : {1.0, -1.0}) {
        for (int j = 0; j < k; ++j) {
          ri.push_back(row);
          ci.push_back(v_col(j, i));
          val.push_back(side);
        }
        if (data.bias) {
          ri.push_back(row);
          ci.push_back(m_ - 1);
          val.push_back(side);
        }
        ri.push_back(row);
        ci.push_back(m_ + k * n + (data.loss == Loss::kL1 ? i : 0));
        val.push_back(1.0);
        row_lb.push_back(side * data.y[i]);
        row_ub.push_back(inf);
        ++row;
      }
    }
    CoinPackedMatrix matrix(true, ri.data(), ci.data(), val.data(),
                            static_cast<CoinBigIndex>(val.size()));
    matrix.setDimensions(row, cols);
    std::vector<double> col_lb(static_cast<std::size_t>(cols), -inf),
        col_ub(static_cast<std::size_t>(cols), inf), obj(static_cast<std::size_t>(cols), 0.0);
    for (int c = m_ + k * n; c < cols; ++c) {
      col_lb[static_cast<std::size_t>(c)] = 0.0;
      obj[static_cast<std::size_t>(c)] = 1.0;
    }
    for (int c = m_; c < m_ + k * n; ++c) {  // every v fixed at 0 until the first solve
      col_lb[static_cast<std::size_t>(c)] = 0.0;
      col_ub[static_cast<std::size_t>(c)] = 0.0;
    }
    model_.setLogLevel(0);
    model_.loadProblem(matrix, col_lb.data(), col_ub.data(), obj.data(), row_lb.data(),
                       row_ub.data());
    model_.setPrimalTolerance(1e-10);
    model_.setDualTolerance(1e-10);
  }

  Program solve(const std::vector<Item>& items) {
    const int D = data_.D, n = data_.n;
    const double inf = COIN_DBL_MAX;
    for (int j = 0; j < k_; ++j) {
      const auto& it = items[static_cast<std::size_t>(j)];
      for (int i = 0; i < n; ++i) {
        const int row = j * n + i, col = v_col(j, i);
        if (active(it.bits, i)) {
          model_.setRowBounds(row, 0.0, 0.0);
          model_.setColumnBounds(col, it.sign > 0 ? 0.0 : -inf, it.sign > 0 ? inf : 0.0);
        } else {
          model_.setColumnBounds(col, 0.0, 0.0);
          model_.setRowBounds(row, it.sign > 0 ? 0.0 : -inf, it.sign > 0 ? inf : 0.0);
        }
      }
    }
    // Keep Clp's work areas and factorization between solves (only bounds
    // change).
    model_.dual(0, warm_ ? 7 : 1);
    warm_ = true;
    if (!model_.isProvenOptimal()) {  // fall back to a cold start
      model_.allSlackBasis(true);
      model_.dual();
      if (!model_.isProvenOptimal()) model_.primal();
    }
    Program out;
    out.solved = true;
    out.qp = true;
    out.u = Eigen::VectorXd::Zero(m_);
    if (model_.isProvenOptimal()) {
      const double* x = model_.primalColumnSolution();
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
  int v_col(int j, int i) const { return m_ + j * data_.n + i; }
  const Data& data_;
  int k_;
  int m_ = 0;
  bool warm_ = false;
  ClpSimplex model_;
};

Program solve_program(const Data& data, const std::vector<Item>& items, double cutoff) {
  if (data.loss == Loss::kSquare) return solve_square(data, items, cutoff);
  if (lp_lower_bound(data, items) > cutoff) return {};
  return solve_lp(data, items);
}

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

// ---------------------------------------------------------------- search

using u128 = unsigned __int128;

// binom(n, r), saturated at 2^100.
u128 binom(std::int64_t n, std::int64_t r) {
  if (r < 0 || n < r) return 0;
  r = std::min(r, n - r);
  const u128 cap = u128{1} << 100;
  u128 out = 1;
  for (std::int64_t i = 1; i <= r; ++i) {
    out = out * static_cast<u128>(n - r + i) / static_cast<u128>(i);
    if (out > cap) return cap;
  }
  return out;
}

// The combination of rank `index` (lexicographic) of r items out of N.
std::vector<std::int64_t> unrank(u128 index, std::int64_t N, std::int64_t r) {
  std::vector<std::int64_t> c(static_cast<std::size_t>(r));
  std::int64_t lo = 0;
  for (std::int64_t q = 0; q < r; ++q) {
    const std::int64_t rem = r - q;
    // Combinations starting below x (from lo): binom(N-lo, rem) - binom(N-x, rem).
    const u128 total = binom(N - lo, rem);
    std::int64_t a = lo, b = N - rem;  // answer in [a, b]
    while (a < b) {
      const std::int64_t mid = a + (b - a + 1) / 2;
      if (total - binom(N - mid, rem) <= index) {
        a = mid;
      } else {
        b = mid - 1;
      }
    }
    index -= total - binom(N - a, rem);
    c[static_cast<std::size_t>(q)] = a;
    lo = a + 1;
  }
  return c;
}

bool next_items(std::vector<std::int64_t>& c, std::int64_t N) {
  const auto r = static_cast<std::int64_t>(c.size());
  std::int64_t i = r - 1;
  while (i >= 0 && c[static_cast<std::size_t>(i)] == N - r + i) --i;
  if (i < 0) return false;
  ++c[static_cast<std::size_t>(i)];
  for (std::int64_t j = i + 1; j < r; ++j)
    c[static_cast<std::size_t>(j)] = c[static_cast<std::size_t>(j - 1)] + 1;
  return true;
}

struct Best {
  double loss = std::numeric_limits<double>::infinity();
  std::int64_t index = -1;          // program rank; -1 = the starting network
  std::vector<std::int64_t> items;  // item = 2 * pattern + (sign < 0)
  Eigen::VectorXd u;
  int found_k = 0;  // units of the winning program (0 = the starting network)
  bool better_than(const Best& o) const {
    return loss < o.loss || (loss == o.loss && index < o.index);
  }
};

struct SearchStats {
  std::int64_t programs = 0, solved = 0, qp = 0;
  bool complete = true;
  std::string why;
};

std::vector<Item> make_items(const Patterns& patterns, const std::vector<std::int64_t>& c) {
  std::vector<Item> items;
  for (const auto a : c)
    items.push_back({patterns[static_cast<std::size_t>(a / 2)], a % 2 ? -1 : 1});
  return items;
}

void search(const Data& data, const Patterns& patterns, int k, int threads, const Stopwatch& clock,
            double time_limit, std::int64_t max_programs, Best& best, SearchStats& stats) {
  const auto N = static_cast<std::int64_t>(2 * patterns.size());
  const u128 total_exact = binom(N, k);
  const std::int64_t budget = std::max<std::int64_t>(0, max_programs - stats.programs);
  const bool over = total_exact > static_cast<u128>(budget);
  const auto total = static_cast<std::int64_t>(over ? static_cast<u128>(budget) : total_exact);
  const double margin = kPruneMargin * (1.0 + data.yy);
  std::int64_t done = 0;
  // Rounds of 1, 2, 4, ... blocks up to kRoundBlocks: the incumbent improves
  // early, so later rounds prune more (a schedule fixed by the block count
  // alone, not by the threads).
  std::int64_t round_blocks = 1;
  while (done < total) {
    if (clock.seconds() > time_limit) {
      stats.complete = false;
      stats.why = "time limit";
      return;
    }
    const std::int64_t round = std::min(total - done, kBlock * round_blocks);
    round_blocks = std::min(kRoundBlocks, 2 * round_blocks);
    const std::int64_t blocks = (round + kBlock - 1) / kBlock;
    std::vector<Best> block_best(static_cast<std::size_t>(blocks));
    std::vector<SearchStats> block_stats(static_cast<std::size_t>(blocks));
    const double incumbent = best.loss;
    std::atomic<std::int64_t> next{0};
    parallel_for(threads, threads, [&](std::int64_t, std::int64_t) {
      for (std::int64_t b = next++; b < blocks; b = next++) {
        const std::int64_t begin = done + b * kBlock;
        const std::int64_t end = std::min(done + round, begin + kBlock);
        std::vector<std::int64_t> c = unrank(static_cast<u128>(begin), N, k);
        Best& local = block_best[static_cast<std::size_t>(b)];
        SearchStats& st = block_stats[static_cast<std::size_t>(b)];
        // LP models per block and sign tuple (consecutive programs alternate
        // signs; a model sees the next patterns of its own signs): each
        // warm-start chain is the same for every thread count.
        std::vector<std::unique_ptr<WarmLp>> lps;
        if (data.loss != Loss::kSquare) lps.resize(std::size_t{1} << k);
        for (std::int64_t idx = begin; idx < end; ++idx) {
          const std::vector<Item> items = make_items(patterns, c);
          const double cutoff = std::min(incumbent, local.loss) + margin;
          Program prog;
          if (lps.empty()) {
            prog = solve_square(data, items, cutoff);
          } else if (!(lp_lower_bound(data, items) > cutoff)) {
            std::size_t key = 0;
            for (std::size_t j = 0; j < items.size(); ++j)
              key |= (items[j].sign < 0 ? 1U : 0U) << j;
            if (!lps[key]) lps[key] = std::make_unique<WarmLp>(data, k);
            prog = lps[key]->solve(items);
          }
          ++st.programs;
          if (prog.solved) {
            ++st.solved;
            if (prog.qp) ++st.qp;
            Best cand;
            cand.loss = prog.loss;
            cand.index = idx;
            cand.found_k = k;
            if (cand.better_than(local)) {
              local = cand;
              local.items = c;
              local.u = prog.u;
            }
          }
          if (idx + 1 < end) next_items(c, N);
        }
      }
    });
    for (std::int64_t b = 0; b < blocks; ++b) {
      const Best& bb = block_best[static_cast<std::size_t>(b)];
      if (bb.index >= 0 && bb.better_than(best)) best = bb;
      stats.programs += block_stats[static_cast<std::size_t>(b)].programs;
      stats.solved += block_stats[static_cast<std::size_t>(b)].solved;
      stats.qp += block_stats[static_cast<std::size_t>(b)].qp;
    }
    done += round;
  }
  if (over) {
    stats.complete = false;
    stats.why = fmt::format("max_patterns = {} programs", max_programs);
  }
}

std::string pattern_string(const std::uint64_t* bits, int n) {
  std::string s(static_cast<std::size_t>(n), '0');
  for (int i = 0; i < n; ++i) {
    if (active(bits, i)) s[static_cast<std::size_t>(i)] = '1';
  }
  return s;
}

const char* loss_name(Loss loss) {
  switch (loss) {
    case Loss::kSquare:
      return "square";
    case Loss::kL1:
      return "l1";
    case Loss::kLinf:
      return "linf";
  }
  return "?";
}

}  // namespace

Loss loss_from_name(const std::string& name) {
  if (name == "square") return Loss::kSquare;
  if (name == "l1") return Loss::kL1;
  if (name == "linf") return Loss::kLinf;
  fail("exact_relu: unknown loss '{}' (square, l1 or linf)", name);
}

double cover_count(std::int64_t n, std::int64_t d) {
  if (n <= 0) return 0.0;
  double sum = 0.0, term = 1.0;  // binom(n-1, i)
  for (std::int64_t i = 0; i <= d && i <= n - 1; ++i) {
    if (i > 0) term = term * static_cast<double>(n - i) / static_cast<double>(i);
    sum += term;
  }
  return 2.0 * sum;
}

namespace {

// The cells of the rows of Xt (no zero row), as in enumerate_patterns.
EnumerationResult enumerate_rows(const Eigen::MatrixXd& Xt, int threads, const Stopwatch& clock,
                                 double time_limit_seconds, std::int64_t max_patterns) {
  const int n = static_cast<int>(Xt.rows()), D = static_cast<int>(Xt.cols());
  const int words = (n + 63) / 64;
  EnumerationResult result;
  PatternSet set(n, words);
  // Project onto the span of the x̃_i (the cells are products with its
  // orthogonal complement); keep the raw coordinates when it is everything.
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(Xt, Eigen::ComputeFullV);
  const auto& sv = svd.singularValues();
  int r = 0;
  for (Eigen::Index q = 0; q < sv.size(); ++q) r += sv[q] > 1e-12 * sv[0];
  const Eigen::MatrixXd Y = r == D ? Xt : Eigen::MatrixXd(Xt * svd.matrixV().leftCols(r));
  const Eigen::VectorXd norms = Y.rowwise().norm();
  std::vector<std::uint64_t> bits(static_cast<std::size_t>(words));
  if (n == 0) return result;
  if (r == 1) {
    // All x̃_i are multiples of one vector: the two half-lines (with a unit
    // bias all multiples are positive: all active or none).
    for (const auto& cell : cells_of(Y)) {
      std::fill(bits.begin(), bits.end(), 0);
      for (int i = 0; i < n; ++i) {
        if (cell[static_cast<std::size_t>(i)] > 0)
          bits[static_cast<std::size_t>(i / 64)] |= std::uint64_t{1} << (i % 64);
      }
      set.insert(bits.data());
    }
    result.patterns = set.release();
    return result;
  }
  // Units of work: the first row of the (r-1)-subset; merged in unit order.
  const int units = n - (r - 1) + 1;
  const int batch = std::max(8, 4 * threads);
  for (int u0 = 0; u0 < units; u0 += batch) {
    if (clock.seconds() > time_limit_seconds || set.size() > max_patterns) {
      result.complete = false;
      break;
    }
    const int count = std::min(batch, units - u0);
    std::vector<PatternSet> local;
    local.reserve(static_cast<std::size_t>(count));
    for (int q = 0; q < count; ++q) local.emplace_back(n, words);
    std::atomic<int> next{0};
    parallel_for(threads, threads, [&](std::int64_t, std::int64_t) {
      Ray ray;
      std::vector<std::uint64_t> b(static_cast<std::size_t>(words));
      for (int q = next++; q < count; q = next++) {
        const int first = u0 + q;
        std::vector<int> subset(static_cast<std::size_t>(r - 1));
        subset[0] = first;
        for (int a = 1; a < r - 1; ++a) subset[static_cast<std::size_t>(a)] = first + a;
        PatternSet& out = local[static_cast<std::size_t>(q)];
        do {
          if (ray_at(Y, norms, subset, ray)) {
            for (const double side : {1.0, -1.0}) {
              std::fill(b.begin(), b.end(), 0);
              for (int i = 0; i < n; ++i) {
                if (side * ray.t[i] > 0)
                  b[static_cast<std::size_t>(i / 64)] |= std::uint64_t{1} << (i % 64);
              }
              for (const auto& loc : ray.local) {
                for (std::size_t z = 0; z < ray.zero.size(); ++z) {
                  const int i = ray.zero[z];
                  const std::uint64_t bit = std::uint64_t{1} << (i % 64);
                  if (loc[z] > 0) {
                    b[static_cast<std::size_t>(i / 64)] |= bit;
                  } else {
                    b[static_cast<std::size_t>(i / 64)] &= ~bit;
                  }
                }
                out.insert(b.data());
              }
            }
          }
          // Advance the tail subset[1..] over (first, n); stop when exhausted.
          if (r - 1 == 1) break;
          int i = r - 2;
          while (i >= 1 && subset[static_cast<std::size_t>(i)] == n - (r - 1) + i) --i;
          if (i < 1) break;
          ++subset[static_cast<std::size_t>(i)];
          for (int j = i + 1; j < r - 1; ++j) {
            subset[static_cast<std::size_t>(j)] = subset[static_cast<std::size_t>(j - 1)] + 1;
          }
        } while (true);
      }
    });
    for (const auto& l : local) {
      const Patterns& p = l.patterns();
      for (std::size_t q = 0; q < p.size(); ++q) set.insert(p[q]);
    }
  }
  if (set.size() > max_patterns) result.complete = false;
  result.patterns = set.release();
  return result;
}

}  // namespace

Eigen::MatrixXd lift_inputs(const Matrix& X, bool unit_bias) {
  Eigen::MatrixXd Xt(X.rows(), X.cols() + (unit_bias ? 1 : 0));
  Xt.leftCols(X.cols()) = X;
  if (unit_bias) Xt.col(X.cols()).setOnes();
  return Xt;
}

EnumerationResult enumerate_patterns(const Matrix& X, int threads, double time_limit_seconds,
                                     std::int64_t max_patterns, bool unit_bias) {
  const Stopwatch clock;
  const int n = static_cast<int>(X.rows());
  const int D = static_cast<int>(X.cols()) + (unit_bias ? 1 : 0);
  if (D > kMaxRank) {
    fail("exact_relu: dimension d = {} exceeds {}", X.cols(), kMaxRank - (unit_bias ? 1 : 0));
  }
  const Eigen::MatrixXd Xt = lift_inputs(X, unit_bias);
  std::vector<int> rows;  // the nonzero rows (all of them with a unit bias)
  for (int i = 0; i < n; ++i) {
    if (Xt.row(i).squaredNorm() > 0.0) rows.push_back(i);
  }
  if (static_cast<int>(rows.size()) == n) {
    return enumerate_rows(Xt, threads, clock, time_limit_seconds, max_patterns);
  }
  EnumerationResult result;
  const int words = (n + 63) / 64;
  result.patterns.n = n;
  result.patterns.words = words;
  if (rows.empty()) {  // every unit outputs 0 everywhere: one pattern
    result.patterns.bits.assign(static_cast<std::size_t>(words), 0);
    return result;
  }
  Eigen::MatrixXd sub(static_cast<Eigen::Index>(rows.size()), Xt.cols());
  for (std::size_t q = 0; q < rows.size(); ++q)
    sub.row(static_cast<Eigen::Index>(q)) = Xt.row(rows[q]);
  const EnumerationResult part =
      enumerate_rows(sub, threads, clock, time_limit_seconds, max_patterns);
  result.complete = part.complete;
  std::vector<std::uint64_t> bits(static_cast<std::size_t>(words));
  for (std::size_t p = 0; p < part.patterns.size(); ++p) {
    std::fill(bits.begin(), bits.end(), 0);
    for (std::size_t q = 0; q < rows.size(); ++q) {
      if (part.patterns.active(p, static_cast<int>(q))) {
        bits[static_cast<std::size_t>(rows[q] / 64)] |= std::uint64_t{1} << (rows[q] % 64);
      }
    }
    result.patterns.push(bits.data());
  }
  return result;
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

ExactReluLearner::ExactReluLearner() : spec_("exact_relu") {
  spec_
      .integer("k", 1, 0, 8,
               "hidden ReLU units (cost grows like (2·patterns)^k; k >= 3 is slow); 0 = the "
               "task's hidden_width (relu_reduction)")
      .choice("loss", "square", {"square", "l1", "linf"},
              "training loss: Σ squared residuals (QP per cell), Σ absolute residuals or the "
              "largest absolute residual (LP per cell, Clp)")
      .flag("output_bias", true, "fit an output bias c")
      .flag("unit_bias", true,
            "hidden units [w·x + b]_+ with a bias b; false: homogeneous units [w·x]_+ (the class "
            "of relu_reduction)")
      .integer("max_patterns", 100'000'000, 1, std::int64_t{1} << 50,
               "budget on distinct patterns and on convex programs (pattern tuple × signs); "
               "beyond it: status timeout with the best network found");
}

Fit ExactReluLearner::fit(const Dataset& train, const Params& params,
                          const LearnerContext& ctx) const {
  check_training_set("exact_relu", train);
  int k = static_cast<int>(params.integer("k"));
  if (k == 0) {
    k = static_cast<int>(
        task_integer(ctx.task, kHiddenWidth, "exact_relu", "k = 0", "pass -l k=K (1 <= K <= 8)"));
  }
  if (k < 1 || k > 8) fail("exact_relu: k must be in [1, 8], got {}", k);
  const bool unit_bias = params.flag("unit_bias");
  const int max_d = kMaxRank - (unit_bias ? 1 : 0);
  if (train.dim() > max_d) {
    fail(
        "exact_relu: d = {} is beyond the exact solver (d <= {}); the pattern count grows like "
        "n^d",
        train.dim(), max_d);
  }
  const Loss loss = loss_from_name(params.text("loss"));
  const bool bias = params.flag("output_bias");
  const std::int64_t max_patterns = params.integer("max_patterns");
  const int threads = std::max(1, ctx.threads);
  const double time_limit = ctx.time_limit_seconds;
  const Stopwatch clock;
  const Data data = make_data(train.X, train.y, loss, bias, unit_bias);
  const int n = data.n, D = data.D;

  Fit fit;
  const EnumerationResult en =
      enumerate_patterns(train.X, threads, time_limit, max_patterns, unit_bias);
  const Patterns& patterns = en.patterns;
  fit.stats["patterns"] = static_cast<double>(patterns.size());
  // Central arrangements in R^d have the affine count of R^{d-1}.
  fit.stats["cover_count"] = cover_count(n, train.dim() - (unit_bias ? 0 : 1));
  std::vector<std::string> notes;
  if (k >= 3) {
    notes.push_back(fmt::format(
        "warning: k = {} solves binom({}, {}) ≈ {:.3g} convex programs", k, 2 * patterns.size(), k,
        static_cast<double>(binom(static_cast<std::int64_t>(2 * patterns.size()), k))));
  }

  // Starting network: θ = 0 and the best constant.
  Best best;
  best.index = -1;
  {
    const int m = D + (bias ? 1 : 0);
    best.u = Eigen::VectorXd::Zero(m);
    if (bias) {
      std::vector<double> v(train.y.data(), train.y.data() + n);
      std::sort(v.begin(), v.end());
      best.u[m - 1] = loss == Loss::kSquare ? train.y.mean()
                      : loss == Loss::kL1   ? v[static_cast<std::size_t>(n / 2)]
                                            : 0.5 * (v.front() + v.back());
    }
    std::vector<std::uint64_t> zero(static_cast<std::size_t>((n + 63) / 64), 0);
    best.loss = honest_loss(data, {{zero.data(), 1}}, best.u);
  }
  SearchStats stats;
  stats.complete = en.complete;
  if (!en.complete) {
    stats.why = clock.seconds() > time_limit
                    ? "time limit (enumerating patterns)"
                    : fmt::format("max_patterns = {} patterns", max_patterns);
  }
  // Units 1..k in turn: each optimum (padded with zero units) starts the next.
  for (int kk = 1; kk <= k && stats.complete; ++kk) {
    if (kk > 1) {
      // Re-express the incumbent with kk units: the new unit is θ = 0.
      const int m_old = (kk - 1) * D, m_new = kk * D;
      Eigen::VectorXd u = Eigen::VectorXd::Zero(m_new + (bias ? 1 : 0));
      u.head(m_old) = best.u.head(m_old);
      if (bias) u[m_new] = best.u[m_old];
      best.u = u;
      best.index = -1;
    }
    search(data, patterns, kk, threads, clock, time_limit, max_patterns, best, stats);
  }
  if (!stats.complete) {
    fit.status = "timeout";
    notes.insert(notes.begin(),
                 fmt::format("stopped by the {} after {} programs: the network is the best found, "
                             "not a certified optimum",
                             stats.why, stats.programs));
  }
  for (std::size_t q = 0; q < notes.size(); ++q) {
    fit.message += (q ? "; " : "") + notes[q];
  }

  // The network: k units (unused ones zero).
  const int kk = static_cast<int>(best.u.size() - (bias ? 1 : 0)) / D;
  ReluNet net({static_cast<int>(train.dim()), k, 1});
  auto& L = net.layers();
  Json units = Json::array();
  for (int j = 0; j < kk; ++j) {
    const Eigen::VectorXd theta = best.u.segment(j * D, D);
    const bool have = j < best.found_k;
    const std::int64_t item = have ? best.items[static_cast<std::size_t>(j)] : 0;
    const int sign = item % 2 ? -1 : 1;
    const int d = static_cast<int>(train.dim());
    L[0].W.row(j) = theta.head(d).transpose();
    L[0].b[j] = unit_bias ? theta[d] : 0.0;
    L[1].W(0, j) = sign;
    Json unit{{"sign", sign},
              {"w", std::vector<double>(theta.data(), theta.data() + d)},
              {"b", L[0].b[j]}};
    if (have) {
      unit["pattern"] = pattern_string(patterns[static_cast<std::size_t>(item / 2)], n);
    }
    units.push_back(unit);
  }
  L[1].b[0] = bias ? best.u[best.u.size() - 1] : 0.0;
  const Vector f = net.forward(train.X);
  const Vector r = f - train.y;
  const double opt = loss == Loss::kSquare ? r.squaredNorm()
                     : loss == Loss::kL1   ? r.cwiseAbs().sum()
                                           : r.cwiseAbs().maxCoeff();
  fit.stats[metric::kOptLoss] = opt;
  fit.stats[metric::kTrainLoss] = r.squaredNorm() / static_cast<double>(n);
  fit.stats["programs"] = static_cast<double>(stats.programs);
  fit.stats["cells_solved"] = static_cast<double>(stats.solved);
  fit.stats["constrained_solves"] = static_cast<double>(stats.qp);
  fit.stats["time_limited"] = stats.complete ? 0.0 : 1.0;
  if (loss == Loss::kSquare) {
    double kkt = 0.0;
    if (best.found_k > 0) {
      std::vector<Item> items;
      for (const auto a : best.items) {
        items.push_back({patterns[static_cast<std::size_t>(a / 2)], a % 2 ? -1 : 1});
      }
      Eigen::VectorXd u(best.found_k * D + (bias ? 1 : 0));
      u.head(best.found_k * D) = best.u.head(best.found_k * D);
      if (bias) u[u.size() - 1] = best.u[best.u.size() - 1];
      kkt = kkt_residual(data, items, u);
    }
    fit.stats["kkt_residual"] = kkt;
  }
  fit.output = Json{{"network", net.to_json()}, {"units", units},  {"c", L[1].b[0]},
                    {"loss", loss_name(loss)},  {"opt_loss", opt}, {"certified", stats.complete}};
  fit.predictor = std::make_shared<ReluNetPredictor>(std::move(net));
  return fit;
}

}  // namespace hardnets::exact_relu
