// The `tensor` learner (moment method for depth-2 ReLU nets under N(0, I)):
// the Hermite identity by Monte Carlo, parameter error against N, the collapse
// as two units become parallel, the final predictor, thread independence and
// bad input.
#include "hardnets/learners/tensor.h"
#include "hardnets/learners/tensor_moments.h"
#include "hardnets/learners/tensor_refine.h"
#include "hardnets/nets/units.h"

#include <cmath>
#include <iostream>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <Eigen/QR>

#include "test_util.h"

#include "hardnets/core/rng.h"
#include "hardnets/nets/relu_net.h"
#include "hardnets/problems/problem.h"
#include "hardnets/problems/teacher.h"

namespace hardnets {
namespace {

using testing::user_error;

const Learner& learner() {
  return learner_registry().get("tensor");
}

Fit run(const Dataset& data, const std::vector<std::string>& args, int threads = 1,
        Json task = Json::object()) {
  LearnerContext ctx;
  ctx.seed = 5;
  ctx.threads = threads;
  ctx.task = std::move(task);
  return learner().fit(data, learner().spec().resolve(args), ctx);
}

Matrix gaussian(Eigen::Index n, Eigen::Index d, Seed seed) {
  return draw_inputs("gaussian", n, d, Rng(seed, stream_id("tensor_test.inputs")), 2);
}

Vector random_unit(Eigen::Index d, Rng& rng) {
  Vector v(d);
  rng.fill_sphere({v.data(), static_cast<std::size_t>(d)});
  return v;
}

// A teacher instance (no label noise) from the registry.
Instance teacher_instance(int d, int width, double bias_scale, Seed seed, std::int64_t n) {
  const Problem& teacher = problem_registry().get("teacher");
  const Params params = teacher.spec().resolve(
      std::vector<std::string>{"d=" + std::to_string(d), "width=" + std::to_string(width),
                               "depth=2", "bias_scale=" + std::to_string(bias_scale)});
  return teacher.generate(params, seed, Sizes{n, 2000}, GenerateContext{2});
}

ReluNet teacher_net(const Instance& inst) {
  return ReluNet::from_json(inst.truth["teacher"]);
}

// (1) E[y He_ℓ(x)] = Σ a_i c_ℓ(b_i) w_i^{⊗ℓ} for ℓ = 2, 3, 4 through the
// contractions M2, M3(g), M4(g, h). For every entry the per-sample integrand
// is formed here independently of the library (the formulas of tensor.h);
// (a) the library's estimate equals its sample mean to rounding (1e-9
// relative to the integrand's sd: the two differ only in summation order), and
// (b) the sample mean is within 5 sd/√N of the closed form, sd estimated from
// the same samples. 3·36 entries at 5σ: a chance failure has probability
// ~1e-4 for a fresh seed and the seed is fixed (measured worst |z| = 3.5).
// (c) The test has teeth: the same check with c_4 replaced by b²φ (a wrong
// coefficient) exceeds 6 sd (measured 7.8).
TEST(TensorHermite, IdentityHoldsByMonteCarlo) {
  const Eigen::Index d = 6, m = 3, N = 200000;
  Rng rng(11, stream_id("tensor_test.identity"));
  ReluNet net({static_cast<int>(d), static_cast<int>(m), 1});
  const double norms[3] = {1.0, 0.7, 1.3};
  const double biases[3] = {0.8, -0.5, 0.3};
  const double outs[3] = {1.0, -0.8, 0.6};
  for (Eigen::Index i = 0; i < m; ++i) {
    net.layers()[0].W.row(i) = norms[i] * random_unit(d, rng).transpose();
    net.layers()[0].b[i] = biases[i];
    net.layers()[1].W(0, i) = outs[i];
  }
  const Vector g = random_unit(d, rng), h = random_unit(d, rng);
  const Matrix X = gaussian(N, d, 1);
  const Vector y = net.forward(X);
  const tensor::Contractions est = tensor::hermite_contractions(X, y, {g}, h, 2);

  // Closed forms with unit rows u_i and κ_ℓ,i = a_i‖w_i‖ c_ℓ(b_i/‖w_i‖).
  auto closed = [&](int order, bool wrong_c4) {
    Matrix T = Matrix::Zero(d, d);
    for (Eigen::Index i = 0; i < m; ++i) {
      const double s = net.layers()[0].W.row(i).norm();
      const Vector u = net.layers()[0].W.row(i).transpose() / s;
      const double b = net.layers()[0].b[i] / s;
      double c = tensor::hermite_coefficient(order, b);
      if (wrong_c4) c = b * b * tensor::hermite_coefficient(2, b);
      double k = net.layers()[1].W(0, i) * s * c;
      if (order >= 3) k *= u.dot(g);
      if (order == 4) k *= u.dot(h);
      T += k * u * u.transpose();
    }
    return T;
  };
  // Per-sample integrands, entry (j, l), accumulated as sums and sums of squares.
  Matrix sum[3], sq[3];
  for (auto* mats : {sum, sq}) {
    for (int o = 0; o < 3; ++o) mats[o] = Matrix::Zero(d, d);
  }
  const double gh = g.dot(h);
  for (Eigen::Index r = 0; r < N; ++r) {
    const Vector x = X.row(r).transpose();
    const double s = x.dot(g), t = x.dot(h), yr = y[r];
    const Matrix H2 = x * x.transpose() - Matrix::Identity(d, d);
    const Matrix v2 = yr * H2;
    const Matrix v3 = yr * (s * H2 - x * g.transpose() - g * x.transpose());
    const Matrix v4 =
        yr * (s * t * H2 - gh * H2 - t * (x * g.transpose() + g * x.transpose()) -
              s * (x * h.transpose() + h * x.transpose()) + g * h.transpose() + h * g.transpose());
    const Matrix* v[3] = {&v2, &v3, &v4};
    for (int o = 0; o < 3; ++o) {
      sum[o] += *v[o];
      sq[o] += v[o]->cwiseAbs2();
    }
  }
  const Matrix* got[3] = {&est.M2, &est.M3[0], &est.M4[0]};
  double worst = 0.0, worst_wrong = 0.0;
  for (int o = 0; o < 3; ++o) {
    const Matrix mean = sum[o] / static_cast<double>(N);
    const Matrix sd = (sq[o] / static_cast<double>(N) - mean.cwiseAbs2()).cwiseSqrt();
    const Matrix se = sd / std::sqrt(static_cast<double>(N));
    const Matrix truth = closed(o + 2, false);
    for (Eigen::Index j = 0; j < d; ++j) {
      for (Eigen::Index l = 0; l < d; ++l) {
        EXPECT_NEAR((*got[o])(j, l), mean(j, l), 1e-9 * sd(j, l)) << "order " << o + 2;
        const double z = std::abs(mean(j, l) - truth(j, l)) / se(j, l);
        EXPECT_LT(z, 5.0) << "order " << o + 2 << " entry " << j << "," << l;
        worst = std::max(worst, z);
      }
    }
    if (o == 2) {
      const Matrix wrong = closed(4, true);
      for (Eigen::Index j = 0; j < d; ++j) {
        for (Eigen::Index l = 0; l < d; ++l) {
          worst_wrong = std::max(worst_wrong, std::abs(mean(j, l) - wrong(j, l)) / se(j, l));
        }
      }
    }
  }
  std::cout << "identity: worst |z| = " << worst << ", with a wrong c4: " << worst_wrong << "\n";
  EXPECT_GT(worst_wrong, 6.0);
  // T1 = E[y x] = Σ a_i‖w_i‖ Φ(b_i/‖w_i‖) u_i, checked the same way (d entries).
  Vector t1 = Vector::Zero(d);
  for (Eigen::Index i = 0; i < m; ++i) {
    const double s = net.layers()[0].W.row(i).norm();
    t1 += net.layers()[1].W(0, i) * tensor::hermite_coefficient(1, net.layers()[0].b[i] / s) *
          net.layers()[0].W.row(i).transpose();
  }
  const Vector yx_sd = ((X.array().colwise() * y.array()).square().colwise().mean().transpose() -
                        est.T1.array().square())
                           .sqrt();
  for (Eigen::Index j = 0; j < d; ++j) {
    EXPECT_LT(std::abs(est.T1[j] - t1[j]), 5.0 * yx_sd[j] / std::sqrt(static_cast<double>(N)));
  }
}

// Geometric mean of param_error over `seeds` random teachers at N samples.
double mean_log_error(int d, int m, std::int64_t N, const std::vector<Seed>& seeds) {
  double total = 0.0;
  for (Seed seed : seeds) {
    const Instance inst = teacher_instance(d, m, 0.5, seed, N);
    const Fit fit = run(inst.train, {"width=" + std::to_string(m)}, 2);
    const Metrics e = units::parameter_error(teacher_net(inst), fit.output);
    total += std::log(e.at("param_error"));
  }
  return total / static_cast<double>(seeds.size());
}

// Smallest |a_i| φ(b_i) over a depth-2 teacher's normalised units: the size
// of unit i's second moment, below which it is lost in the sampling noise.
double weakest_unit(const ReluNet& net) {
  double weakest = std::numeric_limits<double>::infinity();
  for (Eigen::Index i = 0; i < net.layers()[0].W.rows(); ++i) {
    const double norm = net.layers()[0].W.row(i).norm();
    const double a = net.layers()[1].W(0, i) * norm, b = net.layers()[0].b[i] / norm;
    weakest = std::min(weakest, std::abs(a) * tensor::hermite_coefficient(2, b));
  }
  return weakest;
}

// (2) Parameter error ~ N^{-1/2} on random non-degenerate teachers (d = 16,
// m = 4, normal weights, bias_scale 0.5), the geometric mean of param_error
// over 3 teachers at N = 1e4, 1e5, 1e6. "Non-degenerate" includes the output
// weights: the first 3 seeds whose every unit has |a_i| φ(b_i) ≥ 0.01 (seeds
// 1, 2, 5; seed 3 has a unit with a = 5e-5, seed 4 one with 0.0035, which no
// N here can see — the theorem's poly(1/min|a|)). The choice reads only the
// teacher, never the fit. The least-squares slope of log error on log N must
// lie in [-0.85, -0.35] (measured -0.65: 0.66, 0.14, 0.034); a method stuck at a bias
// floor has slope ~0. At 1e6 the geometric mean must be below 0.2 (measured
// 0.034).
TEST(TensorRecovery, ParameterErrorFallsLikeInverseRootN) {
  std::vector<Seed> seeds;
  for (Seed seed = 1; seeds.size() < 3 && seed < 50; ++seed) {
    if (weakest_unit(teacher_net(teacher_instance(16, 4, 0.5, seed, 1))) >= 0.01) {
      seeds.push_back(seed);
    }
  }
  ASSERT_EQ(seeds.size(), 3u);
  EXPECT_EQ(seeds, (std::vector<Seed>{1, 2, 5}));
  const std::vector<std::int64_t> sizes{10000, 100000, 1000000};
  std::vector<double> lx, ly;
  for (std::int64_t N : sizes) {
    lx.push_back(std::log(static_cast<double>(N)));
    ly.push_back(mean_log_error(16, 4, N, seeds));
    std::cout << "N = " << N << ": geometric mean param_error = " << std::exp(ly.back()) << "\n";
  }
  const double mx = (lx[0] + lx[1] + lx[2]) / 3, my = (ly[0] + ly[1] + ly[2]) / 3;
  double sxy = 0.0, sxx = 0.0;
  for (int k = 0; k < 3; ++k) {
    sxy += (lx[k] - mx) * (ly[k] - my);
    sxx += (lx[k] - mx) * (lx[k] - mx);
  }
  const double slope = sxy / sxx;
  std::cout << "slope = " << slope << "\n";
  EXPECT_GE(slope, -0.85);
  EXPECT_LE(slope, -0.35);
  EXPECT_LT(std::exp(ly.back()), 0.2);
}

// A hand-built teacher: d = 8, units 1 and 2 at angle θ (unit rows), unit 3
// orthogonal to both; a = (1, -0.8, 0.9), b = (0.3, -0.4, 0.2).
ReluNet pair_teacher(double theta_degrees) {
  const int d = 8;
  ReluNet net({d, 3, 1});
  const double t = theta_degrees * std::numbers::pi / 180.0;
  auto& W = net.layers()[0].W;
  W.setZero();
  W(0, 0) = 1.0;
  W(1, 0) = std::cos(t);
  W(1, 1) = std::sin(t);
  W(2, 2) = 1.0;
  // Rotate the coordinates so the rows are not axis-aligned.
  Rng rng(4, stream_id("tensor_test.rotation"));
  Eigen::MatrixXd G(d, d);
  for (int i = 0; i < d; ++i) {
    for (int j = 0; j < d; ++j) G(i, j) = rng.normal();
  }
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(G);
  const Eigen::MatrixXd Q = qr.householderQ();
  W = W * Q;
  net.layers()[0].b << 0.3, -0.4, 0.2;
  net.layers()[1].W << 1.0, -0.8, 0.9;
  return net;
}

// (3) Recovery collapses as two units become parallel. N = 2e5 at θ = 90°
// recovers every unit (param_sin_max < 0.08, param_error < 0.15; measured
// 0.030, 0.042 before the refinement); at θ = 1° the two units cannot be told
// apart (param_error > 0.3; measured 5.4, sin_max 0.88) and the top-m
// eigenspace of M2 collapses
// (m2_gap at 1° below a tenth of that at 90°: the third eigenvalue is
// O(sin²θ)). The Jennrich eigen_gap of the default m2 pencil does not collapse
// (the eigenvalues ⟨w,γ⟩(-b + (b²-1)⟨w,η⟩) still differ by the biases), so it
// is not asserted.
TEST(TensorRecovery, CollapsesAsTwoUnitsBecomeParallel) {
  Metrics err[2];
  double gap[2];
  const double angles[2] = {90.0, 1.0};
  for (int k = 0; k < 2; ++k) {
    const ReluNet net = pair_teacher(angles[k]);
    Dataset data;
    data.X = gaussian(200000, 8, 7);
    data.y = net.forward(data.X);
    const Fit fit = run(data, {"width=3"}, 2);
    err[k] = units::parameter_error(net, fit.output);
    gap[k] = fit.stats.at("m2_gap");
    std::cout << "theta = " << angles[k] << ": param_error = " << err[k].at("param_error")
              << ", sin_max = " << err[k].at("param_sin_max") << ", m2_gap = " << gap[k]
              << ", eigen_gap = " << fit.stats.at("eigen_gap") << "\n";
  }
  EXPECT_LT(err[0].at("param_sin_max"), 0.08);
  EXPECT_LT(err[0].at("param_error"), 0.15);
  EXPECT_GT(err[1].at("param_error"), 0.3);
  EXPECT_LT(gap[1], 0.1 * gap[0]);
}

// (4) The final predictor on a non-degenerate teacher (d = 16, m = 4, N = 2e5)
// through the teacher problem's own judge: net_distance (E(f̂ - f*)² / Var f*)
// below 1e-2 (measured 2.4e-3) where the trivial predictor has 1; the width is
// taken from the task.
TEST(TensorRecovery, FinalPredictorIsAccurate) {
  const Instance inst = teacher_instance(16, 4, 0.5, 9, 200000);
  const Fit fit = run(inst.train, {}, 2, Json{{"hidden_width", 4}});
  ASSERT_EQ(fit.status, Outcome::ok) << fit.message;
  const Metrics judged = problem_registry().get("teacher").judge(inst, fit);
  std::cout << "nmse = " << judged.at("nmse") << ", net_distance = " << judged.at("net_distance")
            << "\n";
  EXPECT_LT(judged.at("nmse"), 1e-2);
  EXPECT_LT(judged.at("net_distance"), 1e-2);
  // The teacher's judge also scores the recovered units, the same figures
  // parameter_error gives.
  const Metrics direct = units::parameter_error(teacher_net(inst), fit.output);
  ASSERT_TRUE(judged.count("param_error"));
  EXPECT_EQ(judged.at("param_error"), direct.at("param_error"));
  EXPECT_EQ(judged.at("param_sin_max"), direct.at("param_sin_max"));
  // Adam refinement from there keeps it accurate and reports the refined units.
  const Fit refined = run(inst.train, {"width=4", "sgd_epochs=1", "sgd_lr=1e-4"}, 2);
  ASSERT_EQ(refined.status, Outcome::ok) << refined.message;
  ASSERT_TRUE(refined.output.contains("refined"));
  EXPECT_LT(problem_registry().get("teacher").judge(inst, refined).at("net_distance"), 1e-2);
  EXPECT_EQ(refined.stats.at("sgd_epochs_run"), 1.0);
}

// Largest sin(angle) between row i of A and row i of B (rows normalised).
double worst_row_sin(const Matrix& A, const Matrix& B) {
  double worst = 0.0;
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    const double c = A.row(i).normalized().dot(B.row(i).normalized());
    worst = std::max(worst, std::sqrt(std::max(0.0, 1.0 - c * c)));
  }
  return worst;
}

// (4b) The dual power step converges quadratically. From the rows of
// pair_teacher(60°) (d = 8, m = 3, every |a_i| ≥ 0.8) each rotated by ε0 =
// 0.3 (sin) in a random direction, on N = 4e5 exact labels minus their exact
// degree-≤2 Hermite part, one step must bring the worst row below 2ε0² = 0.18
// (measured 0.10) and three steps to the sampling floor, below 0.05
// (measured 0.027; it is noise: 0.0087 at N = 1.6e6); one step from the
// truth stays within the same 0.05 (measured 0.027). A step that returned
// its input would fail the first bound; one that estimated anything but the
// Hermite contractions (a biased t3 or t4) would stall above the others.
TEST(TensorRecovery, DualPowerStepConvergesQuadratically) {
  const ReluNet net = pair_teacher(60.0);
  const Eigen::Index d = 8;
  Matrix W = net.layers()[0].W;
  for (Eigen::Index i = 0; i < W.rows(); ++i) W.row(i).normalize();
  Rng rng(11, stream_id("tensor_test.perturb"));
  Matrix W0 = W;
  for (Eigen::Index i = 0; i < W.rows(); ++i) {
    Vector g = random_unit(d, rng);
    g -= g.dot(W.row(i).transpose()) * W.row(i).transpose();
    g.normalize();
    W0.row(i) = std::sqrt(1.0 - 0.09) * W.row(i) + 0.3 * g.transpose();
  }
  const Matrix X = gaussian(400000, d, 12);
  const Vector y = net.forward(X);
  // r = y minus its exact Hermite expansion up to degree 2 (closed form from
  // the teacher's units): leaves T3, T4 and removes most of the variance.
  double mean = 0.0;
  Vector T1 = Vector::Zero(d);
  Matrix M2 = Matrix::Zero(d, d);
  for (Eigen::Index i = 0; i < W.rows(); ++i) {
    const double norm = net.layers()[0].W.row(i).norm();
    const double a = net.layers()[1].W(0, i) * norm, b = net.layers()[0].b[i] / norm;
    const Vector w = W.row(i).transpose();
    mean += a * tensor::hermite_coefficient(0, b);
    T1 += a * tensor::hermite_coefficient(1, b) * w;
    M2 += a * tensor::hermite_coefficient(2, b) * w * w.transpose();
  }
  const Vector quadratic = (X * M2).cwiseProduct(X).rowwise().sum();
  const Vector r = ((y - X * T1 - 0.5 * quadratic).array() - mean + 0.5 * M2.trace()).matrix();
  // The truth is a fixed point up to sampling noise.
  const double from_truth = worst_row_sin(W, tensor::dual_power_step(X, r, W, 2));
  std::cout << "one step from the truth: worst sin = " << from_truth << "\n";
  EXPECT_LT(from_truth, 0.05);
  std::vector<double> err{worst_row_sin(W, W0)};
  Matrix Wk = W0;
  for (int k = 0; k < 3; ++k) {
    Wk = tensor::dual_power_step(X, r, Wk, 2);
    err.push_back(worst_row_sin(W, Wk));
    std::cout << "step " << k + 1 << ": worst sin = " << err.back() << "\n";
  }
  EXPECT_NEAR(err[0], 0.3, 1e-12);
  EXPECT_LT(err[1], 2.0 * 0.3 * 0.3);
  EXPECT_LT(err[3], 0.05);
}

// parameter_error on exact parameters: zero after permuting and flipping units.
TEST(TensorParameterError, MatchesPermutedAndFlippedUnits) {
  const ReluNet net = pair_teacher(60.0);
  const auto& L0 = net.layers()[0];
  Json w = Json::array(), b = Json::array(), a = Json::array();
  for (int i : {2, 0, 1}) {
    const double s = i == 1 ? -1.0 : 1.0;  // unit 1 flipped: (a, -w, -b)
    std::vector<double> row;
    for (Eigen::Index j = 0; j < L0.W.cols(); ++j) row.push_back(s * L0.W(i, j));
    w.push_back(row);
    b.push_back(s * L0.b[i]);
    a.push_back(net.layers()[1].W(0, i));
  }
  const Metrics e = units::parameter_error(net, Json{{"w", w}, {"b", b}, {"a", a}});
  EXPECT_LT(e.at("param_error"), 1e-12);
  EXPECT_EQ(e.at("param_unmatched"), 0.0);
  EXPECT_CONTAINS(user_error([&] {
                    units::parameter_error(net, Json{{"w", w}});
                  }),
                  "must hold 'w', 'b' and 'a'");
}

// (5) Bit-identical results with 1 and 3 threads (N spans several row blocks
// and waves); only the wall-clock statistics may differ.
TEST(TensorDeterminism, ResultsDoNotDependOnThreads) {
  const Instance inst = teacher_instance(10, 3, 0.5, 4, 30000);
  const Fit one = run(inst.train, {"width=3", "sgd_epochs=1"}, 1);
  const Fit many = run(inst.train, {"width=3", "sgd_epochs=1"}, 3);
  EXPECT_EQ(one.output, many.output);
  for (const auto& [key, value] : one.stats) {
    if (key.rfind("seconds", 0) == 0) continue;
    EXPECT_EQ(value, many.stats.at(key)) << key;
  }
  const Vector probe = one.predictor->predict(inst.test.X);
  EXPECT_EQ(probe, many.predictor->predict(inst.test.X));
}

// (6) Bad input.
TEST(TensorErrors, BadInputGivesClearErrors) {
  Dataset data;
  data.X = gaussian(100, 4, 3);
  data.y = data.X.col(0).cwiseMax(0.0);
  EXPECT_CONTAINS(user_error([&] { run(data, {}); }), "pass -l width=M");
  // The task's width is read under its declared name only.
  EXPECT_CONTAINS(user_error([&] {
                    run(data, {}, 1, Json{{"width", 2}});
                  }),
                  "declares no 'hidden_width'");
  EXPECT_CONTAINS(user_error([&] { run(data, {"width=5"}); }), "width must be in [1, d = 4]");
  EXPECT_CONTAINS(user_error([&] { run(data, {}, 1, Json{{"hidden_width", 9}}); }), "got 9");
  EXPECT_CONTAINS(user_error([&] { run(data, {"width=-1"}); }), "width");
  Dataset bad = data;
  bad.y[3] = std::numeric_limits<double>::infinity();
  EXPECT_CONTAINS(user_error([&] { run(bad, {"width=2"}); }),
                  "tensor: the training set contains NaN");
  bad = data;
  bad.X(1, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_CONTAINS(user_error([&] { run(bad, {"width=2"}); }), "NaN or infinite");
  Dataset empty;
  empty.X.resize(0, 4);
  EXPECT_CONTAINS(user_error([&] { run(empty, {"width=2"}); }),
                  "tensor: the training set is empty");
  // A fit on valid small data works and reports its figures.
  const Fit fit = run(data, {"width=1"});
  EXPECT_EQ(fit.stats.at("samples"), 100.0);
  EXPECT_TRUE(fit.stats.contains("eigen_gap"));
}

}  // namespace
}  // namespace hardnets
