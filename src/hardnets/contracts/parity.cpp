#include "hardnets/contracts/parity.h"

#include "hardnets/core/error.h"

namespace hardnets {

Vector parity(const Matrix& X, const std::vector<int>& support) {
  Vector y = Vector::Ones(X.rows());
  for (int i : support) y.array() *= X.col(i).array();
  return y;
}

Vector ParityPredictor::predict(const Matrix& X) const {
  for (int i : support_) {
    if (i < 0 || i >= X.cols()) {
      fail("parity predictor: support index {} is outside the {} input columns", i, X.cols());
    }
  }
  return parity(X, support_);
}

Json ParityPredictor::to_json() const {
  return Json{{"kind", "parity"}, {"support", support_}};
}

}  // namespace hardnets
