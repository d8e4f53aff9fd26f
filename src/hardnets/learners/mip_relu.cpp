#include "hardnets/learners/mip_relu.h"

#include "hardnets/learners/exact_relu.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"
#include "hardnets/nets/relu_net.h"
#include "hardnets/numerics/lp.h"

namespace hardnets::mip_relu {
namespace {

const LearnerRegistration kRegister{std::make_unique<MipReluLearner>()};

constexpr double kInf = kLpInf;
constexpr double kLpTol = 1e-10;      // Clp primal/dual tolerances of the polish LPs
constexpr double kActiveTol = 1e-7;   // box scale t >= 1 - this: the bound is active
constexpr double kIntegerTol = 1e-9;  // CBC integrality tolerance (σ ≈ 0/1 to this)

struct Instance {
  Eigen::MatrixXd Xt;  // n x D rows x̃_i = (x_i, 1)
  Eigen::VectorXd y;
  Eigen::VectorXd M;  // big-M per point: B ‖x̃_i‖_1 (= B (‖x_i‖_1 + 1) with a unit bias)
  int n = 0, D = 0, k = 0;
  bool l1 = true, bias = true;
  double B = 0, Ba = 0;  // box on θ = |a|(w, b) and on c
};

// A network in the a = ±1 form: f = Σ_j s_j [θ_j·x̃]_+ + c.
struct Net {
  std::vector<int> signs;
  Eigen::MatrixXd theta;  // k x D
  double c = 0.0;
  double loss = kInf;      // honest Σ|r| or max|r| with real ReLUs
  double box_scale = 0.0;  // smallest t with the cell's optimum in t·box
};

double honest_loss(const Instance& in, const Net& net) {
  Eigen::VectorXd f = Eigen::VectorXd::Constant(in.n, net.c);
  for (int j = 0; j < in.k; ++j) {
    f += net.signs[static_cast<std::size_t>(j)] *
         (in.Xt * net.theta.row(j).transpose()).cwiseMax(0.0);
  }
  const Eigen::VectorXd r = f - in.y;
  return in.l1 ? r.cwiseAbs().sum() : r.cwiseAbs().maxCoeff();
}

double box_scale(const Instance& in, const Net& net) {
  double t = std::abs(net.c) / in.Ba;
  if (net.theta.size() > 0) t = std::max(t, net.theta.cwiseAbs().maxCoeff() / in.B);
  return t;
}

// The best constant output: the median (l1) or the midrange (linf), clipped.
double best_constant(const Instance& in) {
  if (!in.bias) return 0.0;
  std::vector<double> v(in.y.data(), in.y.data() + in.n);
  std::sort(v.begin(), v.end());
  const double c = in.l1 ? v[static_cast<std::size_t>(in.n / 2)] : 0.5 * (v.front() + v.back());
  return std::clamp(c, -in.Ba, in.Ba);
}

// Columns of one MIP / LP: θ (k x D), c, residual columns.
struct Layout {
  int theta0 = 0, c = -1, resid0 = 0;
  int th(int j, int q, int D) const { return theta0 + j * D + q; }
};

// Adds θ, c and the residual columns with their rows; `f_terms(i)` gives the
// terms of f_i − c. Returns the layout.
template <typename F>
Layout add_fit(LinearModel& m, const Instance& in, double resid_cost, F f_terms) {
  Layout lay;
  lay.theta0 = m.cols();
  for (int j = 0; j < in.k; ++j) {
    for (int q = 0; q < in.D; ++q) m.col(-in.B, in.B, 0.0);
  }
  if (in.bias) lay.c = m.col(-in.Ba, in.Ba, 0.0);
  lay.resid0 = m.cols();
  if (in.l1) {
    for (int i = 0; i < in.n; ++i) m.col(0.0, kInf, resid_cost);
  } else {
    m.col(0.0, kInf, resid_cost);
  }
  for (int i = 0; i < in.n; ++i) {
    const int e = lay.resid0 + (in.l1 ? i : 0);
    for (const double side : {1.0, -1.0}) {
      // e − side (f_i − y_i) ≥ 0.
      LpTerms t = f_terms(i);
      if (in.bias) t.emplace_back(lay.c, 1.0);
      for (auto& [c, v] : t) v *= -side;
      t.emplace_back(e, 1.0);
      m.row(t, -side * in.y[i], kInf);
    }
  }
  return lay;
}

struct ClassResult {
  bool proven = false;     // optimal or infeasible under the cutoff
  bool timed_out = false;  // the time limit stopped CBC
  double lower = 0.0;      // a lower bound on this class's optimum
  bool have = false;
  Net net;                               // polished incumbent
  std::vector<std::vector<char>> sigma;  // its activation pattern (k x n)
  double nodes = 0, mip_objective = kInf;
  int cols = 0, rows = 0, binaries = 0;
};

// The cell LP for fixed signs and patterns; stage 2 minimises the box scale
// t subject to loss ≤ `target`.
Net solve_cell(const Instance& in, const std::vector<int>& signs,
               const std::vector<std::vector<char>>& sigma, bool stage2, double target, bool& ok) {
  LinearModel m;
  auto f_terms = [&](int i) {
    LpTerms t;
    for (int j = 0; j < in.k; ++j) {
      if (!sigma[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)]) continue;
      for (int q = 0; q < in.D; ++q) {
        t.emplace_back(j * in.D + q, signs[static_cast<std::size_t>(j)] * in.Xt(i, q));
      }
    }
    return t;
  };
  const Layout lay = add_fit(m, in, stage2 ? 0.0 : 1.0, f_terms);
  for (int j = 0; j < in.k; ++j) {
    for (int i = 0; i < in.n; ++i) {
      LpTerms t;
      for (int q = 0; q < in.D; ++q) t.emplace_back(lay.th(j, q, in.D), in.Xt(i, q));
      if (sigma[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)]) {
        m.row(t, 0.0, kInf);
      } else {
        m.row(t, -kInf, 0.0);
      }
    }
  }
  if (stage2) {
    const int tcol = m.col(0.0, 1.0, 1.0);
    LpTerms loss;
    for (int e = lay.resid0; e < tcol; ++e) loss.emplace_back(e, 1.0);
    m.row(loss, -kInf, target);
    for (int j = 0; j < in.k; ++j) {
      for (int q = 0; q < in.D; ++q) {
        m.row({{lay.th(j, q, in.D), 1.0}, {tcol, -in.B}}, -kInf, 0.0);
        m.row({{lay.th(j, q, in.D), -1.0}, {tcol, -in.B}}, -kInf, 0.0);
      }
    }
    if (in.bias) {
      m.row({{lay.c, 1.0}, {tcol, -in.Ba}}, -kInf, 0.0);
      m.row({{lay.c, -1.0}, {tcol, -in.Ba}}, -kInf, 0.0);
    }
  }
  LpOptions lp_options;
  lp_options.primal_tolerance = kLpTol;
  lp_options.dual_tolerance = kLpTol;
  const std::vector<double> x = solve_lp(m, lp_options).x;
  Net net;
  net.signs = signs;
  net.theta = Eigen::MatrixXd::Zero(in.k, in.D);
  ok = !x.empty();
  if (!ok) return net;
  for (int j = 0; j < in.k; ++j) {
    for (int q = 0; q < in.D; ++q)
      net.theta(j, q) = x[static_cast<std::size_t>(lay.th(j, q, in.D))];
  }
  if (in.bias) net.c = x[static_cast<std::size_t>(lay.c)];
  net.loss = honest_loss(in, net);
  net.box_scale = box_scale(in, net);
  return net;
}

// Polishes a MIP incumbent: the cell LP at tight tolerances, then the
// smallest box reaching that loss. Keeps whichever network is better.
Net polish(const Instance& in, const Net& mip, const std::vector<std::vector<char>>& sigma) {
  Net best = mip;
  bool ok = false;
  const Net one = solve_cell(in, mip.signs, sigma, false, 0.0, ok);
  if (ok && one.loss <= best.loss) best = one;
  if (!ok) return best;
  const double target = one.loss + 1e-10 * (1.0 + one.loss);
  const Net two = solve_cell(in, mip.signs, sigma, true, target, ok);
  if (ok && two.loss <= target + 1e-10 * (1.0 + one.loss)) best = two;
  return best;
}

ClassResult solve_class(const Instance& in, const std::vector<int>& signs, double cutoff,
                        double seconds) {
  LinearModel m;
  std::vector<std::vector<int>> h(static_cast<std::size_t>(in.n)),
      sg(static_cast<std::size_t>(in.n));
  // h_ij columns first (their indices are needed by f's terms).
  for (int i = 0; i < in.n; ++i) {
    for (int j = 0; j < in.k; ++j) {
      h[static_cast<std::size_t>(i)].push_back(m.col(0.0, in.M[i], 0.0));
      sg[static_cast<std::size_t>(i)].push_back(m.col(0.0, 1.0, 0.0, true));
    }
  }
  auto f_terms = [&](int i) {
    LpTerms t;
    for (int j = 0; j < in.k; ++j) {
      t.emplace_back(h[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)],
                     static_cast<double>(signs[static_cast<std::size_t>(j)]));
    }
    return t;
  };
  const Layout lay = add_fit(m, in, 1.0, f_terms);
  for (int i = 0; i < in.n; ++i) {
    const double M = in.M[i];
    for (int j = 0; j < in.k; ++j) {
      const int hc = h[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
      const int sc = sg[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
      LpTerms z;  // −z_ij
      for (int q = 0; q < in.D; ++q) z.emplace_back(lay.th(j, q, in.D), -in.Xt(i, q));
      LpTerms r1 = z;  // h − z ≥ 0
      r1.emplace_back(hc, 1.0);
      m.row(r1, 0.0, kInf);
      LpTerms r2 = z;  // h − z + M σ ≤ M
      r2.emplace_back(hc, 1.0);
      r2.emplace_back(sc, M);
      m.row(r2, -kInf, M);
      m.row({{hc, 1.0}, {sc, -M}}, -kInf, 0.0);  // h − M σ ≤ 0
    }
  }
  // Symmetry: units of one sign ordered by their bias b_j.
  for (int j = 0; j + 1 < in.k; ++j) {
    if (signs[static_cast<std::size_t>(j)] != signs[static_cast<std::size_t>(j + 1)]) continue;
    m.row({{lay.th(j, in.D - 1, in.D), 1.0}, {lay.th(j + 1, in.D - 1, in.D), -1.0}}, -kInf, 0.0);
  }
  // MIP start: θ = 0 and the best constant (h = σ = 0).
  const double c0 = best_constant(in);
  if (in.bias) m.set_start(lay.c, c0);
  if (in.l1) {
    for (int i = 0; i < in.n; ++i) m.set_start(lay.resid0 + i, std::abs(c0 - in.y[i]));
  } else {
    m.set_start(lay.resid0, (in.y.array() - c0).abs().maxCoeff());
  }

  ClassResult out;
  out.cols = m.cols();
  out.rows = m.rows();
  out.binaries = m.integers();
  MipOptions options;
  options.integer_tolerance = kIntegerTol;
  options.allowable_gap = 1e-9;
  options.fraction_gap = 1e-10;
  if (std::isfinite(cutoff)) options.cutoff = cutoff;
  if (std::isfinite(seconds)) options.seconds = std::max(seconds, 0.01);
  const MipResult mip = solve_mip(m, options);

  out.nodes = mip.nodes;
  out.timed_out = mip.time_limit;
  const bool optimal = mip.optimal;
  const bool infeasible = mip.infeasible;
  const double* x = mip.x.empty() ? nullptr : mip.x.data();
  out.proven = (optimal || infeasible) && !out.timed_out;
  if (x != nullptr) {
    out.have = true;
    out.mip_objective = mip.objective;
    Net net;
    net.signs = signs;
    net.theta = Eigen::MatrixXd::Zero(in.k, in.D);
    for (int j = 0; j < in.k; ++j) {
      for (int q = 0; q < in.D; ++q) net.theta(j, q) = x[lay.th(j, q, in.D)];
    }
    if (in.bias) net.c = x[lay.c];
    net.loss = honest_loss(in, net);
    net.box_scale = box_scale(in, net);
    out.sigma.assign(static_cast<std::size_t>(in.k), std::vector<char>(in.n, 0));
    for (int i = 0; i < in.n; ++i) {
      for (int j = 0; j < in.k; ++j) {
        out.sigma[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)] =
            x[sg[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)]] > 0.5 ? 1 : 0;
      }
    }
    out.net = polish(in, net, out.sigma);
  }
  if (optimal && out.have) {
    out.lower = std::min(out.mip_objective, out.net.loss);
  } else if (infeasible && std::isfinite(cutoff)) {
    out.lower = cutoff;  // nothing below the cutoff in this class
  } else {
    const double b = mip.best_bound;
    out.lower = std::isfinite(b) && b < 1e40 ? std::max(b, 0.0) : 0.0;
    if (out.have) out.lower = std::min(out.lower, out.net.loss);
  }
  return out;
}

}  // namespace

MipReluLearner::MipReluLearner() {
  options_.cite("cbc", "the MILP solver");
  using O = MipReluOptions;
  options_
      .integer("k", &O::k, 1, 1, 8,
               "hidden ReLU units (n·k binaries per sign class, k + 1 classes)")
      .choice("loss", &O::loss, "l1", {"square", "l1", "linf"},
              "training loss: Σ absolute residuals or the largest absolute residual (square is "
              "refused: CBC solves no MIQP; use exact_relu)")
      .flag("output_bias", &O::output_bias, true, "fit an output bias c")
      .flag("unit_bias", &O::unit_bias, true,
            "hidden units [w·x + b]_+; false: homogeneous units [w·x]_+ (relu_reduction's class)")
      .real("weight_bound", &O::weight_bound, 10.0, 0.0, 1e6,
            "box on the hidden weights and biases: absolute values <= weight_bound (> 0)", true)
      .real("output_bound", &O::output_bound, 10.0, 0.0, 1e6,
            "box on the output weights and bias: absolute values <= output_bound (> 0); big-M = "
            "weight_bound·output_bound·(‖x_i‖₁+1)",
            true);
}

Fit MipReluLearner::fit_impl(const Dataset& train, const Params& params,
                             const LearnerContext& ctx) const {
  check_training_set("mip_relu", train);
  const MipReluOptions options = options_.read(params);
  const std::string& loss_name = options.loss;
  if (loss_name == "square") {
    fail(
        "mip_relu: the square loss makes a mixed-integer QP, which CBC cannot solve; use "
        "exact_relu (exact for square loss) or loss=l1 / loss=linf");
  }
  Instance in;
  in.k = options.k;
  if (in.k < 1) fail("mip_relu: k must be >= 1, got {}", in.k);
  const double Bw = options.weight_bound, Ba = options.output_bound;
  if (!(Bw > 0) || !(Ba > 0)) {
    fail("mip_relu: weight_bound and output_bound must be > 0, got {} and {}", Bw, Ba);
  }
  in.n = static_cast<int>(train.X.rows());
  const bool unit_bias = options.unit_bias;
  const int d = static_cast<int>(train.X.cols());
  in.Xt = exact_relu::lift_inputs(train.X, unit_bias);
  in.D = static_cast<int>(in.Xt.cols());
  in.l1 = loss_name == "l1";
  in.bias = options.output_bias;
  in.B = Ba * Bw;
  in.Ba = Ba;
  in.y = train.y;
  in.M = in.B * in.Xt.cwiseAbs().rowwise().sum();
  if (in.M.maxCoeff() > 1e9) {
    fail(
        "mip_relu: big-M = {:.3g} (weight_bound·output_bound·(‖x‖₁ + 1)) is beyond what a "
        "floating-point MIP handles reliably; lower the bounds or rescale the data",
        in.M.maxCoeff());
  }

  const Stopwatch clock;
  const double limit = ctx.time_limit_seconds;
  // Sign classes: p positive units then k − p negative ones, p = k..0.
  Net best;
  best.signs.assign(static_cast<std::size_t>(in.k), 1);
  best.theta = Eigen::MatrixXd::Zero(in.k, in.D);
  best.c = best_constant(in);
  best.loss = honest_loss(in, best);
  best.box_scale = box_scale(in, best);
  double lower = kInf, nodes = 0;
  bool proven = true, timed_out = false;
  int cols = 0, rows = 0, binaries = 0;
  for (int p = in.k; p >= 0; --p) {
    std::vector<int> signs(static_cast<std::size_t>(in.k), -1);
    for (int j = 0; j < p; ++j) signs[static_cast<std::size_t>(j)] = 1;
    const double left = limit - clock.seconds();
    if (std::isfinite(limit) && left <= 0) {
      proven = false;
      timed_out = true;
      lower = 0.0;  // this class was not searched
      continue;
    }
    // Cut off what cannot beat the incumbent (the constant network at first).
    const double cutoff = best.loss + 1e-9 * (1.0 + best.loss);
    const ClassResult res = solve_class(in, signs, cutoff, left);
    nodes += res.nodes;
    cols = res.cols;
    rows = res.rows;
    binaries = res.binaries;
    proven = proven && res.proven;
    timed_out = timed_out || res.timed_out;
    lower = std::min(lower, res.lower);
    if (res.have && res.net.loss < best.loss) best = res.net;
  }
  lower = std::min(lower, best.loss);

  // The network in box form: a_j = s_j α_j, (w_j, b_j) = θ_j / α_j with
  // α_j = ‖θ_j‖_∞ / B_w ≤ B_a, so that |w|, |b| ≤ B_w and |a| ≤ B_a.
  ReluNet net({static_cast<int>(train.dim()), in.k, 1});
  auto& L = net.layers();
  Json units = Json::array();
  for (int j = 0; j < in.k; ++j) {
    const Eigen::VectorXd theta = best.theta.row(j).transpose();
    const double alpha = theta.cwiseAbs().maxCoeff() / Bw;
    const int s = best.signs[static_cast<std::size_t>(j)];
    if (alpha > 0) {
      L[0].W.row(j) = (theta.head(d) / alpha).transpose();
      L[0].b[j] = unit_bias ? theta[d] / alpha : 0.0;
      L[1].W(0, j) = s * alpha;
    }
    units.push_back(Json{{"sign", s},
                         {"w", std::vector<double>(theta.data(), theta.data() + d)},
                         {"b", unit_bias ? theta[d] : 0.0},
                         {"a", s * alpha}});
  }
  L[1].b[0] = best.c;
  const Eigen::VectorXd r = net.forward(train.X) - train.y;
  const double loss = in.l1 ? r.cwiseAbs().sum() : r.cwiseAbs().maxCoeff();

  Fit fit;
  std::vector<std::string> notes;
  const bool active = best.box_scale >= 1.0 - kActiveTol;
  if (proven) {
    fit.stats[metric::kOptLoss] = loss;
  } else {
    fit.status = Outcome::time_limit;
    notes.push_back(
        fmt::format("stopped by the time limit before proving optimality: the loss {} is an upper "
                    "bound, CBC's lower bound is {}",
                    loss, lower));
  }
  if (active) {
    notes.push_back(fmt::format(
        "warning: the weight box is active at the solution (every optimal network of its cell "
        "reaches |θ| = weight_bound·output_bound or |c| = output_bound): the loss is only the "
        "optimum within the box; raise weight_bound / output_bound"));
  }
  for (std::size_t q = 0; q < notes.size(); ++q) fit.message += (q ? "; " : "") + notes[q];
  fit.stats["upper_bound"] = loss;
  fit.stats["lower_bound"] = std::min(lower, loss);
  fit.stats["bound_active"] = active ? 1.0 : 0.0;
  fit.stats["box_scale"] = best.box_scale;
  fit.stats[metric::kTrainLoss] = r.squaredNorm() / static_cast<double>(in.n);
  fit.stats["mip_nodes"] = nodes;
  fit.stats["mip_columns"] = cols;
  fit.stats["mip_rows"] = rows;
  fit.stats["mip_binaries"] = binaries;
  fit.stats["sign_classes"] = in.k + 1;
  fit.stats["time_limited"] = timed_out ? 1.0 : 0.0;
  fit.output = Json{
      {"network", net.to_json()}, {"units", units},        {"c", best.c},
      {"loss", loss_name},        {"upper_bound", loss},   {"lower_bound", std::min(lower, loss)},
      {"certified", proven},      {"bound_active", active}};
  fit.predictor = std::make_shared<ReluNetPredictor>(std::move(net));
  return fit;
}

}  // namespace hardnets::mip_relu
