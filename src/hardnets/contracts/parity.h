// Parities χ_S(x) = Π_{i∈S} x_i on ±1 inputs, and the predictor of one: what
// `sparse_parity` labels with and what an attack on it (`gf2`) returns. In the
// contracts layer, so that neither depends on the other.
#pragma once

#include <vector>

#include "hardnets/contracts/fit.h"
#include "hardnets/core/dataset.h"

namespace hardnets {

// χ_S of every row of X (entries ±1).
Vector parity(const Matrix& X, const std::vector<int>& support);

class ParityPredictor : public Predictor {
 public:
  explicit ParityPredictor(std::vector<int> support) : support_(std::move(support)) {}
  Vector predict(const Matrix& X) const override;
  Json to_json() const override;
  const std::vector<int>& support() const { return support_; }

 private:
  std::vector<int> support_;
};

}  // namespace hardnets
