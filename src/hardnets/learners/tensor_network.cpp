#include "hardnets/learners/tensor_network.h"

#include <algorithm>
#include <vector>

#include <Eigen/Cholesky>

#include "hardnets/learners/tensor_moments.h"
#include "hardnets/numerics/adam.h"

namespace hardnets::tensor {
namespace {

// Σ FᵀF and Σ Fᵀy over the rows.
struct Normal {
  Matrix FF;
  Vector Fy;
};

Normal normal_equations(const Matrix& X, const Vector& y, const units::Units& units, int threads) {
  const Eigen::Index m = units.W.rows(), d = X.cols();
  const Matrix WhatT = units.W.transpose();
  const Vector& bhat = units.b;
  const Eigen::Index p = m + d + 1;
  auto features = [&](Eigen::Index r0, Eigen::Index count) {
    Matrix F(count, p);
    F.leftCols(m) = ((X.middleRows(r0, count) * WhatT).rowwise() + bhat.transpose()).cwiseMax(0.0);
    F.middleCols(m, d) = X.middleRows(r0, count);
    F.col(p - 1).setOnes();
    return F;
  };
  return blocked_sum<Normal>(
      X.rows(), threads,
      [&] {
        return Normal{Matrix::Zero(p, p), Vector::Zero(p)};
      },
      [&](Normal& acc, Eigen::Index r0, Eigen::Index count) {
        const Matrix F = features(r0, count);
        acc.FF.noalias() += F.transpose() * F;
        acc.Fy.noalias() += F.transpose() * y.segment(r0, count);
      },
      [](Normal& t, const Normal& q) {
        t.FF += q.FF;
        t.Fy += q.Fy;
      });
}

}  // namespace

RidgeFit ridge_network(const Matrix& X, const Vector& y, const units::Units& units, double ridge,
                       int threads) {
  const Eigen::Index m = units.W.rows(), d = X.cols(), p = m + d + 1;
  const double inv_n = 1.0 / static_cast<double>(X.rows());
  const Normal normal = normal_equations(X, y, units, threads);
  Eigen::MatrixXd lhs = normal.FF * inv_n;
  for (Eigen::Index k = 0; k + 1 < p; ++k) lhs(k, k) += ridge;
  RidgeFit out{lhs.ldlt().solve(Eigen::VectorXd(normal.Fy * inv_n)),
               ReluNet({static_cast<int>(d), static_cast<int>(m + 2), 1})};
  const Eigen::VectorXd& theta = out.theta;
  auto& L0 = out.net.layers()[0];
  auto& L1 = out.net.layers()[1];
  L0.W.topRows(m) = units.W;
  L0.b.head(m) = units.b;
  L1.W.leftCols(m) = theta.head(m).transpose();
  L0.W.row(m) = theta.segment(m, d).transpose();
  L0.W.row(m + 1) = -theta.segment(m, d).transpose();
  L1.W(0, m) = 1.0;
  L1.W(0, m + 1) = -1.0;
  L1.b[0] = theta[p - 1];
  return out;
}

double train_loss(const ReluNet& f, const Matrix& X, const Vector& y, int threads) {
  const double inv_n = 1.0 / static_cast<double>(X.rows());
  return blocked_sum<double>(
             X.rows(), threads, [] { return 0.0; },
             [&](double& acc, Eigen::Index r0, Eigen::Index count) {
               acc += (f.forward(X.middleRows(r0, count)) - y.segment(r0, count)).squaredNorm();
             },
             [](double& t, double q) { t += q; }) *
         inv_n;
}

std::int64_t adam_refine(ReluNet& net, const Matrix& X, const Vector& y,
                         const AdamRefineSettings& settings, const Stopwatch& clock,
                         double time_limit) {
  const Eigen::Index n = X.rows();
  const Eigen::Index batch = std::min<Eigen::Index>(settings.batch, n);
  Eigen::VectorXd theta_net = net.flat();
  Adam<double> adam(AdamSettings{}, theta_net.size(), AdamForm::kTextbook);
  std::int64_t epoch = 0;
  ReluNet grad_net = net;
  std::vector<DenseLayer> grad;
  for (; epoch < settings.epochs; ++epoch) {
    if (clock.seconds() > time_limit) break;
    for (Eigen::Index r0 = 0; r0 < n; r0 += batch) {
      const Eigen::Index count = std::min(batch, n - r0);
      net.loss_and_gradient(X.middleRows(r0, count), y.segment(r0, count), &grad);
      grad_net.layers() = grad;
      const Eigen::VectorXd gflat = grad_net.flat();
      adam.step(theta_net.data(), gflat.data(), settings.lr);
      net.set_flat(theta_net);
    }
  }
  return epoch;
}

}  // namespace hardnets::tensor
