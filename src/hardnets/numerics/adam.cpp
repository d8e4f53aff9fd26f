#include "hardnets/numerics/adam.h"

#include <algorithm>
#include <cmath>

namespace hardnets {

template <typename T>
Adam<T>::Adam(const AdamSettings& settings, Eigen::Index size, AdamForm form)
    : settings_(settings), form_(form), first_(Vec::Zero(size)), second_(Vec::Zero(size)) {}

template <typename T>
void Adam<T>::step(T* params, const T* gradient, double lr) {
  ++steps_;
  const Eigen::Index n = first_.size();
  const double t = static_cast<double>(steps_);
  const double correction1 = 1.0 - std::pow(settings_.beta1, t);  // 1 - β1^t
  const double correction2 = 1.0 - std::pow(settings_.beta2, t);  // 1 - β2^t
  const T b1 = static_cast<T>(settings_.beta1), b2 = static_cast<T>(settings_.beta2);
  // The update is done in chunks that stay in L1 cache: each chunk goes through
  // the three Eigen array statements below (each a vectorised loop) while its
  // parameters, gradient and moments are still cached, so a large network's
  // buffers are streamed from memory once per step rather than once per
  // statement. The chunk size is part of the result (which coordinates take
  // Eigen's approximate packet sqrt, see adam.h): keep it 512.
  constexpr Eigen::Index kChunk = 512;
  auto moments = [&](Eigen::Index s, Eigen::Index c) {
    Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>> g(gradient + s, c);
    auto m = first_.segment(s, c).array();
    auto v = second_.segment(s, c).array();
    m = b1 * m + (T(1) - b1) * g;
    v = b2 * v + (T(1) - b2) * g.square();
  };
  if (form_ == AdamForm::kFolded) {
    // lr/(1-β1^t) m / (√v/√(1-β2^t) + ε), multiplied through by √(1-β2^t).
    const double root2 = std::sqrt(correction2);
    const T step_size = static_cast<T>(lr * root2 / correction1);
    const T eps = static_cast<T>(settings_.eps * root2);
    for (Eigen::Index s = 0; s < n; s += kChunk) {
      const Eigen::Index c = std::min(kChunk, n - s);
      moments(s, c);
      Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> p(params + s, c);
      p -= step_size * first_.segment(s, c).array() / (second_.segment(s, c).array().sqrt() + eps);
    }
  } else {
    const T rate = static_cast<T>(lr), c1 = static_cast<T>(correction1);
    const T c2 = static_cast<T>(correction2), eps = static_cast<T>(settings_.eps);
    for (Eigen::Index s = 0; s < n; s += kChunk) {
      const Eigen::Index c = std::min(kChunk, n - s);
      moments(s, c);
      Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> p(params + s, c);
      p -= rate * (first_.segment(s, c).array() / c1) /
           ((second_.segment(s, c).array() / c2).sqrt() + eps);
    }
  }
}

template class Adam<float>;
template class Adam<double>;

}  // namespace hardnets
