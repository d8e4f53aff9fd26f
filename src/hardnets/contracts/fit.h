// What crosses from a learner to a judge: a Predictor and the Fit around it.
//
// In the neutral contracts layer, below both problems (whose judges read a
// fit) and learners (which make one), so that neither depends on the other;
// networks (nets/) implement Predictor without knowing about learners.
#pragma once

#include <memory>
#include <string>

#include "hardnets/core/dataset.h"
#include "hardnets/core/json.h"
#include "hardnets/core/metrics.h"
#include "hardnets/core/outcome.h"

namespace hardnets {

class Predictor {
 public:
  virtual ~Predictor() = default;
  // One prediction per row of X.
  virtual Vector predict(const Matrix& X) const = 0;
  // A JSON description (saved by `hardnets fit --out`).
  virtual Json to_json() const = 0;
};

struct Fit {
  std::shared_ptr<const Predictor> predictor;  // may be null for pure recovery attacks
  Metrics stats;                               // learner's own figures (train_loss, epochs, ...)
  Outcome status = Outcome::ok;                // how the fit ended (core/outcome.h)
  std::string message;                         // why, when status is not ok
  Json output = Json::object();                // recovered parameters, secrets, certificates
};

}  // namespace hardnets
