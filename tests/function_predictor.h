// A Predictor that applies a fixed function to the rows: lets a test judge
// an instance with any prediction rule (the true network, a decoder, ...).
#pragma once

#include <functional>
#include <utility>

#include "hardnets/contracts/fit.h"

namespace hardnets::testing {

class FunctionPredictor : public Predictor {
 public:
  explicit FunctionPredictor(std::function<Vector(const Matrix&)> f) : f_(std::move(f)) {}
  Vector predict(const Matrix& X) const override { return f_(X); }
  Json to_json() const override { return Json{{"type", "test"}}; }

 private:
  std::function<Vector(const Matrix&)> f_;
};

}  // namespace hardnets::testing
