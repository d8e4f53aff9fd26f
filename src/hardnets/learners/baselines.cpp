#include "hardnets/learners/baselines.h"

#include <Eigen/Cholesky>
#include <Eigen/QR>

#include "hardnets/core/error.h"

namespace hardnets {
namespace {
const LearnerRegistration kRegisterMean{std::make_unique<MeanLearner>()};
const LearnerRegistration kRegisterRidge{std::make_unique<RidgeLearner>()};
}  // namespace

Vector LinearPredictor::predict(const Matrix& X) const {
  if (X.cols() != w_.size()) fail("linear model expects dimension {}, got {}", w_.size(), X.cols());
  return (X * w_).array() + b_;
}

Json LinearPredictor::to_json() const {
  return Json{
      {"type", "linear"}, {"w", std::vector<double>(w_.data(), w_.data() + w_.size())}, {"b", b_}};
}

Fit MeanLearner::fit_impl(const Dataset& train, const Params&, const LearnerContext&) const {
  check_training_set("mean", train);
  const double mean = train.y.mean();
  Fit fit;
  fit.predictor = std::make_shared<LinearPredictor>(Vector::Zero(train.dim()), mean);
  fit.stats[metric::kTrainLoss] = (train.y.array() - mean).square().mean();
  return fit;
}

RidgeLearner::RidgeLearner() {
  options_.cite("hoerl1970ridge", "ridge regression");
  options_
      .real("lambda", &RidgeOptions::lambda, 1e-8, 0.0, 1e12,
            "ridge penalty on ||w||^2 (per-sample scale)")
      .flag("intercept", &RidgeOptions::intercept, true, "fit an unpenalised intercept b");
}

Fit RidgeLearner::fit_impl(const Dataset& train, const Params& params,
                           const LearnerContext&) const {
  check_training_set("ridge", train);
  const RidgeOptions options = options_.read(params);
  const double lambda = options.lambda;
  const bool intercept = options.intercept;
  const double n = static_cast<double>(train.size());
  const Eigen::Index d = train.dim();

  Eigen::RowVectorXd x_mean = Eigen::RowVectorXd::Zero(d);
  double y_mean = 0.0;
  if (intercept) {
    x_mean = train.X.colwise().mean();
    y_mean = train.y.mean();
  }
  const Matrix Xc = train.X.rowwise() - x_mean;
  const Vector yc = train.y.array() - y_mean;
  Eigen::MatrixXd gram = (Xc.transpose() * Xc) / n;
  gram.diagonal().array() += lambda;
  const Vector rhs = Xc.transpose() * yc / n;
  Eigen::LDLT<Eigen::MatrixXd> ldlt(gram);
  Vector w = ldlt.solve(rhs);
  Fit fit;
  if (ldlt.info() != Eigen::Success || !w.allFinite()) {
    // A singular Gram matrix with lambda = 0: fall back to the minimum-norm solution.
    w = Xc.completeOrthogonalDecomposition().solve(yc);
  }
  const double b = y_mean - x_mean.dot(w);
  auto predictor = std::make_shared<LinearPredictor>(w, b);
  fit.stats[metric::kTrainLoss] = (predictor->predict(train.X) - train.y).squaredNorm() / n;
  fit.predictor = std::move(predictor);
  return fit;
}

}  // namespace hardnets
