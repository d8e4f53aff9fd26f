#include "hardnets/learners/lattice.h"

#include "hardnets/learners/bkz2.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

#include "hardnets/core/error.h"
#include "hardnets/learners/baselines.h"

namespace hardnets::lattice {

double AttackTask::effective_noise() const {
  const int p = clwe() ? std::max(precision_bits, 53) : 53;
  return std::max(noise, std::max(gamma, 1.0) * std::ldexp(1.0, 3 - p));
}

namespace {

double positive_number(const Json& task, const char* key, const std::string& who) {
  if (!task.contains(key) || !task[key].is_number())
    fail("{}: the task has no numeric '{}' (is it from the problem it expects?)", who, key);
  return task[key].get<double>();
}

}  // namespace

AttackTask parse_task(const Json& task, const std::string& who, bool accept_clwe,
                      bool accept_periodic) {
  std::string expected;
  if (accept_clwe) expected = "clwe";
  if (accept_periodic)
    expected += std::string(expected.empty() ? "" : ", ") + "periodic_neuron or clwe_relu";
  if (!task.is_object() || !task.contains("family") || !task["family"].is_string())
    fail(
        "{}: needs the public task of a {} instance (task.family missing); run it on those "
        "problems or pass their task.json",
        who, expected);
  const std::string family = task["family"].get<std::string>();
  AttackTask t;
  if (family == "clwe" && accept_clwe) {
    t.family = AttackTask::Family::kClwe;
    const std::string variant = task.value("variant", std::string("clwe"));
    if (variant != "clwe" && variant != "homogeneous")
      fail("{}: unknown clwe variant '{}' (expected clwe or homogeneous)", who, variant);
    t.homogeneous = variant == "homogeneous";
    t.noise = positive_number(task, "beta", who);
    if (t.noise < 0.0 || !std::isfinite(t.noise)) fail("{}: beta = {} must be >= 0", who, t.noise);
    if (task.contains("precision_bits") && task["precision_bits"].is_number_integer())
      t.precision_bits = task["precision_bits"].get<int>();
    if (task.contains("z_mp") && task["z_mp"].is_array())
      for (const auto& v : task["z_mp"]) t.z_mp.push_back(v.get<std::string>());
  } else if (family == "periodic" && accept_periodic) {
    t.family = AttackTask::Family::kPeriodic;
    if (!task.contains("phi") || !task["phi"].is_string())
      fail("{}: the periodic task has no link 'phi'", who);
    t.link = periodic::parse_link(task["phi"].get<std::string>());
    t.noise = positive_number(task, "sigma", who);
    if (t.noise < 0.0 || !std::isfinite(t.noise)) fail("{}: sigma = {} must be >= 0", who, t.noise);
    if (task.contains("R") && !task["R"].is_null()) {
      t.R = positive_number(task, "R", who);
      if (!(t.R > 0.0)) fail("{}: R = {} must be positive", who, t.R);
    }
  } else {
    fail("{}: works on {} tasks, got task.family = '{}'", who, expected, family);
  }
  t.gamma = positive_number(task, "gamma", who);
  if (!(t.gamma > 0.0) || !std::isfinite(t.gamma))
    fail("{}: gamma = {} must be positive", who, t.gamma);
  return t;
}

int resolve_samples(std::int64_t requested, std::int64_t fallback, const Dataset& train,
                    const std::string& who) {
  const std::int64_t d = train.dim();
  const std::int64_t have = train.size();
  const std::int64_t n = requested > 0 ? requested : std::min(fallback, have);
  if (n < d + 1)
    fail("{}: needs n >= d+1 = {} samples, got n = {}{}", who, d + 1, n,
         requested > 0 ? "" : " (the training set is too small)");
  if (n > have) fail("{}: n = {} exceeds the {} training samples", who, n, have);
  if (n > 100000) fail("{}: n = {} is beyond any lattice this learner can reduce", who, n);
  return static_cast<int>(n);
}

std::vector<Eigen::Index> select_samples(const AttackTask& task, const Dataset& train, int n) {
  std::vector<Eigen::Index> chosen, skipped;
  const double cap_value =
      std::isfinite(task.cap()) ? periodic::apply(task.link, task.cap()) : kInf;
  const double margin = 3.0 * task.effective_noise() + 1e-12;
  for (Eigen::Index i = 0; i < train.size() && static_cast<int>(chosen.size()) < n; ++i) {
    bool keep = true;
    if (!task.clwe()) {
      const double y = train.y[i];
      if (task.link == periodic::Link::kCos && std::abs(y) > 0.98) keep = false;
      if (std::abs(y - cap_value) <= margin) keep = false;
    }
    (keep ? chosen : skipped).push_back(i);
  }
  for (std::size_t j = 0; j < skipped.size() && static_cast<int>(chosen.size()) < n; ++j)
    chosen.push_back(skipped[j]);
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

// ---- integer bases ----------------------------------------------------------

void set_rounded(fplll::Z_NR<mpz_t>& entry, double value) {
  if (!std::isfinite(value)) fail("lattice: a basis entry is not finite ({})", value);
  const double r = std::nearbyint(value);
  if (std::abs(r) < 4.0e18)
    entry = static_cast<long>(r);
  else
    mpz_set_d(entry.get_data(), r);  // exact: r is an integer-valued double
}

int max_bits(const IntBasis& basis) {
  std::size_t bits = 0;
  for (int i = 0; i < basis.get_rows(); ++i)
    for (int j = 0; j < basis.get_cols(); ++j)
      if (mpz_sgn(basis[i][j].get_data()) != 0)
        bits = std::max(bits, mpz_sizeinbase(basis[i][j].get_data(), 2));
  return static_cast<int>(bits);
}

namespace {

// LLL (the wrapper; on failure the proved variant in MPFR, with more bits
// than the entries and than the dimension needs). Returns fplll's status.
int lll_stage(IntBasis& basis, const ReduceOptions& options, ReduceResult& result) {
  const int status = fplll::lll_reduction(basis, options.delta, options.eta, fplll::LM_WRAPPER,
                                          fplll::FT_DEFAULT, 0, fplll::LLL_DEFAULT);
  if (status == fplll::RED_SUCCESS) return status;
  result.retried = true;
  const int precision = std::max({result.bits + 64, 2 * basis.get_rows() + 64, 128});
  return fplll::lll_reduction(basis, options.delta, options.eta, fplll::LM_PROVED, fplll::FT_MPFR,
                              precision, fplll::LLL_DEFAULT);
}

// Textbook BKZ-block_size (no strategies: full enumeration in every block).
int bkz_stage(IntBasis& basis, const ReduceOptions& options, double left, ReduceResult& result) {
  std::vector<fplll::Strategy> strategies;
  const int block = std::max(2, std::min(options.block_size, basis.get_rows()));
  int flags = fplll::BKZ_AUTO_ABORT;
  if (std::isfinite(left)) flags |= fplll::BKZ_MAX_TIME;
  fplll::BKZParam param(block, strategies, options.delta, flags, 0,
                        std::isfinite(left) ? left : 0.0);
  // fplll's BKZ can stop on a floating-point failure ("infinite loop in
  // babai", by status or by exception). The basis is still a basis of the
  // same lattice, already LLL-reduced before BKZ started, so its rows are
  // read as they are and reducer_status records the failure (reducer = bkz2
  // raises the precision instead).
  int status;
  try {
    status = fplll::bkz_reduction(&basis, nullptr, param, fplll::FT_DEFAULT, 0);
  } catch (const std::exception&) {
    status = fplll::RED_BABAI_FAILURE;
  }
  if (status == fplll::RED_SUCCESS) result.block_size_reached = block;
  return status;
}

int bkz2_stage(IntBasis& basis, const ReduceOptions& options, double left, ReduceResult& result) {
  Bkz2Options bkz;
  bkz.block_size = options.block_size == kBlockSizeAuto ? basis.get_rows() : options.block_size;
  bkz.delta = options.delta;
  bkz.time_limit_seconds = std::isfinite(left) ? left : 0.0;
  bkz.done = options.done;
  const Bkz2Result r = bkz2_reduce(basis, bkz);
  result.block_size_reached = std::max(result.block_size_reached, r.block_size_reached);
  result.stopped_early = r.stopped_early;
  result.precision_escalations = r.escalations;
  result.time_limited = r.time_limited;
  return r.status;
}

}  // namespace

void add_reduce_stats(const ReduceResult& reduced, const IntBasis* basis, Metrics& stats) {
  stats["reduce_seconds"] = reduced.seconds;
  stats["reducer_status"] = reduced.status;
  stats["reducer_retried"] = reduced.retried ? 1.0 : 0.0;
  stats["lattice_bits"] = reduced.bits;
  if (basis != nullptr) {
    stats["lattice_rows"] = basis->get_rows();
    stats["lattice_cols"] = basis->get_cols();
  }
  stats["block_size_reached"] = reduced.block_size_reached;
  stats["reduce_stopped_early"] = reduced.stopped_early ? 1.0 : 0.0;
  stats["precision_escalations"] = reduced.precision_escalations;
}

ReduceResult reduce(IntBasis& basis, const ReduceOptions& options) {
  ReduceResult result;
  result.bits = max_bits(basis);
  const Stopwatch clock;
  if (!(options.time_limit_seconds > 0.0)) {
    result.time_limited = true;
    result.status = -1;
    result.status_text = "not run (time limit reached before reduction)";
    return result;
  }
  int status = lll_stage(basis, options, result);
  if (status == fplll::RED_SUCCESS) result.block_size_reached = 1;
  const bool more = status == fplll::RED_SUCCESS && options.reducer != Reducer::kLll;
  const bool found_by_lll =
      more && options.reducer == Reducer::kBkz2 && options.done && options.done(basis);
  if (found_by_lll) result.stopped_early = true;
  if (more && !found_by_lll) {
    const double left = options.time_limit_seconds - clock.seconds();
    if (left <= 0.0) {
      result.time_limited = true;
    } else {
      status = options.reducer == Reducer::kBkz ? bkz_stage(basis, options, left, result)
                                                : bkz2_stage(basis, options, left, result);
      if (status == fplll::RED_BKZ_TIME_LIMIT) result.time_limited = true;
    }
  }
  result.status = status;
  result.status_text = status >= 0 && status < fplll::RED_STATUS_MAX ? fplll::RED_STATUS_STR[status]
                                                                     : "unknown status";
  result.seconds = clock.seconds();
  return result;
}

// ---- linear algebra ----------------------------------------------------------

Matrix left_null_space(const Matrix& X) {
  const Eigen::Index n = X.rows(), d = X.cols();
  const Eigen::MatrixXd Xc = X;
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(Xc);
  Eigen::MatrixXd Q = qr.householderQ();
  return Q.rightCols(n - d);
}

LeastSquares::LeastSquares(const Matrix& X) : X_(X), qr_(X_) {}

Vector LeastSquares::solve(const Vector& rhs) const {
  return qr_.solve(rhs);
}

// ---- MPFR --------------------------------------------------------------------

MpArray::MpArray(std::size_t n, mpfr_prec_t precision) : data_(n) {
  for (auto& x : data_) mpfr_init2(&x, precision);
}

MpArray::~MpArray() {
  for (auto& x : data_) mpfr_clear(&x);
}

// ---- verification and prediction -------------------------------------------

HeldOut held_out(const Dataset& train, const std::vector<Eigen::Index>& used,
                 Eigen::Index max_count) {
  std::vector<char> taken(static_cast<std::size_t>(train.size()), 0);
  for (Eigen::Index i : used) taken[static_cast<std::size_t>(i)] = 1;
  std::vector<Eigen::Index> rows;
  for (Eigen::Index i = 0; i < train.size() && static_cast<Eigen::Index>(rows.size()) < max_count;
       ++i)
    if (!taken[static_cast<std::size_t>(i)]) rows.push_back(i);
  HeldOut h;
  h.X.resize(static_cast<Eigen::Index>(rows.size()), train.dim());
  h.y.resize(static_cast<Eigen::Index>(rows.size()));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    h.X.row(static_cast<Eigen::Index>(r)) = train.X.row(rows[r]);
    h.y[static_cast<Eigen::Index>(r)] = train.y[rows[r]];
  }
  return h;
}

double circular_score(const Matrix& X, const Vector& z, const Vector& s) {
  if (X.rows() == 0) return std::numeric_limits<double>::quiet_NaN();
  const Vector u = X * s;
  double c = 0.0, sn = 0.0;
  for (Eigen::Index i = 0; i < u.size(); ++i) {
    double r = u[i] - z[i];
    r -= std::floor(r);  // reduce first: exact phase for large |u|
    c += std::cos(2.0 * std::numbers::pi * r);
    sn += std::sin(2.0 * std::numbers::pi * r);
  }
  return std::hypot(c, sn) / static_cast<double>(u.size());
}

double circular_threshold(double beta, Eigen::Index m) {
  const double pi2 = std::numbers::pi * std::numbers::pi;
  return std::max(0.5 * std::exp(-2.0 * pi2 * beta * beta),
                  4.0 / std::sqrt(static_cast<double>(std::max<Eigen::Index>(m, 1))));
}

Vector PeriodicPredictor::predict(const Matrix& X) const {
  if (X.cols() != s_.size())
    fail("periodic predictor expects dimension {}, got {}", s_.size(), X.cols());
  const Vector u = X * s_;
  Vector out(u.size());
  for (Eigen::Index i = 0; i < u.size(); ++i) out[i] = periodic::capped(link_, u[i], cap_);
  return out;
}

Json PeriodicPredictor::to_json() const {
  return Json{{"type", "periodic_neuron"},
              {"phi", periodic::link_name(link_)},
              {"s", lattice::to_json(s_)},
              {"cap", std::isfinite(cap_) ? Json(cap_) : Json(nullptr)}};
}

double periodic_mse(periodic::Link link, double cap, const Matrix& X, const Vector& y,
                    const Vector& s) {
  if (X.rows() == 0) return std::numeric_limits<double>::quiet_NaN();
  const Vector u = X * s;
  double sum = 0.0;
  for (Eigen::Index i = 0; i < u.size(); ++i) {
    const double r = periodic::capped(link, u[i], cap) - y[i];
    sum += r * r;
  }
  return sum / static_cast<double>(u.size());
}

double periodic_threshold(periodic::Link link, double sigma) {
  return 9.0 * sigma * sigma + 1e-3 * periodic::uniform_variance(link);
}

double half_period_position(periodic::Link link, double y) {
  if (link == periodic::Link::kTri) return std::clamp(y, 0.0, 0.5);
  return std::acos(std::clamp(y, -1.0, 1.0)) / (2.0 * std::numbers::pi);
}

Json to_json(const Vector& v) {
  return Json(std::vector<double>(v.data(), v.data() + v.size()));
}

Fit finish_fit(const AttackTask& task, const Dataset& train, const Recovery& recovery,
               const ReduceResult& reduced, int samples, const IntBasis* basis, Metrics extra) {
  Fit fit;
  const double gamma_hat = recovery.have ? recovery.s.norm() : 0.0;
  if (recovery.have && gamma_hat > 0.0) {
    fit.output["w"] = to_json(recovery.s / gamma_hat);
    fit.output["gamma_hat"] = gamma_hat;
  } else {
    fit.output["gamma_hat"] = nullptr;
  }
  fit.output["found"] = recovery.found;
  fit.output["reducer_status"] = reduced.status_text;
  fit.output["candidates"] = recovery.candidates;
  if (recovery.row >= 0) fit.output["row"] = recovery.row;
  if (std::isfinite(recovery.score)) fit.output["score"] = recovery.score;
  if (std::isfinite(recovery.residual)) fit.output["residual"] = recovery.residual;

  if (!task.clwe()) {
    if (recovery.found && gamma_hat > 0.0)
      fit.predictor = std::make_shared<PeriodicPredictor>(task.link, recovery.s, task.cap());
    else
      fit.predictor = std::make_shared<LinearPredictor>(Vector::Zero(train.dim()), train.y.mean());
    fit.stats[metric::kTrainLoss] = mean_squared_error(*fit.predictor, train);
  }
  fit.stats[metric::kSamples] = samples;
  fit.stats["found"] = recovery.found ? 1.0 : 0.0;
  add_reduce_stats(reduced, basis, fit.stats);
  for (const auto& [k, v] : extra) fit.stats[k] = v;
  if (reduced.time_limited) {
    fit.status = Outcome::time_limit;
    fit.message = "the time limit stopped the lattice reduction; the rows it had were read";
  }
  return fit;
}

}  // namespace hardnets::lattice
