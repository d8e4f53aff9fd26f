// Training kernels for dense ReLU networks in single (or double) precision.
//
// MlpKernels<T> holds the same function as ReluNet (f(x) = W_L σ(... σ(W_1 x +
// b_1) ...) + b_L, scalar output) but is built for speed of mini-batch
// training rather than as a reference:
//   - activations are feature-major (units x samples, column-major), so every
//     layer of the forward and backward pass over a batch is one GEMM;
//   - all parameters live in one contiguous buffer laid out as
//     [W_1 .. W_L (column-major), b_1 .. b_L], and the gradient buffer has the
//     same layout, so an optimiser update is a single vectorised sweep and
//     weight decay applies to the prefix of weights;
//   - every buffer, including the GEMMs' packing workspaces, is allocated once
//     for a maximum batch size: a training step allocates nothing.
// Single-threaded by design: the lab runs many trainings in parallel, and one
// thread keeps each result a pure function of the seed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include "hardnets/nets/relu_net.h"
#include "hardnets/numerics/adam.h"

namespace hardnets {

template <typename T>
class MlpKernels {
 public:
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;  // column-major
  using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  using MatMap = Eigen::Map<Mat>;
  using ConstMatMap = Eigen::Map<const Mat>;
  using VecMap = Eigen::Map<Vec>;
  using ConstVecMap = Eigen::Map<const Vec>;

  // Layer sizes {d, h_1, ..., h_{L-1}, 1} as for ReluNet; parameters start at
  // zero. Batches passed to the kernels may have up to `max_batch` columns.
  MlpKernels(std::vector<int> sizes, Eigen::Index max_batch);
  ~MlpKernels();
  MlpKernels(MlpKernels&&) noexcept;
  MlpKernels& operator=(MlpKernels&&) noexcept;

  const std::vector<int>& sizes() const { return sizes_; }
  int depth() const { return static_cast<int>(layers_.size()); }
  Eigen::Index input_dim() const { return sizes_.front(); }
  Eigen::Index max_batch() const { return max_batch_; }
  Eigen::Index num_parameters() const { return params_.size(); }
  // Number of weight-matrix entries: the first num_weights() entries of the
  // parameter buffer are weights, the rest biases.
  Eigen::Index num_weights() const { return num_weights_; }

  Vec& parameters() { return params_; }
  const Vec& parameters() const { return params_; }
  // Gradient of the last loss_and_gradient() call, same layout as parameters().
  const Vec& gradient() const { return grad_; }

  MatMap weight(int l);
  ConstMatMap weight(int l) const;
  VecMap bias(int l);
  ConstVecMap bias(int l) const;
  ConstMatMap weight_gradient(int l) const;
  ConstVecMap bias_gradient(int l) const;

  // Copies parameters from / to the double reference network (same sizes).
  void load(const ReluNet& net);
  ReluNet to_relu_net() const;

  // Mean squared error (1/B) Σ_j (f(x_j) - y_j)^2 of a batch and its gradient
  // (stored in gradient()). X is input_dim x B column-major (one sample per
  // column), y has B entries, 1 <= B <= max_batch.
  T loss_and_gradient(const T* X, const T* y, Eigen::Index batch);
  // Outputs f(x_j) of a batch of at most max_batch columns, written to `out`.
  void forward(const T* X, Eigen::Index batch, T* out);
  // Mean squared error over n columns of X (any n), processed in chunks of
  // max_batch and accumulated in double.
  double mean_squared_error(const T* X, const T* y, Eigen::Index n);

 private:
  struct Layer {
    Eigen::Index in, out;
    Eigen::Index weight_offset, bias_offset;
  };
  struct LayerGemms;  // the three products of a layer, with their workspaces
  // Fills activations_[l] (post-ReLU; the last one is the output row) for the
  // first `batch` columns.
  void forward_pass(const T* X, Eigen::Index batch);

  std::vector<int> sizes_;
  std::vector<Layer> layers_;
  Eigen::Index max_batch_;
  Eigen::Index num_weights_ = 0;
  Vec params_, grad_;
  std::vector<Mat> activations_;  // [l]: output of layer l, sizes[l+1] x max_batch
  std::vector<Mat> deltas_;       // [l]: d loss / d pre-activation of layer l
  std::vector<std::unique_ptr<LayerGemms>> gemms_;  // [l]: null for one-unit layers (GEMV)
  Vec lhs_workspace_, rhs_workspace_;               // GEMM packing buffers, shared by all
};

// First-order optimisers over a flat parameter buffer.
//
// Adam (numerics/adam, in its folded form: PyTorch's bias correction) or SGD
// with heavy-ball momentum (PyTorch form: v ← μ v + g, θ ← θ - lr v). Weight decay is
// decoupled (AdamW style: θ ← θ - lr λ θ) and applies to the first
// `num_decayed` entries only, i.e. to weights but not biases in MlpKernels'
// layout.
struct OptimizerSettings {
  enum class Kind { kAdam, kSgd };
  Kind kind = Kind::kAdam;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double momentum = 0.0;
  double weight_decay = 0.0;
};

template <typename T>
class MlpOptimizer {
 public:
  using Settings = OptimizerSettings;
  using Kind = OptimizerSettings::Kind;

  MlpOptimizer(const Settings& settings, Eigen::Index num_parameters, Eigen::Index num_decayed);

  // One update of `params` (num_parameters entries) along `gradient`.
  void step(T* params, const T* gradient, double lr);
  std::int64_t steps() const { return steps_; }

 private:
  Settings settings_;
  Eigen::Index num_decayed_;
  std::int64_t steps_ = 0;
  std::optional<Adam<T>> adam_;                   // kAdam
  Eigen::Matrix<T, Eigen::Dynamic, 1> velocity_;  // kSgd
};

// The GEMM the kernels run on: "Eigen", or "OpenBLAS" when built with the CMake
// option HARDNETS_OPENBLAS (products of at least 64^3 multiply-adds go to
// OpenBLAS, on one thread; smaller ones stay on Eigen).
const char* mlp_gemm_backend();
// C = A B (column-major, m x k times k x n) through the kernels' GEMM, as a
// training step runs it; for benchmarks (it allocates packing buffers).
void mlp_sgemm(Eigen::Index m, Eigen::Index n, Eigen::Index k, const float* A, const float* B,
               float* C);

extern template class MlpKernels<float>;
extern template class MlpKernels<double>;
extern template class MlpOptimizer<float>;
extern template class MlpOptimizer<double>;

}  // namespace hardnets
