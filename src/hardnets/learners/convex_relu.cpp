#include "hardnets/learners/convex_relu.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <set>
#include <vector>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>

#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"
#include "hardnets/core/rng.h"
#include "hardnets/learners/exact_relu.h"

namespace hardnets::convex_relu {
namespace {

const LearnerRegistration kRegister{std::make_unique<ConvexReluLearner>()};

constexpr int kCheckEvery = 20;           // iterations between duality-gap checks
constexpr double kMaxDenseEntries = 2e8;  // n · P · (d + 1) doubles
constexpr double kNnlsTol = 1e-14;        // relative dual-feasibility tolerance

// Projection of z onto the cone {v : A v ≥ 0} (A: n x D), by Lawson–Hanson
// NNLS on the dual: v = z + Aᵀλ, λ ≥ 0, min ‖z + Aᵀλ‖.
// This is not numerics/nnls: the same method with other numerical choices
// (complete orthogonal decomposition on the passive set, which tolerates the
// rank-deficient sets of degenerate cones; a drop rule relative to max |λ|;
// 4n + 10 outer and inner steps). Those choices change λ in the last bits,
// and FISTA carries them into every later iterate and duality-gap check, so
// sharing one routine would change this learner's results.
Eigen::VectorXd project_cone(const Eigen::MatrixXd& A, const Eigen::VectorXd& z) {
  const Eigen::VectorXd Az = A * z;
  if (Az.minCoeff() >= 0) return z;
  const int n = static_cast<int>(A.rows());
  const double scale = A.rowwise().norm().maxCoeff() * std::max(1.0, z.norm());
  Eigen::VectorXd lambda = Eigen::VectorXd::Zero(n);
  std::vector<char> in(static_cast<std::size_t>(n), 0);
  Eigen::VectorXd v = z;
  for (int outer = 0; outer < 4 * n + 10; ++outer) {
    // Gradient of −½‖z + Aᵀλ‖²: w = −A v; add the most violated constraint.
    const Eigen::VectorXd w = -(A * v);
    int t = -1;
    double best = kNnlsTol * scale;
    for (int i = 0; i < n; ++i) {
      if (!in[static_cast<std::size_t>(i)] && w[i] > best) {
        best = w[i];
        t = i;
      }
    }
    if (t < 0) break;
    in[static_cast<std::size_t>(t)] = 1;
    for (int inner = 0; inner < 4 * n + 10; ++inner) {
      std::vector<int> P;
      for (int i = 0; i < n; ++i) {
        if (in[static_cast<std::size_t>(i)]) P.push_back(i);
      }
      Eigen::MatrixXd E(A.cols(), static_cast<Eigen::Index>(P.size()));
      for (std::size_t q = 0; q < P.size(); ++q) E.col(static_cast<Eigen::Index>(q)) = A.row(P[q]);
      const Eigen::VectorXd s = E.completeOrthogonalDecomposition().solve(-z);
      Eigen::VectorXd trial = Eigen::VectorXd::Zero(n);
      for (std::size_t q = 0; q < P.size(); ++q) trial[P[q]] = s[static_cast<Eigen::Index>(q)];
      bool positive = true;
      double alpha = 1.0;
      for (const int i : P) {
        if (trial[i] <= 0) {
          positive = false;
          alpha = std::min(alpha, lambda[i] / (lambda[i] - trial[i]));
        }
      }
      if (positive) {
        lambda = trial;
        break;
      }
      lambda += alpha * (trial - lambda);
      for (const int i : P) {
        if (lambda[i] <= 1e-15 * (1.0 + lambda.cwiseAbs().maxCoeff())) {
          lambda[i] = 0;
          in[static_cast<std::size_t>(i)] = 0;
        }
      }
    }
    v = z + A.transpose() * lambda;
  }
  return v;
}

struct Problem {
  Eigen::MatrixXd Xt;  // n x D
  Eigen::VectorXd y;
  std::vector<Eigen::MatrixXd> signs;  // per pattern: (2D_i − I) X̃ (n x D)
  std::vector<std::vector<char>> act;  // per pattern: active points
  Eigen::MatrixXd A;                   // n x P·D: [D_1 X̃, ..., D_P X̃]
  int n = 0, D = 0, P = 0;
  bool bias = true;
  double beta = 0;
};

// x = (V, W, c) flattened: V (P·D), W (P·D), c.
struct Point {
  Eigen::VectorXd v, w;
  double c = 0;
};

Eigen::VectorXd predict(const Problem& pr, const Point& x) {
  Eigen::VectorXd f = pr.A * (x.v - x.w);
  if (pr.bias) f.array() += x.c;
  return f;
}

double group_norms(const Problem& pr, const Eigen::VectorXd& u) {
  double s = 0;
  for (int i = 0; i < pr.P; ++i) s += u.segment(static_cast<Eigen::Index>(i) * pr.D, pr.D).norm();
  return s;
}

double primal(const Problem& pr, const Point& x) {
  const Eigen::VectorXd r = predict(pr, x) - pr.y;
  return 0.5 * r.squaredNorm() + pr.beta * (group_norms(pr, x.v) + group_norms(pr, x.w));
}

// The dual lower bound from the residual r = f − y.
double dual_bound(const Problem& pr, Eigen::VectorXd rho) {
  if (pr.bias) rho.array() -= rho.mean();
  double worst = 0;
  for (int i = 0; i < pr.P; ++i) {
    Eigen::VectorXd g = Eigen::VectorXd::Zero(pr.D);
    for (int p = 0; p < pr.n; ++p) {
      if (pr.act[static_cast<std::size_t>(i)][static_cast<std::size_t>(p)])
        g += rho[p] * pr.Xt.row(p).transpose();
    }
    const Eigen::MatrixXd& S = pr.signs[static_cast<std::size_t>(i)];
    worst = std::max(worst, project_cone(S, -g).norm());
    worst = std::max(worst, project_cone(S, g).norm());
  }
  const double smax = worst > pr.beta ? pr.beta / worst : 1.0;
  const double rr = rho.squaredNorm(), ry = rho.dot(pr.y);
  double s = rr > 0 ? std::clamp(-ry / rr, 0.0, smax) : 0.0;
  return -s * ry - 0.5 * s * s * rr;
}

// prox of τβ‖·‖ + ι_K on every block of u (in place).
void prox_blocks(const Problem& pr, Eigen::VectorXd& u, double tb) {
  for (int i = 0; i < pr.P; ++i) {
    auto blk = u.segment(static_cast<Eigen::Index>(i) * pr.D, pr.D);
    if (blk.norm() <= tb) {
      blk.setZero();
      continue;
    }
    const Eigen::VectorXd p = project_cone(pr.signs[static_cast<std::size_t>(i)], blk);
    const double norm = p.norm();
    if (norm <= tb) {
      blk.setZero();
    } else {
      blk = (1.0 - tb / norm) * p;
    }
  }
}

struct SolveResult {
  Point x;
  double primal = 0, dual = 0;
  std::int64_t iterations = 0, restarts = 0;
  bool converged = false, timed_out = false;
};

SolveResult fista(const Problem& pr, double tol, std::int64_t max_iters, double time_limit,
                  const Stopwatch& clock) {
  // L = λ_max of the Gram matrix of (v, w, c) ↦ Â(v − w) + c·1.
  Eigen::MatrixXd G = 2.0 * pr.A * pr.A.transpose();
  if (pr.bias) G.array() += 1.0;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(G, Eigen::EigenvaluesOnly);
  const double L = std::max(es.eigenvalues().maxCoeff(), 1e-12) * (1.0 + 1e-9);
  const double tau = 1.0 / L, tb = tau * pr.beta;
  const Eigen::Index m = static_cast<Eigen::Index>(pr.P) * pr.D;

  SolveResult out;
  Point x{Eigen::VectorXd::Zero(m), Eigen::VectorXd::Zero(m), pr.bias ? pr.y.mean() : 0.0};
  Point z = x;
  double t = 1.0;
  double fx = primal(pr, x);
  for (std::int64_t it = 1; it <= max_iters; ++it) {
    // Gradient step at the extrapolated point z, then the prox.
    const Eigen::VectorXd r = predict(pr, z) - pr.y;
    const Eigen::VectorXd g = pr.A.transpose() * r;
    Point xn{z.v - tau * g, z.w + tau * g, pr.bias ? z.c - tau * r.sum() : 0.0};
    prox_blocks(pr, xn.v, tb);
    prox_blocks(pr, xn.w, tb);
    const double fn = primal(pr, xn);
    out.iterations = it;
    // Restart (O'Donoghue–Candès) when the objective rises beyond rounding or
    // the step points against the momentum: drop the momentum.
    const double dot =
        (z.v - xn.v).dot(xn.v - x.v) + (z.w - xn.w).dot(xn.w - x.w) + (z.c - xn.c) * (xn.c - x.c);
    if (fn > fx + 1e-14 * std::max(1.0, std::abs(fx)) || (t > 1.0 && dot > 0)) {
      ++out.restarts;
      t = 1.0;
      z = x;
      if (fn <= fx) {
        x = std::move(xn);
        fx = fn;
        z = x;
      }
      continue;
    }
    const double tn = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * t * t));
    const double mom = (t - 1.0) / tn;
    z.v = xn.v + mom * (xn.v - x.v);
    z.w = xn.w + mom * (xn.w - x.w);
    z.c = xn.c + mom * (xn.c - x.c);
    x = std::move(xn);
    fx = fn;
    t = tn;
    if (it % kCheckEvery == 0 || it == max_iters) {
      const double dual = dual_bound(pr, predict(pr, x) - pr.y);
      out.dual = std::max(out.dual, dual);
      if (fx - out.dual <= tol * std::max(1.0, fx)) {
        out.converged = true;
        break;
      }
      if (clock.seconds() > time_limit) {
        out.timed_out = true;
        break;
      }
    }
  }
  out.x = x;
  out.primal = fx;
  if (!out.converged) out.dual = std::max(out.dual, dual_bound(pr, predict(pr, x) - pr.y));
  return out;
}

}  // namespace

double regularised_objective(const ReluNet& net, const Matrix& X, const Vector& y, double beta) {
  const auto& L = net.layers();
  if (L.size() != 2) fail("convex_relu: the regularised objective needs one hidden layer");
  const Vector r = net.forward(X) - y;
  return 0.5 * r.squaredNorm() +
         0.5 * beta * (L[0].W.squaredNorm() + L[0].b.squaredNorm() + L[1].W.squaredNorm());
}

ConvexReluLearner::ConvexReluLearner() {
  options_.cite("pilanci2020convex", "the convex program");
  using O = ConvexReluOptions;
  options_
      .real("beta", &O::beta, 1e-2, 0.0, 1e12,
            "weight decay β > 0: (β/2) Σ_j (‖(w_j, b_j)‖² + a_j²), i.e. β Σ "
            "‖v_i‖ in the convex "
            "program",
            true)
      .integer("patterns", &O::patterns, 0, 0, 100'000'000,
               "0: all activation patterns (exact); P > 0: patterns of P "
               "Gaussian directions "
               "(an upper bound)")
      .integer("prune_to", &O::prune_to, 0, 0, 1'000'000,
               "0: the convex solution's network (one unit per nonzero group); "
               "k > 0: keep the k "
               "heaviest groups and refit their cells for the square loss "
               "without weight decay "
               "(a k-unit network: an upper bound on the k-unit optimum)")
      .flag("output_bias", &O::output_bias, true, "fit an unpenalised output bias c")
      .flag("unit_bias", &O::unit_bias, true,
            "hidden units [w·x + b]_+; false: homogeneous units [w·x]_+ "
            "(relu_reduction's class)")
      .real("tol", &O::tol, 1e-10, 0.0, 1.0, "stop when the duality gap <= tol·max(1, objective)",
            true)
      .integer("max_iters", &O::max_iters, 200'000, 1, 1'000'000'000, "FISTA iterations at most");
}

namespace {

// Activation patterns as indicator vectors (the all-inactive one, which
// contributes nothing, dropped).
struct PatternList {
  std::vector<std::vector<char>> patterns;
  bool complete = true;  // false: the enumeration stopped at the time limit
};

// All patterns (sampled == 0: exact_relu's enumeration) or those of
// `sampled` Gaussian directions g, 1[X̃g > 0], first occurrences in draw order.
PatternList activation_patterns(const Problem& pr, const Matrix& X, std::int64_t sampled,
                                bool unit_bias, const LearnerContext& ctx) {
  PatternList out;
  auto& pats = out.patterns;
  if (sampled == 0) {
    if (pr.D > 16) {
      fail("convex_relu: all patterns need d <= {} (use patterns = P)", unit_bias ? 15 : 16);
    }
    const auto en = exact_relu::enumerate_patterns(X, std::max(1, ctx.threads),
                                                   ctx.time_limit_seconds, INT64_MAX, unit_bias);
    out.complete = en.complete;
    for (std::size_t p = 0; p < en.patterns.size(); ++p) {
      std::vector<char> a(static_cast<std::size_t>(pr.n));
      for (int i = 0; i < pr.n; ++i) a[static_cast<std::size_t>(i)] = en.patterns.active(p, i);
      pats.push_back(std::move(a));
    }
  } else {
    Rng rng(ctx.seed, stream_id("convex_relu.gates"));
    std::set<std::vector<char>> seen;
    Eigen::VectorXd g(pr.D);
    for (std::int64_t s = 0; s < sampled; ++s) {
      rng.fill_normal({g.data(), static_cast<std::size_t>(g.size())});
      const Eigen::VectorXd z = pr.Xt * g;
      std::vector<char> a(static_cast<std::size_t>(pr.n));
      for (int i = 0; i < pr.n; ++i) a[static_cast<std::size_t>(i)] = z[i] > 0;
      if (seen.insert(a).second) pats.push_back(std::move(a));
    }
  }
  std::erase_if(pats, [](const std::vector<char>& a) {
    return std::none_of(a.begin(), a.end(), [](char c) { return c != 0; });
  });
  return out;
}

// The program's matrices for the patterns: Â = [D_1 X̃, ..., D_P X̃] and the
// cone rows (2D_i − I) X̃.
void set_patterns(Problem& pr, const std::vector<std::vector<char>>& pats) {
  pr.P = static_cast<int>(pats.size());
  if (static_cast<double>(pr.n) * pr.P * pr.D > kMaxDenseEntries) {
    fail(
        "convex_relu: {} patterns × n = {} × (d + 1) exceed the dense budget; "
        "sample fewer",
        pr.P, pr.n);
  }
  pr.act = pats;
  pr.A = Eigen::MatrixXd::Zero(pr.n, static_cast<Eigen::Index>(pr.P) * pr.D);
  for (int i = 0; i < pr.P; ++i) {
    Eigen::MatrixXd S = pr.Xt;
    for (int p = 0; p < pr.n; ++p) {
      if (pats[static_cast<std::size_t>(i)][static_cast<std::size_t>(p)]) {
        pr.A.block(p, static_cast<Eigen::Index>(i) * pr.D, 1, pr.D) = pr.Xt.row(p);
      } else {
        S.row(p) *= -1.0;
      }
    }
    pr.signs.push_back(std::move(S));
  }
}

// The network read off the convex solution: one unit (u_j, α_j) per nonzero
// group, and the groups themselves.
struct Group {
  int pattern;
  int side;
  double norm;
};

struct Units {
  std::vector<Eigen::VectorXd> us;
  std::vector<double> alphas;
  std::vector<Group> groups;
  double c = 0.0;
};

// v_i ≠ 0 gives u = v_i/√‖v_i‖, α = √‖v_i‖; w_i ≠ 0 gives α = −√‖w_i‖.
Units map_back(const Problem& pr, const Point& x) {
  Units out;
  for (int i = 0; i < pr.P; ++i) {
    for (const double side : {1.0, -1.0}) {
      const Eigen::VectorXd blk =
          (side > 0 ? x.v : x.w).segment(static_cast<Eigen::Index>(i) * pr.D, pr.D);
      const double norm = blk.norm();
      if (norm == 0) continue;
      out.us.push_back(blk / std::sqrt(norm));
      out.alphas.push_back(side * std::sqrt(norm));
      out.groups.push_back({i, side > 0 ? 1 : -1, norm});
    }
  }
  out.c = x.c;
  return out;
}

// Rounding to a k-unit network: the k heaviest groups fix k (pattern, sign)
// cells, whose square-loss program (no weight decay; exact_relu's cell
// solver, sign constraints included) gives the weights. An upper bound on the
// k-unit optimum, comparable with exact_relu's. Returns the cell's loss.
double prune(Units& units, std::size_t prune_to, const Problem& pr,
             const std::vector<std::vector<char>>& pats, const Dataset& train, bool unit_bias) {
  auto& groups = units.groups;
  std::stable_sort(groups.begin(), groups.end(),
                   [](const Group& a, const Group& b) { return a.norm > b.norm; });
  groups.resize(std::min(groups.size(), prune_to));
  std::vector<exact_relu::Unit> cells;
  for (const Group& b : groups) {
    exact_relu::Unit unit;
    unit.pattern.assign(static_cast<std::size_t>((pr.n + 63) / 64), 0);
    for (int q = 0; q < pr.n; ++q) {
      if (pats[static_cast<std::size_t>(b.pattern)][static_cast<std::size_t>(q)]) {
        unit.pattern[static_cast<std::size_t>(q / 64)] |= std::uint64_t{1} << (q % 64);
      }
    }
    unit.sign = b.side;
    cells.push_back(std::move(unit));
  }
  const exact_relu::CellSolution cell = exact_relu::solve_cell(
      train.X, train.y, cells, exact_relu::Loss::kSquare, pr.bias, 1e300, unit_bias);
  units.us.clear();
  units.alphas.clear();
  for (const auto& unit : cell.units) {
    units.us.push_back(unit.theta);
    units.alphas.push_back(unit.sign);
  }
  units.c = cell.c;
  return cell.loss;
}

// The one-hidden-layer network of `units` (at least one hidden unit).
ReluNet make_network(const Units& units, int d, bool unit_bias, bool output_bias) {
  const int k = static_cast<int>(units.us.size());
  ReluNet net({d, std::max(k, 1), 1});
  auto& L = net.layers();
  for (int j = 0; j < k; ++j) {
    L[0].W.row(j) = units.us[static_cast<std::size_t>(j)].head(d).transpose();
    L[0].b[j] = unit_bias ? units.us[static_cast<std::size_t>(j)][d] : 0.0;
    L[1].W(0, j) = units.alphas[static_cast<std::size_t>(j)];
  }
  L[1].b[0] = output_bias ? units.c : 0.0;
  return net;
}

}  // namespace

Fit ConvexReluLearner::fit_impl(const Dataset& train, const Params& params,
                                const LearnerContext& ctx) const {
  check_training_set("convex_relu", train);
  const ConvexReluOptions options = options_.read(params);
  const double beta = options.beta;
  if (!(beta > 0)) fail("convex_relu: beta must be > 0, got {}", beta);
  const std::int64_t sampled = options.patterns;
  const Stopwatch clock;
  Problem pr;
  pr.n = static_cast<int>(train.X.rows());
  const bool unit_bias = options.unit_bias;
  pr.Xt = exact_relu::lift_inputs(train.X, unit_bias);
  pr.D = static_cast<int>(pr.Xt.cols());
  pr.bias = options.output_bias;
  pr.beta = beta;
  pr.y = train.y;

  const PatternList pl = activation_patterns(pr, train.X, sampled, unit_bias, ctx);
  const bool complete = pl.complete;
  set_patterns(pr, pl.patterns);
  const SolveResult sol = fista(pr, options.tol, options.max_iters, ctx.time_limit_seconds, clock);

  // Map back: one unit per nonzero group, optionally pruned to the heaviest.
  Units mapped = map_back(pr, sol.x);
  const auto prune_to = static_cast<std::size_t>(options.prune_to);
  const std::size_t convex_units = mapped.us.size();
  double pruned_loss = -1.0;
  if (prune_to > 0 && !mapped.groups.empty()) {
    pruned_loss = prune(mapped, prune_to, pr, pl.patterns, train, unit_bias);
  }
  const int units = static_cast<int>(mapped.us.size());
  ReluNet net = make_network(mapped, static_cast<int>(train.dim()), unit_bias, pr.bias);
  const double nonconvex = regularised_objective(net, train.X, train.y, beta);
  const Vector r = net.forward(train.X) - train.y;
  Fit fit;
  const bool exact = sampled == 0 && complete;
  std::vector<std::string> notes;
  if (!sol.converged) {
    fit.status = sol.timed_out ? Outcome::time_limit : Outcome::iteration_limit;
    notes.push_back(fmt::format(
        "stopped by the {} after {} iterations with "
        "duality gap {:.3g}: the objective is an "
        "upper bound",
        sol.timed_out ? "time limit" : "max_iters", sol.iterations, sol.primal - sol.dual));
  }
  if (!complete) notes.push_back("pattern enumeration stopped by the time limit: an upper bound");
  if (sampled > 0) {
    notes.push_back(
        fmt::format("{} sampled patterns: the objective is an "
                    "upper bound on the regularised optimum",
                    pr.P));
  }
  for (std::size_t q = 0; q < notes.size(); ++q) fit.message += (q ? "; " : "") + notes[q];
  // The convex optimum is the regularised optimum of the unpruned network only.
  if (exact && sol.converged && pruned_loss < 0) fit.stats[metric::kOptLoss] = sol.primal;
  fit.stats["objective"] = sol.primal;
  fit.stats["dual_bound"] = sol.dual;
  fit.stats["duality_gap"] = sol.primal - sol.dual;
  fit.stats["nonconvex_objective"] = nonconvex;
  fit.stats["patterns"] = pr.P;
  fit.stats["units"] = units;
  if (pruned_loss >= 0) {
    fit.stats["convex_units"] = static_cast<double>(convex_units);
    fit.stats["pruned_loss"] = pruned_loss;
    fit.message += fmt::format(
        "{}pruned from {} to {} units (heaviest groups, "
        "square-loss refit in their cells)",
        fit.message.empty() ? "" : "; ", convex_units, units);
  }
  fit.stats["iterations"] = static_cast<double>(sol.iterations);
  fit.stats["restarts"] = static_cast<double>(sol.restarts);
  fit.stats[metric::kTrainLoss] = r.squaredNorm() / static_cast<double>(pr.n);
  fit.output =
      Json{{"network", net.to_json()},         {"objective", sol.primal}, {"dual_bound", sol.dual},
           {"nonconvex_objective", nonconvex}, {"units", units},          {"patterns", pr.P},
           {"exact", exact && sol.converged}};
  fit.predictor = std::make_shared<ReluNetPredictor>(std::move(net));
  return fit;
}

}  // namespace hardnets::convex_relu
