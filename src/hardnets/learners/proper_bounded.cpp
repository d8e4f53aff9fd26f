#include "hardnets/learners/proper_bounded.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"
#include "hardnets/learners/proper_bounded_reduce.h"
#include "hardnets/learners/proper_bounded_search.h"
#include "hardnets/nets/relu_net.h"

namespace hardnets::proper_bounded {
namespace {

const LearnerRegistration kRegister{std::make_unique<ProperBoundedLearner>()};

constexpr double kMaxTableWork = 3e8;  // BallLattice counting work

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

ProperBoundedLearner::ProperBoundedLearner() {
  options_.cite("goel2021tight", "the bounded-weight proper learner")
      .cite("manurangsi2018computational", "training ReLUs: the upper-bound ingredients");
  using O = ProperBoundedOptions;
  options_
      .integer("k", &O::k, 1, 1, 3,
               "hidden ReLU units (the search is binom(net points, k) x output grid)")
      .real("epsilon", &O::epsilon, 0.25, 0.0, 1e6,
            "target accuracy ε: unit net of resolution ε/(2A), output grid step ε/(2k); every "
            "network of the class is within ε (sup norm on ‖x‖ <= 1) of a candidate",
            /*min_open=*/true)
      .real("output_bound", &O::output_bound, 1.0, 0.0, 1e6,
            "A: the class has Σ|a_j| <= A (and ‖w_j‖ <= 1)",
            /*min_open=*/true)
      .choice("reduce", &O::reduce, "span", {"span", "jl"},
              "dimension reduction: span (exact: project onto span{x_i}, d' = rank) or jl "
              "(Gaussian projection to d' = dim)")
      .integer("dim", &O::dim, 4, 1, 64, "jl: the target dimension d' (span ignores it)")
      .choice("search", &O::search, "net", {"net", "exact"},
              "net: ε-net of the unit ball per unit plus an output-weight grid; exact: "
              "exact_relu's pattern enumeration on the reduced data (the same homogeneous "
              "units, without the norm bounds)")
      .real("val_fraction", &O::val_fraction, 0.2, 0.0, 0.9,
            "fraction held out to choose among the shortlist; 0 = the best training loss wins")
      .integer("shortlist", &O::shortlist, 16, 1, 1'000'000,
               "net search: the best candidates on the training part scored on validation")
      .integer("max_candidates", &O::max_candidates, 100'000'000, 1, std::int64_t{1} << 50,
               "budget on candidate networks (exact: on patterns and programs); a larger net is "
               "replaced by the finest coarser one that fits, with status timeout");
}

namespace {

struct Settings {
  int k = 1;
  double epsilon = 0.0;
  double A = 0.0;  // output_bound
  bool jl = false, exact = false;
  Eigen::Index jl_dim = 0;
  double val_fraction = 0.0;
  std::size_t shortlist = 0;
  std::int64_t max_candidates = 0;
};

Settings read_settings(const ProperBoundedOptions& options) {
  Settings s;
  s.k = options.k;
  s.epsilon = options.epsilon;
  s.A = options.output_bound;
  s.jl = options.reduce == "jl";
  s.exact = options.search == "exact";
  s.jl_dim = static_cast<Eigen::Index>(options.dim);
  s.val_fraction = options.val_fraction;
  s.shortlist = static_cast<std::size_t>(options.shortlist);
  s.max_candidates = options.max_candidates;
  return s;
}

// The training and validation parts in reduced coordinates x' = liftᵀx.
struct Reduced {
  const Dataset& fit_part;
  const Dataset& val_part;
  Matrix lift;  // d x d'
  Matrix Xr;    // fit_part.X * lift
  Matrix Xv;    // val_part.X * lift
  int dim = 0;  // d'
};

void join_notes(Fit& fit, const std::vector<std::string>& notes) {
  for (std::size_t q = 0; q < notes.size(); ++q) fit.message += (q ? "; " : "") + notes[q];
}

// search = exact: exact_relu's enumeration (homogeneous units, square loss)
// on the reduced training part within the remaining time, lifted back.
Fit exact_search(Fit fit, const Settings& s, const Reduced& r, Eigen::Index d,
                 const LearnerContext& ctx, const Stopwatch& clock) {
  const int k = s.k;
  const Learner& solver = learner_registry().get("exact_relu");
  const Params solver_params = solver.spec().resolve(std::vector<std::string>{
      "k=" + std::to_string(k), "loss=square", "output_bias=false", "unit_bias=false",
      "max_patterns=" + std::to_string(s.max_candidates)});
  Dataset reduced;
  reduced.X = r.Xr;
  reduced.y = r.fit_part.y;
  LearnerContext solver_ctx = ctx;
  solver_ctx.time_limit_seconds = ctx.time_limit_seconds - clock.seconds();
  const Fit solved = solver.fit(reduced, solver_params, solver_ctx);
  const ReluNet small = ReluNet::from_json(solved.output.at("network"));
  ReluNet net({static_cast<int>(d), k, 1});
  net.layers()[0].W = small.layers()[0].W * r.lift.transpose();
  net.layers()[0].b = small.layers()[0].b;
  net.layers()[1] = small.layers()[1];
  fit.status = solved.status;
  std::vector<std::string> notes;
  if (!solved.message.empty()) notes.push_back("exact search: " + solved.message);
  for (const char* key : {"programs", "patterns"}) {
    if (solved.stats.count(key)) fit.stats[key] = solved.stats.at(key);
  }
  fit.stats["net_points"] = solved.stats.count("programs") ? solved.stats.at("programs") : 0.0;
  fit.stats["time_limited"] = solved.status == Outcome::ok ? 0.0 : 1.0;
  fit.stats[metric::kTrainLoss] = mean_squared_error(ReluNetPredictor(net), r.fit_part);
  if (r.val_part.size() > 0) {
    fit.stats["val_loss"] = mean_squared_error(ReluNetPredictor(net), r.val_part);
  }
  fit.output = Json{{"network", net.to_json()}, {"dim", r.dim}, {"search", "exact"}};
  fit.predictor = std::make_shared<ReluNetPredictor>(std::move(net));
  join_notes(fit, notes);
  return fit;
}

// Why the searched net is not the one asked for, or resolves less than ε.
std::vector<std::string> net_notes(const Settings& s, const NetChoice& net, int dim,
                                   double max_norm) {
  std::vector<std::string> notes;
  if (net.coarsened) {
    notes.push_back(fmt::format(
        "the epsilon = {} net (about {:.3g} points per unit in d' = {}) exceeds max_candidates = "
        "{}{}; searched the coarser epsilon = {:.4g} net instead",
        s.epsilon, net.requested_points, dim, s.max_candidates,
        s.k >= 2 ? fmt::format(" or the {} cached points of k >= 2", kMaxGramPoints) : "",
        net.shape.epsilon));
  }
  if (max_norm > 1.0 + 1e-9) {
    notes.push_back(
        fmt::format("inputs have norm up to {:.3g} > 1 (after reduction): the net's sup-norm "
                    "resolution is epsilon times that",
                    max_norm));
  }
  return notes;
}

// The chosen candidate as the fit: the network lifted to R^d, its units in
// both coordinates, the search's statistics and status.
Fit net_result(Fit fit, std::vector<std::string> notes, const Settings& s, const Reduced& r,
               const NetChoice& net, const SearchResult& result, const Chosen& chosen,
               Eigen::Index outputs, Eigen::Index d, const LearnerContext& ctx) {
  const int k = s.k;
  const Candidate& best = chosen.best;
  ReluNet relu({static_cast<int>(d), k, 1});
  relu.layers()[0].W = best.W * r.lift.transpose();
  relu.layers()[0].b.setZero();
  relu.layers()[1].W = best.a.transpose();
  relu.layers()[1].b.setZero();
  if (result.time_limited) {
    notes.insert(
        notes.begin(),
        fmt::format("time limit of {} s reached after {} of {:.0f} candidates: the network "
                    "is the best found so far",
                    ctx.time_limit_seconds, result.evaluated, static_cast<double>(net.total)));
  }
  if (net.coarsened || result.time_limited) fit.status = Outcome::time_limit;
  join_notes(fit, notes);
  fit.stats["net_points"] = static_cast<double>(result.evaluated);
  fit.stats["candidates"] = static_cast<double>(net.total);
  fit.stats["ball_points"] = static_cast<double>(net.lattice->size());
  fit.stats["output_points"] = static_cast<double>(outputs);
  fit.stats["net_theory"] = theoretical_net_size(s.epsilon, s.A, r.dim);
  fit.stats["epsilon_searched"] = net.shape.epsilon;
  fit.stats["time_limited"] = (net.coarsened || result.time_limited) ? 1.0 : 0.0;
  fit.stats[metric::kTrainLoss] = network_mse(r.Xr, r.fit_part.y, best.W, best.a);
  if (r.val_part.size() > 0) fit.stats["val_loss"] = chosen.score;
  Json units = Json::array();
  for (int j = 0; j < k; ++j) {
    const Vector w = relu.layers()[0].W.row(j).transpose();
    const Vector wr = best.W.row(j).transpose();
    units.push_back(Json{{"a", best.a[j]},
                         {"w", std::vector<double>(w.data(), w.data() + w.size())},
                         {"w_reduced", std::vector<double>(wr.data(), wr.data() + wr.size())}});
  }
  fit.output = Json{{"network", relu.to_json()},
                    {"units", units},
                    {"dim", r.dim},
                    {"reduce", s.jl ? "jl" : "span"},
                    {"epsilon_searched", net.shape.epsilon}};
  fit.predictor = std::make_shared<ReluNetPredictor>(std::move(relu));
  return fit;
}

}  // namespace

Fit ProperBoundedLearner::fit_impl(const Dataset& train, const Params& params,
                                   const LearnerContext& ctx) const {
  check_training_set("proper_bounded", train, true);
  const Stopwatch clock;
  const ProperBoundedOptions options = options_.read(params);
  const Settings s = read_settings(options);
  const int threads = std::max(1, ctx.threads);
  const Eigen::Index d = train.dim();
  const Rng root(ctx.seed, stream_id("proper_bounded"));

  // 1. Split.
  const ValidationSplit split =
      validation_split("proper_bounded", train, s.val_fraction, root.substream("split"));

  // 2. Reduce: x' = liftᵀ x, w = lift w' (lift is d x d').
  const Matrix lift = s.jl ? jl_lift(d, s.jl_dim, root.substream("jl")) : span_basis(split.fit.X);
  const Reduced r{split.fit,          split.val,          lift,
                  split.fit.X * lift, split.val.X * lift, static_cast<int>(lift.cols())};
  const double max_norm = r.Xr.rowwise().norm().maxCoeff();
  Fit fit;
  fit.stats["dim"] = r.dim;
  fit.stats["max_input_norm"] = max_norm;
  fit.stats[metric::kSamples] = static_cast<double>(r.Xr.rows());
  if (s.exact) return exact_search(std::move(fit), s, r, d, ctx, clock);

  // 3. The net (the requested ε, or the finest coarser one within the
  // budget), the search on the training part, the choice on validation.
  const NetChoice net = choose_net(s.epsilon, s.A, s.k, r.dim, r.Xr.rows(), s.max_candidates);
  std::vector<std::string> notes = net_notes(s, net, r.dim, max_norm);
  const Matrix a_net = output_grid(s.k, net.shape);
  const SearchResult result = search_net(r.Xr, split.fit.y, net, a_net, s.shortlist, threads, clock,
                                         ctx.time_limit_seconds);
  const Chosen chosen = choose_on_validation(result, net, a_net, s.k, r.Xv, split.val.y);
  return net_result(std::move(fit), std::move(notes), s, r, net, result, chosen, a_net.rows(), d,
                    ctx);
}

}  // namespace hardnets::proper_bounded
