// Adam (Kingma & Ba, "Adam: a method for stochastic optimization", ICLR 2015):
// gradient descent with a step size per coordinate, from running estimates of
// the gradient's first and second moments. The one Adam of the code base:
// sgd's training kernels (nets/mlp_kernels, MlpOptimizer) and tensor's
// refinement both step through it.
//
// At step t = 1, 2, ... with gradient g_t (all operations coordinate-wise):
//   m_t = β1 m_{t-1} + (1 - β1) g_t      exponential mean of g   (m_0 = 0)
//   v_t = β2 v_{t-1} + (1 - β2) g_t²     exponential mean of g²  (v_0 = 0)
//   m̂_t = m_t / (1 - β1^t),  v̂_t = v_t / (1 - β2^t)
//   θ_t = θ_{t-1} - lr m̂_t / (√v̂_t + ε)
// Bias correction: starting from m_0 = v_0 = 0, the weights the exponential
// means give to g_1..g_t add up to 1 - β^t, not 1, so m_t and v_t are biased
// towards 0 (badly so early on, with β2 = 0.999); dividing by 1 - β^t makes
// them weighted averages again. On the first step m̂_1 = g_1 and v̂_1 = g_1²,
// so every coordinate moves by -lr g/(|g| + ε) ≈ -lr sign(g): Adam's steps do
// not scale with the gradient, they are about lr in size while the gradient's
// sign is steady and shrink where it is noisy (|m̂| << √v̂).
//
// Two evaluation orders of that one update. They are equal in exact
// arithmetic but round differently in the last bits, and each caller's results
// (bit for bit, by seed) were fixed with one of them, so both are kept:
//   kFolded    θ -= [lr √(1-β2^t) / (1-β1^t)] m / (√v + ε √(1-β2^t)):
//              PyTorch's form, numerator and denominator multiplied by
//              √(1-β2^t), so the corrections become one step size and one ε
//              per step and each coordinate costs one sqrt and one division
//              (sgd's kernels, where the update is a measurable part of a
//              training step);
//   kTextbook  θ -= lr (m / (1-β1^t)) / (√(v / (1-β2^t)) + ε): the formula as
//              written, two more divisions per coordinate (tensor's refinement).
// A coordinate's last bits also depend on whether Eigen updates it in a SIMD
// packet or in the scalar remainder of the loop: the packet sqrt
// (EIGEN_FAST_MATH, on by default) is rsqrt14 refined by Newton steps, one for
// float and, on AVX-512, two for double, while scalar code takes the correctly
// rounded sqrt. So the chunk size (512, a multiple of every packet size) and
// the callers' aligned buffers are part of the results and were kept exactly
// as sgd's kernel had them; the tensor loop, unchunked before, saw the same
// packets (its buffer is aligned and every chunk but the last is a whole
// number of packets).
#pragma once

#include <cstdint>

#include <Eigen/Core>

namespace hardnets {

struct AdamSettings {
  double beta1 = 0.9;    // decay of the first moment m, in [0, 1)
  double beta2 = 0.999;  // decay of the second moment v, in [0, 1)
  double eps = 1e-8;     // added to √v̂: bounds the step where v̂ ≈ 0
};

enum class AdamForm { kFolded, kTextbook };

// Adam's state (m, v, t) for a flat buffer of `size` parameters of type T
// (float or double); the moments are kept in T.
template <typename T>
class Adam {
 public:
  using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

  Adam(const AdamSettings& settings, Eigen::Index size, AdamForm form = AdamForm::kFolded);

  // One step t → t + 1 of `params` (size() entries) along `gradient`, with
  // learning rate lr (which may change from step to step: a schedule).
  void step(T* params, const T* gradient, double lr);

  Eigen::Index size() const { return first_.size(); }
  std::int64_t steps() const { return steps_; }
  const Vec& first_moment() const { return first_; }
  const Vec& second_moment() const { return second_; }

 private:
  AdamSettings settings_;
  AdamForm form_;
  std::int64_t steps_ = 0;
  Vec first_, second_;  // m, v
};

extern template class Adam<float>;
extern template class Adam<double>;

}  // namespace hardnets
