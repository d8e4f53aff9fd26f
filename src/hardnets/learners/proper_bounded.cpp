#include "hardnets/learners/proper_bounded.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <utility>

#include <Eigen/Eigenvalues>

#include "hardnets/core/error.h"
#include "hardnets/core/parallel.h"
#include "hardnets/core/resources.h"
#include "hardnets/nets/relu_net.h"

namespace hardnets::proper_bounded {
namespace {

const LearnerRegistration kRegister{std::make_unique<ProperBoundedLearner>()};

constexpr std::int64_t kPointBlock = 256;       // ball points per unit of work (k = 1)
constexpr std::int64_t kUnitsPerRound = 64;     // units between two reads of the clock
constexpr std::uint64_t kMaxGramPoints = 4096;  // k >= 2: ball points whose Gram is cached
constexpr double kMaxActivationValues = 6.4e7;  // k >= 2: m x N activations (512 MiB)
constexpr double kMaxTableWork = 3e8;           // BallLattice counting work

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return (a >= BallLattice::kSaturated || b >= BallLattice::kSaturated - a)
             ? BallLattice::kSaturated
             : a + b;
}

std::int64_t isqrt(std::int64_t q) {
  if (q <= 0) return 0;
  auto s = static_cast<std::int64_t>(std::sqrt(static_cast<double>(q)));
  while (s > 0 && s * s > q) --s;
  while ((s + 1) * (s + 1) <= q) ++s;
  return s;
}

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

// The best `capacity` (loss, index) pairs seen, ascending; ties go to the
// lower index.
class Shortlist {
 public:
  explicit Shortlist(std::size_t capacity) : capacity_(capacity) {}
  void offer(double loss, std::uint64_t index) {
    const std::pair<double, std::uint64_t> item{loss, index};
    if (items_.size() == capacity_ && !(item < items_.back())) return;
    items_.insert(std::upper_bound(items_.begin(), items_.end(), item), item);
    if (items_.size() > capacity_) items_.pop_back();
  }
  void merge(const Shortlist& other) {
    for (const auto& [loss, index] : other.items_) offer(loss, index);
  }
  const std::vector<std::pair<double, std::uint64_t>>& items() const { return items_; }

 private:
  std::size_t capacity_;
  std::vector<std::pair<double, std::uint64_t>> items_;
};

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

// The candidate network in reduced coordinates.
struct Candidate {
  Matrix W;  // k x d'
  Vector a;  // k
};

double network_mse(const Matrix& X, const Vector& y, const Matrix& W, const Vector& a) {
  if (X.rows() == 0) return std::numeric_limits<double>::quiet_NaN();
  const Vector f = (X * W.transpose()).cwiseMax(0.0) * a;
  return (f - y).squaredNorm() / static_cast<double>(X.rows());
}

struct SearchResult {
  Shortlist shortlist{1};
  std::uint64_t evaluated = 0;
  bool time_limited = false;
};

}  // namespace

std::optional<BallLattice> BallLattice::make(int dim, std::int64_t q_max) {
  if (dim < 1 || q_max < 0) return std::nullopt;
  const double rows = std::max(0, dim - 2);
  const double per_row = (4.0 / 3.0) * std::pow(static_cast<double>(q_max) + 1.0, 1.5) +
                         static_cast<double>(q_max) + 1.0;
  if (rows * per_row > kMaxTableWork) return std::nullopt;
  BallLattice lattice;
  lattice.dim_ = dim;
  lattice.q_max_ = q_max;
  const auto width = static_cast<std::size_t>(q_max + 1);
  lattice.table_.assign(static_cast<std::size_t>(rows) * width, 0);
  for (int t = 2; t < dim; ++t) {
    std::uint64_t* row = lattice.table_.data() + static_cast<std::size_t>(t - 2) * width;
    for (std::int64_t q = 0; q <= q_max; ++q) {
      std::uint64_t total = 0;
      const std::int64_t s = isqrt(q);
      for (std::int64_t v = -s; v <= s; ++v)
        total = saturating_add(total, lattice.count(t - 1, q - v * v));
      row[q] = total;
    }
  }
  lattice.size_ = lattice.count(dim, q_max);
  return lattice;
}

std::uint64_t BallLattice::count(int t, std::int64_t q) const {
  if (q < 0) return 0;
  if (t == 0) return 1;
  if (t == 1) return 2 * static_cast<std::uint64_t>(isqrt(q)) + 1;
  if (t < dim_) {
    return table_[static_cast<std::size_t>(t - 2) * static_cast<std::size_t>(q_max_ + 1) +
                  static_cast<std::size_t>(q)];
  }
  // t == dim_: one sum over the first coordinate.
  std::uint64_t total = 0;
  const std::int64_t s = isqrt(q);
  for (std::int64_t v = -s; v <= s; ++v) total = saturating_add(total, count(t - 1, q - v * v));
  return total;
}

std::vector<std::int64_t> BallLattice::point(std::uint64_t ordinal) const {
  std::vector<std::int64_t> z(static_cast<std::size_t>(dim_), 0);
  std::int64_t q = q_max_;
  for (int t = 0; t < dim_; ++t) {
    const int rest = dim_ - 1 - t;
    const std::int64_t s = isqrt(q);
    for (std::int64_t v = -s; v <= s; ++v) {
      const std::uint64_t c = count(rest, q - v * v);
      if (ordinal < c) {
        z[static_cast<std::size_t>(t)] = v;
        q -= v * v;
        break;
      }
      ordinal -= c;
    }
  }
  return z;
}

NetShape NetShape::make(double epsilon, double output_bound, int k, int dim) {
  NetShape s;
  s.epsilon = epsilon;
  s.step = epsilon / (output_bound * std::sqrt(static_cast<double>(dim)));
  const double radius = (1.0 + epsilon / (2.0 * output_bound)) / s.step;
  // A relative 1e-12 keeps values that are integers in exact arithmetic.
  const double q = std::floor(radius * radius * (1.0 + 1e-12));
  s.q_max = q > 4e18 ? std::int64_t{4'000'000'000'000'000'000} : static_cast<std::int64_t>(q);
  s.output_step = epsilon / (2.0 * k);
  const double r = std::floor(output_bound / s.output_step * (1.0 + 1e-12));
  s.output_radius = r > 1e15 ? std::int64_t{1'000'000'000'000'000} : static_cast<std::int64_t>(r);
  return s;
}

std::vector<std::vector<std::int64_t>> l1_ball_points(int k, std::int64_t radius) {
  std::vector<std::vector<std::int64_t>> out;
  std::vector<std::int64_t> u(static_cast<std::size_t>(k), 0);
  auto rec = [&](auto&& self, int t, std::int64_t left) -> void {
    if (t == k) {
      out.push_back(u);
      return;
    }
    for (std::int64_t v = -left; v <= left; ++v) {
      u[static_cast<std::size_t>(t)] = v;
      self(self, t + 1, left - std::abs(v));
    }
  };
  rec(rec, 0, radius);
  return out;
}

double theoretical_net_size(double epsilon, double output_bound, int dim) {
  return std::pow(6.0 * output_bound / epsilon, dim);
}

ProperBoundedLearner::ProperBoundedLearner() : spec_("proper_bounded") {
  spec_
      .integer("k", 1, 1, 3, "hidden ReLU units (the search is binom(net points, k) x output grid)")
      .real("epsilon", 0.25, 0.0, 1e6,
            "target accuracy ε: unit net of resolution ε/(2A), output grid step ε/(2k); every "
            "network of the class is within ε (sup norm on ‖x‖ <= 1) of a candidate",
            /*min_open=*/true)
      .real("output_bound", 1.0, 0.0, 1e6, "A: the class has Σ|a_j| <= A (and ‖w_j‖ <= 1)",
            /*min_open=*/true)
      .choice("reduce", "span", {"span", "jl"},
              "dimension reduction: span (exact: project onto span{x_i}, d' = rank) or jl "
              "(Gaussian projection to d' = dim)")
      .integer("dim", 4, 1, 64, "jl: the target dimension d' (span ignores it)")
      .choice("search", "net", {"net", "exact"},
              "net: ε-net of the unit ball per unit plus an output-weight grid; exact: "
              "exact_relu's pattern enumeration on the reduced data (the same homogeneous "
              "units, without the norm bounds)")
      .real("val_fraction", 0.2, 0.0, 0.9,
            "fraction held out to choose among the shortlist; 0 = the best training loss wins")
      .integer("shortlist", 16, 1, 1'000'000,
               "net search: the best candidates on the training part scored on validation")
      .integer("max_candidates", 100'000'000, 1, std::int64_t{1} << 50,
               "budget on candidate networks (exact: on patterns and programs); a larger net is "
               "replaced by the finest coarser one that fits, with status timeout");
}

Fit ProperBoundedLearner::fit_impl(const Dataset& train, const Params& params,
                                   const LearnerContext& ctx) const {
  check_training_set("proper_bounded", train, true);
  const Stopwatch clock;
  const int k = static_cast<int>(params.integer("k"));
  const double epsilon = params.real("epsilon");
  const double A = params.real("output_bound");
  const bool jl = params.text("reduce") == "jl";
  const bool exact = params.text("search") == "exact";
  const double val_fraction = params.real("val_fraction");
  const auto shortlist_size = static_cast<std::size_t>(params.integer("shortlist"));
  const std::int64_t max_candidates = params.integer("max_candidates");
  const int threads = std::max(1, ctx.threads);
  const Eigen::Index d = train.dim();
  const Rng root(ctx.seed, stream_id("proper_bounded"));

  // 1. Split.
  const ValidationSplit split =
      validation_split("proper_bounded", train, val_fraction, root.substream("split"));
  const Dataset& fit_part = split.fit;
  const Dataset& val_part = split.val;
  const Eigen::Index m = fit_part.size(), n_val = val_part.size();

  // 2. Reduce: x' = liftᵀ x, w = lift w' (lift is d x d').
  Matrix lift;
  if (jl) {
    const auto dim = static_cast<Eigen::Index>(params.integer("dim"));
    Matrix G(dim, d);
    Rng g = root.substream("jl");
    g.fill_normal({G.data(), static_cast<std::size_t>(G.size())});
    G /= std::sqrt(static_cast<double>(dim));
    lift = G.transpose();
  } else {
    const Matrix& X = fit_part.X;
    Eigen::Index rank = 0;
    Eigen::MatrixXd basis;
    if (d <= m) {
      const Eigen::MatrixXd S = X.transpose() * X;
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(S);
      const Vector& lambda = eig.eigenvalues();  // ascending
      const double top = lambda[d - 1];
      for (Eigen::Index i = 0; i < d; ++i) {
        if (top > 0.0 && lambda[i] > 1e-12 * top) ++rank;
      }
      if (rank == d) {
        basis = Eigen::MatrixXd::Identity(d, d);
      } else {
        basis = eig.eigenvectors().rightCols(rank);
      }
    } else {
      const Eigen::MatrixXd M = X * X.transpose();
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(M);
      const Vector& lambda = eig.eigenvalues();
      const double top = lambda[m - 1];
      for (Eigen::Index i = 0; i < m; ++i) {
        if (top > 0.0 && lambda[i] > 1e-12 * top) ++rank;
      }
      basis = X.transpose() * eig.eigenvectors().rightCols(rank);
      for (Eigen::Index j = 0; j < rank; ++j) {
        basis.col(j) /= std::sqrt(lambda[m - rank + j]);
      }
    }
    if (rank == 0) basis = Eigen::MatrixXd::Identity(d, 1);  // all inputs are 0
    lift = basis;
  }
  const int dim = static_cast<int>(lift.cols());
  const Matrix Xr = fit_part.X * lift;
  const Matrix Xv = val_part.X * lift;
  const Vector& y = fit_part.y;
  const double max_norm = Xr.rowwise().norm().maxCoeff();

  Fit fit;
  fit.stats["dim"] = dim;
  fit.stats["max_input_norm"] = max_norm;
  fit.stats[metric::kSamples] = static_cast<double>(m);
  std::vector<std::string> notes;

  if (exact) {
    const Learner& solver = learner_registry().get("exact_relu");
    const Params solver_params = solver.spec().resolve(std::vector<std::string>{
        "k=" + std::to_string(k), "loss=square", "output_bias=false", "unit_bias=false",
        "max_patterns=" + std::to_string(max_candidates)});
    Dataset reduced;
    reduced.X = Xr;
    reduced.y = y;
    LearnerContext solver_ctx = ctx;
    solver_ctx.time_limit_seconds = ctx.time_limit_seconds - clock.seconds();
    const Fit solved = solver.fit(reduced, solver_params, solver_ctx);
    const ReluNet small = ReluNet::from_json(solved.output.at("network"));
    ReluNet net({static_cast<int>(d), k, 1});
    net.layers()[0].W = small.layers()[0].W * lift.transpose();
    net.layers()[0].b = small.layers()[0].b;
    net.layers()[1] = small.layers()[1];
    fit.status = solved.status;
    if (!solved.message.empty()) notes.push_back("exact search: " + solved.message);
    for (const char* key : {"programs", "patterns"}) {
      if (solved.stats.count(key)) fit.stats[key] = solved.stats.at(key);
    }
    fit.stats["net_points"] = solved.stats.count("programs") ? solved.stats.at("programs") : 0.0;
    fit.stats["time_limited"] = solved.status == Outcome::ok ? 0.0 : 1.0;
    fit.stats[metric::kTrainLoss] = mean_squared_error(ReluNetPredictor(net), fit_part);
    if (n_val > 0) fit.stats["val_loss"] = mean_squared_error(ReluNetPredictor(net), val_part);
    fit.output = Json{{"network", net.to_json()}, {"dim", dim}, {"search", "exact"}};
    fit.predictor = std::make_shared<ReluNetPredictor>(std::move(net));
    for (std::size_t q = 0; q < notes.size(); ++q) fit.message += (q ? "; " : "") + notes[q];
    return fit;
  }

  // 3. The net: the requested ε, or the finest coarser one within the budget.
  const double log_budget = std::log(static_cast<double>(max_candidates));
  std::optional<BallLattice> lattice;
  NetShape shape;
  long double total = 0.0L;
  double requested_points = std::numeric_limits<double>::quiet_NaN();
  bool coarsened = false;
  for (int j = 0; j <= 16 * 64; ++j) {
    const double eps_j = epsilon * std::exp2(j / 16.0);
    const NetShape s = NetShape::make(eps_j, A, k, dim);
    const long double outputs = l1_ball_count(k, s.output_radius);
    const double radius = std::sqrt(static_cast<double>(s.q_max));
    const double log_low = log_lattice_lower_bound(dim, radius);
    if (j == 0) requested_points = std::exp(log_low);
    // Rigorously too large: skip without counting.
    const double log_tuples_low =
        k * std::log(std::max(1.0, std::exp(log_low) - k)) - std::lgamma(k + 1.0);
    if (log_tuples_low + std::log(static_cast<double>(outputs)) > log_budget + 1e-9) continue;
    std::optional<BallLattice> candidate = BallLattice::make(dim, s.q_max);
    if (!candidate) continue;
    const std::uint64_t N = candidate->size();
    if (j == 0) requested_points = static_cast<double>(N);
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
      lattice = std::move(candidate);
      shape = s;
      total = tuples * outputs;
      coarsened = j > 0;
      break;
    }
  }
  if (!lattice) {
    fail(
        "proper_bounded: no net for k = {} fits max_candidates = {} (d' = {}, output_bound = {}); "
        "raise max_candidates or lower k",
        k, max_candidates, dim, A);
  }
  if (coarsened) {
    notes.push_back(fmt::format(
        "the epsilon = {} net (about {:.3g} points per unit in d' = {}) exceeds max_candidates = "
        "{}{}; searched the coarser epsilon = {:.4g} net instead",
        epsilon, requested_points, dim, max_candidates,
        k >= 2 ? fmt::format(" or the {} cached points of k >= 2", kMaxGramPoints) : "",
        shape.epsilon));
  }
  if (max_norm > 1.0 + 1e-9) {
    notes.push_back(
        fmt::format("inputs have norm up to {:.3g} > 1 (after reduction): the net's sup-norm "
                    "resolution is epsilon times that",
                    max_norm));
  }

  const std::uint64_t N = lattice->size();
  const std::vector<std::vector<std::int64_t>> u_points = l1_ball_points(k, shape.output_radius);
  const auto outputs = static_cast<std::uint64_t>(u_points.size());
  Matrix a_net(static_cast<Eigen::Index>(outputs), k);
  for (std::uint64_t i = 0; i < outputs; ++i) {
    for (int t = 0; t < k; ++t) {
      a_net(static_cast<Eigen::Index>(i), t) =
          shape.output_step * static_cast<double>(u_points[i][static_cast<std::size_t>(t)]);
    }
  }
  const double syy = y.squaredNorm();
  const double inv_m = 1.0 / static_cast<double>(m);

  // Units of work and their results, merged in unit order.
  SearchResult result;
  result.shortlist = Shortlist(shortlist_size);
  auto run_units = [&](std::int64_t units, auto&& body) {
    for (std::int64_t r0 = 0; r0 < units; r0 += kUnitsPerRound) {
      const std::int64_t count = std::min(kUnitsPerRound, units - r0);
      std::vector<Shortlist> lists(static_cast<std::size_t>(count), Shortlist(shortlist_size));
      std::vector<std::uint64_t> evaluated(static_cast<std::size_t>(count), 0);
      parallel_for(count, threads, [&](std::int64_t ub, std::int64_t ue) {
        for (std::int64_t u = ub; u < ue; ++u) {
          evaluated[static_cast<std::size_t>(u)] = body(r0 + u, lists[static_cast<std::size_t>(u)]);
        }
      });
      for (std::int64_t u = 0; u < count; ++u) {
        result.shortlist.merge(lists[static_cast<std::size_t>(u)]);
        result.evaluated += evaluated[static_cast<std::size_t>(u)];
      }
      if (r0 + count < units && clock.seconds() > ctx.time_limit_seconds) {
        result.time_limited = true;
        return;
      }
    }
  };

  Matrix P;  // k >= 2: every ball point (N x d')
  if (k == 1) {
    const auto units = static_cast<std::int64_t>((N + kPointBlock - 1) / kPointBlock);
    run_units(units, [&](std::int64_t unit, Shortlist& list) -> std::uint64_t {
      const std::uint64_t begin = static_cast<std::uint64_t>(unit * kPointBlock);
      const auto count = static_cast<Eigen::Index>(
          std::min<std::uint64_t>(static_cast<std::uint64_t>(kPointBlock), N - begin));
      Matrix Pb(count, dim);
      for (Eigen::Index i = 0; i < count; ++i) {
        Pb.row(i) = ball_point(lattice->point(begin + static_cast<std::uint64_t>(i)), shape.step)
                        .transpose();
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
  } else {
    const auto Np = static_cast<Eigen::Index>(N);
    P.resize(Np, dim);
    parallel_for(Np, threads, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) {
        P.row(i) =
            ball_point(lattice->point(static_cast<std::uint64_t>(i)), shape.step).transpose();
      }
    });
    // Activations Z (m x N), their Gram matrix G = ZᵀZ and c = Zᵀy, in fixed
    // blocks of points.
    Eigen::MatrixXd Z(m, Np);
    const Eigen::Index blocks = (Np + kPointBlock - 1) / kPointBlock;
    parallel_for(blocks, threads, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t u = b; u < e; ++u) {
        const Eigen::Index c0 = u * kPointBlock,
                           count = std::min<Eigen::Index>(kPointBlock, Np - c0);
        Z.middleCols(c0, count) = (Xr * P.middleRows(c0, count).transpose()).cwiseMax(0.0);
      }
    });
    Eigen::MatrixXd G(Np, Np);
    Vector c(Np);
    parallel_for(blocks, threads, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t u = b; u < e; ++u) {
        const Eigen::Index r0 = u * kPointBlock,
                           count = std::min<Eigen::Index>(kPointBlock, Np - r0);
        G.middleRows(r0, count) = Z.middleCols(r0, count).transpose() * Z;
        c.segment(r0, count) = Z.middleCols(r0, count).transpose() * y;
      }
    });
    Z.resize(0, 0);
    // One unit per largest index j_k; tuples in colex order inside it.
    const std::int64_t units = Np - (k - 1);
    run_units(units, [&](std::int64_t unit, Shortlist& list) -> std::uint64_t {
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

  // Decode the shortlist and choose on validation.
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
    const double score = n_val > 0 ? network_mse(Xv, val_part.y, cand.W, cand.a) : items[i].first;
    if (i == 0 || score < best_val) {
      best_val = score;
      best = std::move(cand);
    }
  }

  ReluNet net({static_cast<int>(d), k, 1});
  net.layers()[0].W = best.W * lift.transpose();
  net.layers()[0].b.setZero();
  net.layers()[1].W = best.a.transpose();
  net.layers()[1].b.setZero();

  if (result.time_limited) {
    notes.insert(
        notes.begin(),
        fmt::format("time limit of {} s reached after {} of {:.0f} candidates: the network "
                    "is the best found so far",
                    ctx.time_limit_seconds, result.evaluated, static_cast<double>(total)));
  }
  if (coarsened || result.time_limited) fit.status = Outcome::time_limit;
  for (std::size_t q = 0; q < notes.size(); ++q) fit.message += (q ? "; " : "") + notes[q];

  fit.stats["net_points"] = static_cast<double>(result.evaluated);
  fit.stats["candidates"] = static_cast<double>(total);
  fit.stats["ball_points"] = static_cast<double>(N);
  fit.stats["output_points"] = static_cast<double>(outputs);
  fit.stats["net_theory"] = theoretical_net_size(epsilon, A, dim);
  fit.stats["epsilon_searched"] = shape.epsilon;
  fit.stats["time_limited"] = (coarsened || result.time_limited) ? 1.0 : 0.0;
  fit.stats[metric::kTrainLoss] = network_mse(Xr, y, best.W, best.a);
  if (n_val > 0) fit.stats["val_loss"] = best_val;

  Json units = Json::array();
  for (int j = 0; j < k; ++j) {
    const Vector w = net.layers()[0].W.row(j).transpose();
    const Vector wr = best.W.row(j).transpose();
    units.push_back(Json{{"a", best.a[j]},
                         {"w", std::vector<double>(w.data(), w.data() + w.size())},
                         {"w_reduced", std::vector<double>(wr.data(), wr.data() + wr.size())}});
  }
  fit.output = Json{{"network", net.to_json()},
                    {"units", units},
                    {"dim", dim},
                    {"reduce", jl ? "jl" : "span"},
                    {"epsilon_searched", shape.epsilon}};
  fit.predictor = std::make_shared<ReluNetPredictor>(std::move(net));
  return fit;
}

}  // namespace hardnets::proper_bounded
