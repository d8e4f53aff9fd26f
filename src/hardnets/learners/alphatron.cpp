#include "hardnets/learners/alphatron.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "hardnets/core/error.h"
#include "hardnets/core/parallel.h"
#include "hardnets/core/resources.h"

namespace hardnets::alphatron {
namespace {

const LearnerRegistration kRegister{std::make_unique<AlphatronLearner>()};

// Rows per unit of work (Gram blocks, products): fixed, whatever the threads.
constexpr Eigen::Index kBlockRows = 256;
constexpr std::size_t kMaxJsonValues = 100000;

// max(K α, 0): one dot product per row, rows in fixed blocks.
Vector hypothesis(const Matrix& K, const Vector& alpha, int threads) {
  const Eigen::Index n = K.rows();
  Vector h(n);
  const Eigen::Index units = (n + kBlockRows - 1) / kBlockRows;
  parallel_for(units, threads, [&](std::int64_t ub, std::int64_t ue) {
    for (std::int64_t u = ub; u < ue; ++u) {
      const Eigen::Index r0 = u * kBlockRows;
      const Eigen::Index end = std::min(n, r0 + kBlockRows);
      for (Eigen::Index i = r0; i < end; ++i) h[i] = std::max(K.row(i).dot(alpha), 0.0);
    }
  });
  return h;
}

double mean_loss(const Vector& h, const Vector& y) {
  if (y.size() == 0) return std::numeric_limits<double>::quiet_NaN();
  return (h - y).squaredNorm() / static_cast<double>(y.size());
}

std::string mib_text(double values) {
  const double mib = values * 8.0 / (1 << 20);
  return mib >= 1024 ? fmt::format("{:.1f} GiB", mib / 1024) : fmt::format("{:.0f} MiB", mib);
}

}  // namespace

double multinomial(double t, int degree) {
  double value = 1.0;
  for (int i = 0; i < degree; ++i) value = 1.0 + t * value;
  return value;
}

Matrix gram(const Matrix& A, const Matrix& B, int degree, int threads) {
  const Eigen::Index n = A.rows();
  Matrix K(n, B.rows());
  const Eigen::Index units = (n + kBlockRows - 1) / kBlockRows;
  parallel_for(units, std::max(1, threads), [&](std::int64_t ub, std::int64_t ue) {
    for (std::int64_t u = ub; u < ue; ++u) {
      const Eigen::Index r0 = u * kBlockRows;
      const Eigen::Index count = std::min(kBlockRows, n - r0);
      K.middleRows(r0, count) = A.middleRows(r0, count) * B.transpose();  // one GEMM
      for (Eigen::Index i = r0; i < r0 + count; ++i) {
        for (Eigen::Index j = 0; j < K.cols(); ++j) K(i, j) = multinomial(K(i, j), degree);
      }
    }
  });
  return K;
}

void step(const Matrix& K, const Vector& y, double lambda, Vector& alpha, int threads) {
  const Vector h = hypothesis(K, alpha, std::max(1, threads));
  alpha += (lambda / static_cast<double>(K.rows())) * (y - h);
}

Vector AlphatronPredictor::predict(const Matrix& X) const {
  if (X.cols() != centres_.cols()) {
    fail("alphatron model expects dimension {}, got {}", centres_.cols(), X.cols());
  }
  Vector out(X.rows());
  for (Eigen::Index r = 0; r < X.rows(); r += kBlockRows) {
    const Eigen::Index count = std::min(kBlockRows, X.rows() - r);
    const Matrix K = gram(X.middleRows(r, count) / input_scale_, centres_, degree_);
    out.segment(r, count) = (K * alpha_).cwiseMax(0.0);
  }
  return out;
}

Json AlphatronPredictor::to_json() const {
  Json out{{"type", "alphatron"},         {"kernel", "multinomial"}, {"degree", degree_},
           {"input_scale", input_scale_}, {"dim", centres_.cols()},  {"n", centres_.rows()}};
  const auto values = static_cast<std::size_t>(centres_.size() + alpha_.size());
  out["complete"] = values <= kMaxJsonValues;
  if (values <= kMaxJsonValues) {
    Json rows = Json::array();
    for (Eigen::Index i = 0; i < centres_.rows(); ++i) {
      rows.push_back(
          std::vector<double>(centres_.row(i).data(), centres_.row(i).data() + centres_.cols()));
    }
    out["centres"] = rows;
    out["alpha"] = std::vector<double>(alpha_.data(), alpha_.data() + alpha_.size());
  }
  return out;
}

AlphatronLearner::AlphatronLearner() {
  options_.cite("goel2019alphatron", "the algorithm (Alphatron)");
  using O = AlphatronOptions;
  options_
      .integer("degree", &O::degree, 2, 1, 64,
               "degree p of the multinomial kernel Σ_{i=0..p} (u·v)^i")
      .integer("iterations", &O::iterations, 100, 1, 1'000'000'000,
               "Alphatron steps T (iterates 0..T are scored)")
      .real("lambda", &O::lambda, 1.0, 0.0, 1e6,
            "step λ: α_i += (λ/m) (y_i - h(x_i)) (the paper: 1)", /*min_open=*/true)
      .real("input_scale", &O::input_scale, 0.0, 0.0, 1e12,
            "inputs are divided by it; 0 = max(1, largest training norm), so ‖u‖ <= 1")
      .real("val_fraction", &O::val_fraction, 0.2, 0.0, 0.9,
            "fraction held out to choose the best iterate; 0 = choose on the training loss")
      .integer("max_gram", &O::max_gram, 5000, 1, 1'000'000,
               "largest m (training part) whose m x m Gram matrix is built and cached");
}

Fit AlphatronLearner::fit_impl(const Dataset& train, const Params& params,
                               const LearnerContext& ctx) const {
  check_training_set("alphatron", train, true);
  const AlphatronOptions options = options_.read(params);
  const int degree = options.degree;
  const std::int64_t iterations = options.iterations;
  const double lambda = options.lambda;
  const double val_fraction = options.val_fraction;
  const Eigen::Index max_gram = options.max_gram;
  const int threads = std::max(1, ctx.threads);

  const ValidationSplit split = validation_split(
      "alphatron", train, val_fraction, Rng(ctx.seed, stream_id("alphatron")).substream("split"));
  const Dataset& fit_part = split.fit;
  const Dataset& val_part = split.val;
  const Eigen::Index m = fit_part.size(), n_val = val_part.size();
  if (m > max_gram) {
    fail(
        "alphatron: m = {} training samples (after holding out val_fraction = {}) need a {}x{} "
        "Gram matrix ({}), beyond max_gram = {}; lower n_train (the number of training samples) "
        "or raise max_gram",
        m, val_fraction, m, m, mib_text(static_cast<double>(m) * static_cast<double>(m)), max_gram);
  }

  double scale = options.input_scale;
  if (scale == 0.0) scale = std::max(1.0, fit_part.X.rowwise().norm().maxCoeff());
  const Matrix U = fit_part.X / scale;
  const Matrix K = gram(U, U, degree, threads);
  const Matrix K_val = n_val > 0 ? gram(val_part.X / scale, U, degree, threads) : Matrix();
  const Matrix& K_select = n_val > 0 ? K_val : K;
  const Vector& y_select = n_val > 0 ? val_part.y : fit_part.y;

  Vector alpha = Vector::Zero(m);
  Vector best_alpha = alpha;
  double best_score = mean_loss(hypothesis(K_select, alpha, threads), y_select);
  std::int64_t best_t = 0, t = 0;
  bool time_limited = false;
  std::string diverged;
  while (t < iterations) {
    if (ctx.deadline.expired()) {
      time_limited = true;
      break;
    }
    step(K, fit_part.y, lambda, alpha, threads);
    ++t;
    const double score = mean_loss(hypothesis(K_select, alpha, threads), y_select);
    if (!std::isfinite(score) || !alpha.allFinite()) {
      diverged = fmt::format(
          "the coefficients became non-finite at step {} (lambda = {}); returning the best "
          "iterate {}; lower lambda",
          t, lambda, best_t);
      break;
    }
    if (score < best_score) {
      best_score = score;
      best_alpha = alpha;
      best_t = t;
    }
  }

  Fit fit;
  fit.stats["iterations"] = static_cast<double>(t);
  fit.stats["best_iteration"] = static_cast<double>(best_t);
  fit.stats[metric::kTrainLoss] = mean_loss(hypothesis(K, best_alpha, threads), fit_part.y);
  if (n_val > 0) fit.stats["val_loss"] = best_score;
  fit.stats[metric::kSamples] = static_cast<double>(m);
  fit.stats["input_scale"] = scale;
  fit.stats["time_limited"] = time_limited ? 1.0 : 0.0;
  if (!diverged.empty()) {
    fit.status = Outcome::diverged;
    fit.message = diverged;
  } else if (time_limited) {
    fit.status = Outcome::time_limit;
    fit.message = fmt::format(
        "time limit of {} s reached after {} of {} steps; returning the best iterate {}",
        ctx.time_limit_seconds, t, iterations, best_t);
  }
  fit.output = Json{{"degree", degree}, {"input_scale", scale}, {"best_iteration", best_t}};
  fit.predictor = std::make_shared<AlphatronPredictor>(U, std::move(best_alpha), degree, scale);
  return fit;
}

}  // namespace hardnets::alphatron
