#include "hardnets/learners/kernel.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include <Eigen/Cholesky>

#include "hardnets/core/error.h"
#include "hardnets/core/parallel.h"
#include "hardnets/core/resources.h"
#include "hardnets/learners/baselines.h"

namespace hardnets::kernel {
namespace {

const LearnerRegistration kRegister{std::make_unique<KernelLearner>()};

// Work units of fixed shape: every unit runs the same GEMM whatever the
// thread count, so the floating-point results are bit-identical.
constexpr Eigen::Index kGramRows = 256;       // rows of K per unit (exact Gram, prediction)
constexpr Eigen::Index kFeatureRows = 128;    // rows of Φ per unit
constexpr Eigen::Index kPrimalRows = 2048;    // rows of Φ per rank update (primal)
constexpr Eigen::Index kDualColumns = 512;    // columns of Φ per rank update (dual)
constexpr Eigen::Index kMedianSample = 1000;  // rows used by the bandwidth heuristic

double arccos_value(double dot, double norm_u, double norm_v) {
  if (norm_u == 0.0 || norm_v == 0.0) return 0.0;
  const double c = std::clamp(dot / (norm_u * norm_v), -1.0, 1.0);
  const double theta = std::acos(c);
  return norm_u * norm_v / std::numbers::pi *
         (std::sqrt(std::max(0.0, 1.0 - c * c)) + (std::numbers::pi - theta) * c);
}

Json rows_json(const Matrix& M) {
  Json out = Json::array();
  for (Eigen::Index i = 0; i < M.rows(); ++i) {
    out.push_back(std::vector<double>(M.row(i).data(), M.row(i).data() + M.cols()));
  }
  return out;
}

std::vector<double> vector_json(const Vector& v) {
  return std::vector<double>(v.data(), v.data() + v.size());
}

// Solves S x = rhs for a symmetric positive definite S given in full storage,
// overwriting S: Cholesky, and LDLT (on the restored matrix) if the Cholesky
// breaks down numerically. Returns false if neither gives a finite solution.
bool solve_spd_in_place(Eigen::MatrixXd& S, const Vector& rhs, Vector& x) {
  const Vector diagonal = S.diagonal();
  {
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(S);
    if (llt.info() == Eigen::Success) {
      x = llt.solve(rhs);
      if (x.allFinite()) return true;
    }
  }
  // LLT wrote only the lower triangle: restore it from the upper one.
  S.triangularView<Eigen::StrictlyLower>() = S.transpose();
  S.diagonal() = diagonal;
  Eigen::LDLT<Eigen::Ref<Eigen::MatrixXd>> ldlt(S);
  if (ldlt.info() != Eigen::Success) return false;
  x = ldlt.solve(rhs);
  return x.allFinite();
}

// Φ[rows, begin:end) computed in fixed row units shared by `threads`.
Matrix features_parallel(const RandomFeatures& rf, const Matrix& U, Eigen::Index row_begin,
                         Eigen::Index row_end, Eigen::Index begin, Eigen::Index end, int threads) {
  Matrix out(row_end - row_begin, end - begin);
  const Eigen::Index units = (out.rows() + kFeatureRows - 1) / kFeatureRows;
  parallel_for(units, threads, [&](std::int64_t ub, std::int64_t ue) {
    for (std::int64_t u = ub; u < ue; ++u) {
      const Eigen::Index r = u * kFeatureRows;
      const Eigen::Index count = std::min(kFeatureRows, out.rows() - r);
      out.middleRows(r, count) = rf.features(U.middleRows(row_begin + r, count), begin, end);
    }
  });
  return out;
}

}  // namespace

Kind kind_from_name(const std::string& name) {
  if (name == "gaussian") return Kind::kGaussian;
  if (name == "laplace") return Kind::kLaplace;
  if (name == "arccos") return Kind::kArccos;
  fail("kernel: unknown kernel '{}' (gaussian, laplace or arccos)", name);
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kGaussian:
      return "gaussian";
    case Kind::kLaplace:
      return "laplace";
    case Kind::kArccos:
      return "arccos";
  }
  return "?";
}

Matrix InputMap::apply(const Matrix& X) const {
  if (X.cols() != input_dim) {
    fail("kernel model expects dimension {}, got {}", input_dim, X.cols());
  }
  Matrix U(X.rows(), dim());
  U.leftCols(input_dim) = X / bandwidth;
  if (dim() > input_dim) U.col(input_dim).setConstant(bias);
  return U;
}

Eigen::MatrixXd kernel_matrix(Kind kind, const Matrix& A, const Matrix& B) {
  Eigen::MatrixXd K = A * B.transpose();  // one GEMM: the dot products
  const Vector sa = A.rowwise().squaredNorm(), sb = B.rowwise().squaredNorm();
  const Eigen::Index m = K.rows(), n = K.cols();
  switch (kind) {
    case Kind::kGaussian:
      for (Eigen::Index j = 0; j < n; ++j) {
        for (Eigen::Index i = 0; i < m; ++i) {
          K(i, j) = std::exp(-0.5 * std::max(0.0, sa[i] + sb[j] - 2.0 * K(i, j)));
        }
      }
      break;
    case Kind::kLaplace:
      for (Eigen::Index j = 0; j < n; ++j) {
        for (Eigen::Index i = 0; i < m; ++i) {
          K(i, j) = std::exp(-std::sqrt(std::max(0.0, sa[i] + sb[j] - 2.0 * K(i, j))));
        }
      }
      break;
    case Kind::kArccos: {
      const Vector na = sa.cwiseSqrt(), nb = sb.cwiseSqrt();
      for (Eigen::Index j = 0; j < n; ++j) {
        for (Eigen::Index i = 0; i < m; ++i) K(i, j) = arccos_value(K(i, j), na[i], nb[j]);
      }
      break;
    }
  }
  return K;
}

double kernel_value(Kind kind, const Vector& u, const Vector& v) {
  switch (kind) {
    case Kind::kGaussian:
      return std::exp(-0.5 * (u - v).squaredNorm());
    case Kind::kLaplace:
      return std::exp(-(u - v).norm());
    case Kind::kArccos:
      return arccos_value(u.dot(v), u.norm(), v.norm());
  }
  return 0.0;
}

double median_bandwidth(Kind kind, const Matrix& X) {
  const Eigen::Index n = X.rows();
  const Eigen::Index m = std::min(n, kMedianSample);
  std::vector<Eigen::Index> rows(static_cast<std::size_t>(m));
  for (Eigen::Index i = 0; i < m; ++i) rows[static_cast<std::size_t>(i)] = i * n / m;
  std::vector<double> values;
  if (kind == Kind::kArccos) {
    for (const Eigen::Index r : rows) values.push_back(X.row(r).norm());
  } else {
    values.reserve(static_cast<std::size_t>(m * (m - 1) / 2));
    for (std::size_t a = 0; a < rows.size(); ++a) {
      for (std::size_t b = a + 1; b < rows.size(); ++b) {
        values.push_back((X.row(rows[a]) - X.row(rows[b])).norm());
      }
    }
  }
  if (values.empty()) return 1.0;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  const double median = *middle;
  return (median > 0.0 && std::isfinite(median)) ? median : 1.0;
}

RandomFeatures RandomFeatures::draw(Kind kind, Eigen::Index count, Eigen::Index dim, Rng rng) {
  RandomFeatures rf;
  rf.kind = kind;
  rf.frequencies.resize(count, dim);
  if (kind != Kind::kArccos) rf.phases.resize(count);
  // Feature j comes from its own substream: D features are a prefix of D' > D.
  for (Eigen::Index j = 0; j < count; ++j) {
    Rng r = rng.substream(static_cast<std::uint64_t>(j));
    r.fill_normal({rf.frequencies.row(j).data(), static_cast<std::size_t>(dim)});
    if (kind == Kind::kLaplace) {
      // Multivariate Cauchy: a Gaussian vector over |N(0, 1)|.
      rf.frequencies.row(j) /= std::max(std::abs(r.normal()), 1e-300);
    }
    if (kind != Kind::kArccos) rf.phases[j] = 2.0 * std::numbers::pi * r.uniform();
  }
  return rf;
}

Matrix RandomFeatures::features(const Matrix& U, Eigen::Index begin, Eigen::Index end) const {
  Matrix Z = U * frequencies.middleRows(begin, end - begin).transpose();
  const double scale = std::sqrt(2.0 / static_cast<double>(count()));
  if (kind == Kind::kArccos) {
    Z = scale * Z.array().max(0.0);
  } else {
    for (Eigen::Index i = 0; i < Z.rows(); ++i) {
      for (Eigen::Index j = 0; j < Z.cols(); ++j) {
        Z(i, j) = scale * std::cos(Z(i, j) + phases[begin + j]);
      }
    }
  }
  return Z;
}

Vector ExactKernelPredictor::predict(const Matrix& X) const {
  const Matrix U = map_.apply(X);
  Vector out(U.rows());
  for (Eigen::Index r = 0; r < U.rows(); r += kGramRows) {
    const Eigen::Index count = std::min(kGramRows, U.rows() - r);
    out.segment(r, count) = kernel_matrix(map_.kind, U.middleRows(r, count), centres_) * alpha_;
  }
  return out.array() + intercept_;
}

Json ExactKernelPredictor::to_json() const {
  Json out{{"type", "kernel"},
           {"method", "exact"},
           {"kernel", kind_name(map_.kind)},
           {"bandwidth", map_.bandwidth},
           {"bias", map_.bias},
           {"dim", map_.input_dim},
           {"n", centres_.rows()},
           {"intercept", intercept_}};
  const auto values = static_cast<std::size_t>(centres_.size() + alpha_.size());
  out["complete"] = values <= kMaxJsonValues;
  if (values <= kMaxJsonValues) {
    out["centres"] = rows_json(centres_);
    out["alpha"] = vector_json(alpha_);
  }
  return out;
}

Vector RandomFeaturePredictor::predict(const Matrix& X) const {
  const Matrix U = map_.apply(X);
  Vector out(U.rows());
  for (Eigen::Index r = 0; r < U.rows(); r += kPrimalRows) {
    const Eigen::Index count = std::min(kPrimalRows, U.rows() - r);
    out.segment(r, count) = features_.features(U.middleRows(r, count)) * w_;
  }
  return out.array() + intercept_;
}

Json RandomFeaturePredictor::to_json() const {
  Json out{{"type", "kernel"},
           {"method", "random_features"},
           {"kernel", kind_name(map_.kind)},
           {"bandwidth", map_.bandwidth},
           {"bias", map_.bias},
           {"dim", map_.input_dim},
           {"features", features_.count()},
           {"intercept", intercept_}};
  const auto values =
      static_cast<std::size_t>(features_.frequencies.size() + features_.phases.size() + w_.size());
  out["complete"] = values <= kMaxJsonValues;
  if (values <= kMaxJsonValues) {
    out["frequencies"] = rows_json(features_.frequencies);
    if (features_.phases.size() > 0) out["phases"] = vector_json(features_.phases);
    out["w"] = vector_json(w_);
  }
  return out;
}

KernelLearner::KernelLearner() {
  options_.cite("rahimi2007random", "random features")
      .cite("cho2009kernel", "the arc-cosine kernel");
  using O = KernelOptions;
  options_
      .choice("kernel", &O::kernel, "gaussian", {"gaussian", "laplace", "arccos"},
              "gaussian exp(-‖u-v‖²/2), laplace exp(-‖u-v‖) or arccos (order-1 arc-cosine: the "
              "infinite-width ReLU layer) on u = x / bandwidth")
      .real("bandwidth", &O::bandwidth, 0.0, 0.0, 1e12,
            "input scale; 0 = median pairwise distance (arccos: median norm) of <= 1000 rows")
      .real("bias", &O::bias, 1.0, 0.0, 1e6,
            "arccos: constant appended to u (ReLU biases); 0 = none")
      .real("lambda", &O::lambda, 1e-3, 0.0, 1e12,
            "ridge penalty λ per sample: solves (K + nλI) α = y - mean(y)",
            /*min_open=*/true)
      .integer("features", &O::features, 0, 0, 100'000'000,
               "0 = exact kernel ridge; D > 0 = D random features (Fourier / ReLU)")
      .integer("max_exact", &O::max_exact, 8000, 1, 1'000'000,
               "largest linear system to factorise (n exact, min(n, features) otherwise)");
}

Fit KernelLearner::fit_impl(const Dataset& train, const Params& params,
                            const LearnerContext& ctx) const {
  check_training_set("kernel", train, true);
  const KernelOptions options = options_.read(params);
  const Kind kind = kind_from_name(options.kernel);
  const double lambda = options.lambda;
  const Eigen::Index features = options.features;
  const Eigen::Index max_exact = options.max_exact;
  const Eigen::Index n = train.size();
  const int threads = std::max(1, ctx.threads);

  if (features == 0 && n > max_exact) {
    const double mib = static_cast<double>(n) * static_cast<double>(n) * 8.0 / (1 << 20);
    fail(
        "kernel: exact kernel ridge on n = {} samples needs a {}x{} Gram matrix ({}), beyond "
        "max_exact = {}; set features=D for D random features (e.g. features=4000), or raise "
        "max_exact",
        n, n, n,
        mib >= 1024 ? fmt::format("{:.1f} GiB", mib / 1024) : fmt::format("{:.0f} MiB", mib),
        max_exact);
  }
  if (features > 0 && std::min(n, features) > max_exact) {
    fail(
        "kernel: features = {} on n = {} samples needs a {}x{} linear system, beyond "
        "max_exact = {}; use fewer features or raise max_exact",
        features, n, std::min(n, features), std::min(n, features), max_exact);
  }

  InputMap map;
  map.kind = kind;
  map.input_dim = train.dim();
  map.bias = kind == Kind::kArccos ? options.bias : 0.0;
  map.bandwidth = options.bandwidth;
  if (map.bandwidth == 0.0) map.bandwidth = median_bandwidth(kind, train.X);
  const Matrix U = map.apply(train.X);
  const double y_mean = train.y.mean();
  const Vector yc = train.y.array() - y_mean;
  const double ridge = static_cast<double>(n) * lambda;

  Fit fit;
  fit.stats["features"] = static_cast<double>(features);
  fit.stats["bandwidth"] = map.bandwidth;
  fit.stats["time_limited"] = 0.0;
  const double time_limit = ctx.time_limit_seconds;
  auto timeout = [&](const char* stage) {
    fit.status = Outcome::time_limit;
    fit.message = fmt::format("time limit of {} s reached {} ({:.3g} s); predicting the mean",
                              time_limit, stage, ctx.deadline.seconds());
    fit.stats["time_limited"] = 1.0;
    fit.predictor = std::make_shared<LinearPredictor>(Vector::Zero(train.dim()), y_mean);
    fit.stats[metric::kTrainLoss] = yc.squaredNorm() / static_cast<double>(n);
    return fit;
  };
  auto not_solved = [&]() {
    fit.status = Outcome::diverged;
    fit.message = fmt::format(
        "the regularised system is not numerically positive definite (lambda = {}); "
        "increase lambda",
        lambda);
    return fit;
  };

  std::shared_ptr<Predictor> predictor;
  double train_loss = std::numeric_limits<double>::quiet_NaN();
  if (features == 0) {
    // K in fixed row blocks, one GEMM each, shared by the threads.
    Eigen::MatrixXd K(n, n);
    const Eigen::Index units = (n + kGramRows - 1) / kGramRows;
    std::atomic<bool> stop{false};
    parallel_for(units, threads, [&](std::int64_t ub, std::int64_t ue) {
      for (std::int64_t u = ub; u < ue && !stop; ++u) {
        if (ctx.deadline.expired()) {
          stop = true;
          return;
        }
        const Eigen::Index r = u * kGramRows;
        const Eigen::Index count = std::min(kGramRows, n - r);
        K.middleRows(r, count) = kernel_matrix(kind, U.middleRows(r, count), U);
      }
    });
    if (stop || ctx.deadline.expired()) return timeout("while building the Gram matrix");
    K.diagonal().array() += ridge;
    Vector alpha;
    if (!solve_spd_in_place(K, yc, alpha)) return not_solved();
    // On the training set K α = y_c - nλα, so the residuals are -nλα: no
    // second pass over the Gram matrix.
    train_loss = ridge * ridge * alpha.squaredNorm() / static_cast<double>(n);
    predictor = std::make_shared<ExactKernelPredictor>(map, U, std::move(alpha), y_mean);
  } else {
    const RandomFeatures rf = RandomFeatures::draw(kind, features, map.dim(),
                                                   Rng(ctx.seed, stream_id("kernel.features")));
    Vector w;
    if (features <= n) {
      // Primal: (ΦᵀΦ + nλI) w = Φᵀ y_c, accumulated over fixed row blocks.
      Eigen::MatrixXd G = Eigen::MatrixXd::Zero(features, features);
      Vector rhs = Vector::Zero(features);
      for (Eigen::Index r = 0; r < n; r += kPrimalRows) {
        if (ctx.deadline.expired()) return timeout("while building the features");
        const Eigen::Index count = std::min(kPrimalRows, n - r);
        const Matrix phi = features_parallel(rf, U, r, r + count, 0, features, threads);
        G.selfadjointView<Eigen::Lower>().rankUpdate(phi.transpose());
        rhs.noalias() += phi.transpose() * yc.segment(r, count);
      }
      G.triangularView<Eigen::StrictlyUpper>() = G.transpose();
      G.diagonal().array() += ridge;
      if (ctx.deadline.expired()) return timeout("before the solve");
      if (!solve_spd_in_place(G, rhs, w)) return not_solved();
    } else {
      // Dual: (ΦΦᵀ + nλI) α = y_c and w = Φᵀα, over fixed column blocks.
      Eigen::MatrixXd K = Eigen::MatrixXd::Zero(n, n);
      for (Eigen::Index c = 0; c < features; c += kDualColumns) {
        if (ctx.deadline.expired()) return timeout("while building the features");
        const Eigen::Index count = std::min(kDualColumns, features - c);
        const Matrix phi = features_parallel(rf, U, 0, n, c, c + count, threads);
        K.selfadjointView<Eigen::Lower>().rankUpdate(phi);
      }
      K.triangularView<Eigen::StrictlyUpper>() = K.transpose();
      K.diagonal().array() += ridge;
      if (ctx.deadline.expired()) return timeout("before the solve");
      Vector alpha;
      if (!solve_spd_in_place(K, yc, alpha)) return not_solved();
      train_loss = ridge * ridge * alpha.squaredNorm() / static_cast<double>(n);
      w.resize(features);
      for (Eigen::Index c = 0; c < features; c += kDualColumns) {
        const Eigen::Index count = std::min(kDualColumns, features - c);
        w.segment(c, count) =
            features_parallel(rf, U, 0, n, c, c + count, threads).transpose() * alpha;
      }
    }
    predictor = std::make_shared<RandomFeaturePredictor>(map, rf, std::move(w), y_mean);
  }
  if (std::isnan(train_loss)) train_loss = mean_squared_error(*predictor, train);
  fit.stats[metric::kTrainLoss] = train_loss;
  fit.predictor = std::move(predictor);
  return fit;
}

}  // namespace hardnets::kernel
