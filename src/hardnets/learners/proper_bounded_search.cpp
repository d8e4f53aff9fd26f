#include "hardnets/learners/proper_bounded_search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "hardnets/core/error.h"
#include "hardnets/core/parallel.h"

namespace hardnets::proper_bounded {
namespace {

constexpr std::int64_t kPointBlock = 256;       // ball points per unit of work (k = 1)
constexpr std::int64_t kUnitsPerRound = 64;     // units between two reads of the clock
constexpr double kMaxActivationValues = 6.4e7;  // k >= 2: m x N activations (512 MiB)

// binom(n, k) for k <= 3 in 64 bits (n < 2^20 here) and in long double.
std::uint64_t binom_small(std::uint64_t n, int k) {
  if (static_cast<std::uint64_t>(k) > n) return 0;
  std::uint64_t r = 1;
  for (int i = 0; i < k; ++i) r = r * (n - static_cast<std::uint64_t>(i)) / (i + 1);
  return r;
}
long double binom_ld(long double n, int k) {
  if (n < k) return 0.0L;
  long double r = 1.0L;
  for (int i = 0; i < k; ++i) r = r * (n - i) / (i + 1);
  return r;
}

// #{u ∈ Z^k : Σ|u_j| <= M} = Σ_j 2^j binom(k, j) binom(M, j).
long double l1_ball_count(int k, std::int64_t radius) {
  long double total = 0.0L;
  for (int j = 0; j <= k; ++j) {
    total += std::ldexp(1.0L, j) * binom_ld(k, j) * binom_ld(static_cast<long double>(radius), j);
  }
  return total;
}

// log of a lower bound on the number of lattice points in the ball of radius
// R in dimension n: the ball of radius R - √n/2 is covered by the unit cubes
// around them, so the count is at least its volume.
double log_lattice_lower_bound(int n, double radius) {
  const double r = radius - 0.5 * std::sqrt(static_cast<double>(n));
  if (r <= 0.0) return 0.0;
  return 0.5 * n * std::log(std::numbers::pi) - std::lgamma(0.5 * n + 1.0) + n * std::log(r);
}

}  // namespace

void Shortlist::offer(double loss, std::uint64_t index) {
  const std::pair<double, std::uint64_t> item{loss, index};
  if (items_.size() == capacity_ && !(item < items_.back())) return;
  items_.insert(std::upper_bound(items_.begin(), items_.end(), item), item);
  if (items_.size() > capacity_) items_.pop_back();
}

void Shortlist::merge(const Shortlist& other) {
  for (const auto& [loss, index] : other.items_) offer(loss, index);
}

// A ball point h z, projected onto the unit ball.
Vector ball_point(const std::vector<std::int64_t>& z, double step) {
  Vector g(static_cast<Eigen::Index>(z.size()));
  for (std::size_t t = 0; t < z.size(); ++t) {
    g[static_cast<Eigen::Index>(t)] = step * static_cast<double>(z[t]);
  }
  const double norm = g.norm();
  if (norm > 1.0) g /= norm;
  return g;
}

// Colex unranking: the k-subset {j_1 < ... < j_k} of rank `ordinal`.
std::vector<std::uint64_t> unrank_subset(std::uint64_t ordinal, int k) {
  std::vector<std::uint64_t> out(static_cast<std::size_t>(k));
  for (int t = k; t >= 1; --t) {
    std::uint64_t j = static_cast<std::uint64_t>(t - 1);
    while (binom_small(j + 1, t) <= ordinal) ++j;
    out[static_cast<std::size_t>(t - 1)] = j;
    ordinal -= binom_small(j, t);
  }
  return out;
}

double network_mse(const Matrix& X, const Vector& y, const Matrix& W, const Vector& a) {
  if (X.rows() == 0) return std::numeric_limits<double>::quiet_NaN();
  const Vector f = (X * W.transpose()).cwiseMax(0.0) * a;
  return (f - y).squaredNorm() / static_cast<double>(X.rows());
}

NetChoice choose_net(double epsilon, double output_bound, int k, int dim, Eigen::Index m,
                     std::int64_t max_candidates) {
  const double A = output_bound;
  const double log_budget = std::log(static_cast<double>(max_candidates));
  NetChoice out;
  out.requested_points = std::numeric_limits<double>::quiet_NaN();
  for (int j = 0; j <= 16 * 64; ++j) {
    const double eps_j = epsilon * std::exp2(j / 16.0);
    const NetShape s = NetShape::make(eps_j, A, k, dim);
    const long double outputs = l1_ball_count(k, s.output_radius);
    const double radius = std::sqrt(static_cast<double>(s.q_max));
    const double log_low = log_lattice_lower_bound(dim, radius);
    if (j == 0) out.requested_points = std::exp(log_low);
    // Rigorously too large: skip without counting.
    const double log_tuples_low =
        k * std::log(std::max(1.0, std::exp(log_low) - k)) - std::lgamma(k + 1.0);
    if (log_tuples_low + std::log(static_cast<double>(outputs)) > log_budget + 1e-9) continue;
    std::optional<BallLattice> candidate = BallLattice::make(dim, s.q_max);
    if (!candidate) continue;
    const std::uint64_t N = candidate->size();
    if (j == 0) out.requested_points = static_cast<double>(N);
    if (N < static_cast<std::uint64_t>(k)) {
      if (j == 0) {
        fail(
            "proper_bounded: epsilon = {} gives a net of only {} point(s) per unit (output_bound "
            "= {}, d' = {}), fewer than k = {}; lower epsilon",
            epsilon, N, A, dim, k);
      }
      break;
    }
    const long double tuples = binom_ld(static_cast<long double>(N), k);
    const bool fits_memory =
        k == 1 || (N <= kMaxGramPoints &&
                   static_cast<double>(N) * static_cast<double>(m) <= kMaxActivationValues);
    if (N < BallLattice::kSaturated && fits_memory &&
        tuples * outputs <= static_cast<long double>(max_candidates)) {
      out.lattice = std::move(candidate);
      out.shape = s;
      out.total = tuples * outputs;
      out.coarsened = j > 0;
      break;
    }
  }
  if (!out.lattice) {
    fail(
        "proper_bounded: no net for k = {} fits max_candidates = {} (d' = {}, output_bound = {}); "
        "raise max_candidates or lower k",
        k, max_candidates, dim, A);
  }
  return out;
}

Matrix output_grid(int k, const NetShape& shape) {
  const std::vector<std::vector<std::int64_t>> u_points = l1_ball_points(k, shape.output_radius);
  const auto outputs = static_cast<std::uint64_t>(u_points.size());
  Matrix a_net(static_cast<Eigen::Index>(outputs), k);
  for (std::uint64_t i = 0; i < outputs; ++i) {
    for (int t = 0; t < k; ++t) {
      a_net(static_cast<Eigen::Index>(i), t) =
          shape.output_step * static_cast<double>(u_points[i][static_cast<std::size_t>(t)]);
    }
  }
  return a_net;
}

namespace {

// What every unit of work of the search reads.
struct SearchInputs {
  const Matrix& Xr;  // reduced training inputs (m x d')
  const Vector& y;
  const BallLattice& lattice;
  const NetShape& shape;
  const Matrix& a_net;  // output grid (outputs x k)
  std::size_t shortlist_size;
  int threads;
  const Stopwatch& clock;
  double time_limit;
  double syy, inv_m;  // yᵀy and 1/m
};

// Runs units of work `body(unit, shortlist) -> candidates scored` in rounds of
// kUnitsPerRound, in parallel within a round, merged in unit order; the clock
// is read between rounds.
template <typename Body>
void run_units(SearchResult& result, const SearchInputs& in, std::int64_t units, Body&& body) {
  const std::size_t shortlist_size = in.shortlist_size;
  for (std::int64_t r0 = 0; r0 < units; r0 += kUnitsPerRound) {
    const std::int64_t count = std::min(kUnitsPerRound, units - r0);
    std::vector<Shortlist> lists(static_cast<std::size_t>(count), Shortlist(shortlist_size));
    std::vector<std::uint64_t> evaluated(static_cast<std::size_t>(count), 0);
    parallel_for(count, in.threads, [&](std::int64_t ub, std::int64_t ue) {
      for (std::int64_t u = ub; u < ue; ++u) {
        evaluated[static_cast<std::size_t>(u)] = body(r0 + u, lists[static_cast<std::size_t>(u)]);
      }
    });
    for (std::int64_t u = 0; u < count; ++u) {
      result.shortlist.merge(lists[static_cast<std::size_t>(u)]);
      result.evaluated += evaluated[static_cast<std::size_t>(u)];
    }
    if (r0 + count < units && in.clock.seconds() > in.time_limit) {
      result.time_limited = true;
      return;
    }
  }
}

// k = 1: units of kPointBlock ball points; a point's activation vector z
// gives every output weight's loss (a² zᵀz - 2a zᵀy + yᵀy)/m.
void search_single_units(SearchResult& result, const SearchInputs& in) {
  const BallLattice* lattice = &in.lattice;
  const NetShape& shape = in.shape;
  const Matrix& Xr = in.Xr;
  const Vector& y = in.y;
  const Matrix& a_net = in.a_net;
  const double syy = in.syy, inv_m = in.inv_m;
  const std::uint64_t N = lattice->size();
  const auto outputs = static_cast<std::uint64_t>(a_net.rows());
  const auto dim = static_cast<int>(Xr.cols());
  const auto units = static_cast<std::int64_t>((N + kPointBlock - 1) / kPointBlock);
  run_units(result, in, units, [&](std::int64_t unit, Shortlist& list) -> std::uint64_t {
    const std::uint64_t begin = static_cast<std::uint64_t>(unit * kPointBlock);
    const auto count = static_cast<Eigen::Index>(
        std::min<std::uint64_t>(static_cast<std::uint64_t>(kPointBlock), N - begin));
    Matrix Pb(count, dim);
    for (Eigen::Index i = 0; i < count; ++i) {
      Pb.row(i) =
          ball_point(lattice->point(begin + static_cast<std::uint64_t>(i)), shape.step).transpose();
    }
    const Eigen::MatrixXd Z = (Xr * Pb.transpose()).cwiseMax(0.0);
    const Vector szz = Z.colwise().squaredNorm().transpose();
    const Vector szy = Z.transpose() * y;
    for (Eigen::Index i = 0; i < count; ++i) {
      const std::uint64_t base = (begin + static_cast<std::uint64_t>(i)) * outputs;
      for (std::uint64_t q = 0; q < outputs; ++q) {
        const double a = a_net(static_cast<Eigen::Index>(q), 0);
        list.offer((a * a * szz[i] - 2.0 * a * szy[i] + syy) * inv_m, base + q);
      }
    }
    return static_cast<std::uint64_t>(count) * outputs;
  });
}

// k >= 2: every ball point's activations once, their Gram matrix G = ZᵀZ and
// c = Zᵀy; then one unit of work per largest index j_k, the tuples inside it
// in colex order, each scored from the k x k block of G.
void search_unit_tuples(SearchResult& result, const SearchInputs& in) {
  const BallLattice* lattice = &in.lattice;
  const NetShape& shape = in.shape;
  const Matrix& Xr = in.Xr;
  const Vector& y = in.y;
  const Matrix& a_net = in.a_net;
  const double syy = in.syy, inv_m = in.inv_m;
  const int threads = in.threads;
  const std::uint64_t N = lattice->size();
  const auto outputs = static_cast<std::uint64_t>(a_net.rows());
  const auto dim = static_cast<int>(Xr.cols());
  const auto k = static_cast<int>(a_net.cols());
  const Eigen::Index m = Xr.rows();
  Matrix& P = result.points;
  const auto Np = static_cast<Eigen::Index>(N);
  P.resize(Np, dim);
  parallel_for(Np, threads, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) {
      P.row(i) = ball_point(lattice->point(static_cast<std::uint64_t>(i)), shape.step).transpose();
    }
  });
  // Activations Z (m x N), their Gram matrix G = ZᵀZ and c = Zᵀy, in fixed
  // blocks of points.
  Eigen::MatrixXd Z(m, Np);
  const Eigen::Index blocks = (Np + kPointBlock - 1) / kPointBlock;
  parallel_for(blocks, threads, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t u = b; u < e; ++u) {
      const Eigen::Index c0 = u * kPointBlock, count = std::min<Eigen::Index>(kPointBlock, Np - c0);
      Z.middleCols(c0, count) = (Xr * P.middleRows(c0, count).transpose()).cwiseMax(0.0);
    }
  });
  Eigen::MatrixXd G(Np, Np);
  Vector c(Np);
  parallel_for(blocks, threads, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t u = b; u < e; ++u) {
      const Eigen::Index r0 = u * kPointBlock, count = std::min<Eigen::Index>(kPointBlock, Np - r0);
      G.middleRows(r0, count) = Z.middleCols(r0, count).transpose() * Z;
      c.segment(r0, count) = Z.middleCols(r0, count).transpose() * y;
    }
  });
  Z.resize(0, 0);
  // One unit per largest index j_k; tuples in colex order inside it.
  const std::int64_t units = Np - (k - 1);
  run_units(result, in, units, [&](std::int64_t unit, Shortlist& list) -> std::uint64_t {
    const auto jk = static_cast<Eigen::Index>(unit + (k - 1));
    std::uint64_t evaluated = 0;
    std::vector<Eigen::Index> S(static_cast<std::size_t>(k));
    S[static_cast<std::size_t>(k - 1)] = jk;
    auto score = [&](std::uint64_t ordinal) {
      double g[3][3], cs[3];
      for (int p = 0; p < k; ++p) {
        cs[p] = c[S[static_cast<std::size_t>(p)]];
        for (int q = 0; q < k; ++q) {
          g[p][q] = G(S[static_cast<std::size_t>(p)], S[static_cast<std::size_t>(q)]);
        }
      }
      const std::uint64_t base = ordinal * outputs;
      for (std::uint64_t q = 0; q < outputs; ++q) {
        const auto row = static_cast<Eigen::Index>(q);
        double value = syy;
        for (int p = 0; p < k; ++p) {
          const double ap = a_net(row, p);
          value -= 2.0 * ap * cs[p];
          for (int r = 0; r < k; ++r) value += ap * g[p][r] * a_net(row, r);
        }
        list.offer(value * inv_m, base + q);
      }
      evaluated += outputs;
    };
    if (k == 2) {
      for (Eigen::Index j1 = 0; j1 < jk; ++j1) {
        S[0] = j1;
        score(binom_small(static_cast<std::uint64_t>(jk), 2) + static_cast<std::uint64_t>(j1));
      }
    } else {
      for (Eigen::Index j2 = 1; j2 < jk; ++j2) {
        S[1] = j2;
        for (Eigen::Index j1 = 0; j1 < j2; ++j1) {
          S[0] = j1;
          score(binom_small(static_cast<std::uint64_t>(jk), 3) +
                binom_small(static_cast<std::uint64_t>(j2), 2) + static_cast<std::uint64_t>(j1));
        }
      }
    }
    return evaluated;
  });
}

}  // namespace

SearchResult search_net(const Matrix& Xr, const Vector& y, const NetChoice& net,
                        const Matrix& a_net, std::size_t shortlist_size, int threads,
                        const Stopwatch& clock, double time_limit) {
  const SearchInputs in{Xr,
                        y,
                        *net.lattice,
                        net.shape,
                        a_net,
                        shortlist_size,
                        threads,
                        clock,
                        time_limit,
                        y.squaredNorm(),
                        1.0 / static_cast<double>(Xr.rows())};
  SearchResult result;
  result.shortlist = Shortlist(shortlist_size);
  if (a_net.cols() == 1) {
    search_single_units(result, in);
  } else {
    search_unit_tuples(result, in);
  }
  return result;
}

Chosen choose_on_validation(const SearchResult& result, const NetChoice& net, const Matrix& a_net,
                            int k, const Matrix& Xv, const Vector& yv) {
  const BallLattice* lattice = &*net.lattice;
  const NetShape& shape = net.shape;
  const Matrix& P = result.points;
  const auto outputs = static_cast<std::uint64_t>(a_net.rows());
  const auto dim = static_cast<int>(Xv.cols());
  const Eigen::Index n_val = Xv.rows();
  auto decode = [&](std::uint64_t index) {
    Candidate cand;
    const std::uint64_t tuple = index / outputs, q = index % outputs;
    cand.W.resize(k, dim);
    if (k == 1) {
      cand.W.row(0) = ball_point(lattice->point(tuple), shape.step).transpose();
    } else {
      const std::vector<std::uint64_t> S = unrank_subset(tuple, k);
      for (int t = 0; t < k; ++t) {
        cand.W.row(t) = P.row(static_cast<Eigen::Index>(S[static_cast<std::size_t>(t)]));
      }
    }
    cand.a = a_net.row(static_cast<Eigen::Index>(q)).transpose();
    return cand;
  };
  Candidate best;
  best.W = Matrix::Zero(k, dim);
  best.a = Vector::Zero(k);
  double best_val = std::numeric_limits<double>::infinity();
  const auto& items = result.shortlist.items();
  for (std::size_t i = 0; i < items.size(); ++i) {
    Candidate cand = decode(items[i].second);
    const double score = n_val > 0 ? network_mse(Xv, yv, cand.W, cand.a) : items[i].first;
    if (i == 0 || score < best_val) {
      best_val = score;
      best = std::move(cand);
    }
  }
  return Chosen{std::move(best), best_val};
}

}  // namespace hardnets::proper_bounded
