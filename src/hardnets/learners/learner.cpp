#include "hardnets/learners/learner.h"

namespace hardnets {

Registry<Learner>& learner_registry() {
  static Registry<Learner> registry("learner");
  return registry;
}

double mean_squared_error(const Predictor& predictor, const Dataset& data) {
  if (data.empty()) return 0.0;
  return (predictor.predict(data.X) - data.y).squaredNorm() / static_cast<double>(data.size());
}

}  // namespace hardnets
