#include "hardnets/learners/exact_relu_arrangement.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <set>
#include <vector>

#include <Eigen/LU>
#include <Eigen/QR>
#include <Eigen/SVD>

#include "hardnets/core/error.h"
#include "hardnets/core/parallel.h"
#include "hardnets/core/resources.h"
#include "hardnets/estimate/training.h"

namespace hardnets::exact_relu {
namespace {

constexpr double kZeroTol = 1e-10;  // |ρ·x̃| <= tol ‖x̃‖: the point lies on the ray

using SmallMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, kMaxRank, kMaxRank>;

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

double cover_count(std::int64_t n, std::int64_t d) {
  // d + 1 homogeneous coordinates: the estimator's count (estimate/training.h).
  return d < 0 ? 0.0 : estimate::cover_count(n, d + 1);
}

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

}  // namespace hardnets::exact_relu
