// The `kernel` learner: kernel ridge regression, exact or by random features.
//
// The statistical baseline for regression: the minimiser over f in the RKHS H
// of a kernel k of
//     (1/n) Σ_i (f(x_i) + ȳ - y_i)^2 + lambda ||f||_H^2,
// where ȳ is the mean label (labels are centred; the intercept is ȳ). By the
// representer theorem f = Σ_i α_i k(·, x_i) with (K + n·lambda·I) α = y - ȳ,
// K_ij = k(x_i, x_j): lambda is per sample, the same scale as `ridge`.
//
// Kernels act on scaled inputs u = x / bandwidth (bandwidth 0 = a
// deterministic median heuristic on a subsample of at most 1000 rows):
//   gaussian  k(u, v) = exp(-||u - v||^2 / 2)
//   laplace   k(u, v) = exp(-||u - v||)          (Euclidean distance)
//   arccos    k(u, v) = (1/π) ||ũ|| ||ṽ|| (sin θ + (π - θ) cos θ), θ = ∠(ũ, ṽ),
//             ũ = (u, bias): the Cho–Saul arc-cosine kernel of order 1, equal
//             to 2 E_{w~N(0,I)}[relu(w·ũ) relu(w·ṽ)] — the infinite-width
//             one-hidden-layer ReLU network kernel (with N(0, bias^2) biases).
// For arccos the median heuristic is the median input norm, so that ||u|| is
// about 1 and comparable to the bias.
//
// features = 0 solves the n x n system exactly (Cholesky; LDLT if the Cholesky
// fails numerically). features = D > 0 replaces k by an explicit random
// feature map φ: R^d -> R^D with E[φ(u)·φ(v)] = k(u, v) and solves ridge in
// feature space, (ΦᵀΦ + n·lambda·I) w = Φᵀ(y - ȳ) when D <= n, or its dual
// (ΦΦᵀ + n·lambda·I) α = y - ȳ, w = Φᵀα, when D > n:
//   gaussian  φ_j(u) = sqrt(2/D) cos(ω_j·u + b_j), ω_j ~ N(0, I), b_j ~ U[0, 2π)
//   laplace   the same with multivariate Cauchy ω_j = g_j / |z_j|, g_j ~ N(0, I),
//             z_j ~ N(0, 1) (its characteristic function is exp(-||t||))
//   arccos    φ_j(ũ) = sqrt(2/D) relu(ω_j·ũ), ω_j ~ N(0, I)
// Frequencies are drawn serially from ctx.seed; Gram and feature matrices are
// built in fixed row blocks (one GEMM each) that threads share, so results are
// bit-identical whatever ctx.threads is.
//
// The largest linear system factorised (n for exact, min(n, D) for features)
// must not exceed max_exact: a UserError asks for `features` instead. Reaching
// ctx.time_limit_seconds before the solve returns status "timeout" with the
// mean predictor.
#pragma once

#include <memory>
#include <string>

#include "hardnets/core/options.h"
#include "hardnets/learners/learner.h"

namespace hardnets::kernel {

enum class Kind { kGaussian, kLaplace, kArccos };
Kind kind_from_name(const std::string& name);
const char* kind_name(Kind kind);

// The input map x -> u = x / bandwidth (with the bias appended for arccos).
struct InputMap {
  Kind kind = Kind::kGaussian;
  double bandwidth = 1.0;
  double bias = 0.0;  // arccos only; 0 = nothing appended
  Eigen::Index input_dim = 0;
  Eigen::Index dim() const { return input_dim + (kind == Kind::kArccos && bias > 0 ? 1 : 0); }
  Matrix apply(const Matrix& X) const;
};

// k(a_i, b_j) for rows of already mapped inputs, through one GEMM A Bᵀ.
Eigen::MatrixXd kernel_matrix(Kind kind, const Matrix& A, const Matrix& B);
// k(u, v) evaluated directly (reference for tests).
double kernel_value(Kind kind, const Vector& u, const Vector& v);

// The deterministic bandwidth heuristic (see above) on rows of raw inputs.
double median_bandwidth(Kind kind, const Matrix& X);

// A random feature map on mapped inputs: rows of `frequencies` are ω_j.
struct RandomFeatures {
  Kind kind = Kind::kGaussian;
  Matrix frequencies;  // D x dim
  Vector phases;       // D (gaussian, laplace)
  static RandomFeatures draw(Kind kind, Eigen::Index count, Eigen::Index dim, Rng rng);
  Eigen::Index count() const { return frequencies.rows(); }
  // Φ[:, begin:end) for rows of mapped inputs U.
  Matrix features(const Matrix& U, Eigen::Index begin, Eigen::Index end) const;
  Matrix features(const Matrix& U) const { return features(U, 0, count()); }
};

// f(x) = ȳ + Σ_i α_i k(u(x), u_i).
class ExactKernelPredictor : public Predictor {
 public:
  ExactKernelPredictor(InputMap map, Matrix centres, Vector alpha, double intercept)
      : map_(std::move(map)),
        centres_(std::move(centres)),
        alpha_(std::move(alpha)),
        intercept_(intercept) {}
  Vector predict(const Matrix& X) const override;
  // Kind, bandwidth and sizes; centres (raw inputs) and dual coefficients too
  // when they hold at most kMaxJsonValues numbers ("complete": true).
  Json to_json() const override;
  const Vector& alpha() const { return alpha_; }

 private:
  InputMap map_;
  Matrix centres_;  // mapped training inputs
  Vector alpha_;
  double intercept_;
};

// f(x) = ȳ + φ(u(x))·w.
class RandomFeaturePredictor : public Predictor {
 public:
  RandomFeaturePredictor(InputMap map, RandomFeatures features, Vector w, double intercept)
      : map_(std::move(map)),
        features_(std::move(features)),
        w_(std::move(w)),
        intercept_(intercept) {}
  Vector predict(const Matrix& X) const override;
  // As for the exact predictor: frequencies, phases and weights when small.
  Json to_json() const override;

 private:
  InputMap map_;
  RandomFeatures features_;
  Vector w_;
  double intercept_;
};

inline constexpr std::size_t kMaxJsonValues = 100000;

struct KernelOptions {
  std::string kernel;
  double bandwidth = 0;
  double bias = 0;
  double lambda = 0;
  std::int64_t features = 0;
  std::int64_t max_exact = 0;
};

class KernelLearner : public Learner {
 public:
  KernelLearner();
  std::string name() const override { return "kernel"; }
  std::string summary() const override {
    return "kernel ridge regression (gaussian, laplace, arc-cosine/ReLU), exact or random "
           "features";
  }
  const ParamSpec& spec() const override { return options_.params(); }
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override;

 private:
  OptionSpec<KernelOptions> options_{"kernel"};
};

}  // namespace hardnets::kernel
