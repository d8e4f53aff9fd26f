#include "hardnets/estimate/clwe_relation.h"

#include <cmath>

#include "hardnets/core/error.h"

namespace hardnets::estimate {

double relation_log2_inverse_threshold(int d, double gamma) {
  if (d < 1 || !(gamma > 0))
    fail("relation model: need d >= 1 and gamma > 0 (d = {}, gamma = {})", d, gamma);
  const double n = d + 1.0;
  return d * std::log2(gamma * std::sqrt(n)) + kRelationC * n * n;
}

double lll_log2_bit_operations(int dimension, int precision_bits) {
  const double D = dimension, P = precision_bits;
  return 4 * std::log2(D) + std::log2(P) + std::log2(D + P);
}

}  // namespace hardnets::estimate
