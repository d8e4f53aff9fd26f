#include "hardnets/nets/mlp_kernels.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace hardnets {
template <typename T>
MlpKernels<T>::MlpKernels(std::vector<int> sizes, Eigen::Index max_batch)
    : sizes_(std::move(sizes)), max_batch_(max_batch) {
  if (sizes_.size() < 2 || sizes_.back() != 1 || max_batch_ < 1) {
    throw std::logic_error("MlpKernels needs sizes {d, ..., 1} and max_batch >= 1");
  }
  const std::size_t L = sizes_.size() - 1;
  Eigen::Index offset = 0;
  for (std::size_t l = 0; l < L; ++l) {
    layers_.push_back({sizes_[l], sizes_[l + 1], offset, 0});
    offset += Eigen::Index{sizes_[l]} * sizes_[l + 1];
  }
  num_weights_ = offset;
  for (auto& layer : layers_) {
    layer.bias_offset = offset;
    offset += layer.out;
  }
  params_ = Vec::Zero(offset);
  grad_ = Vec::Zero(offset);
  for (const auto& layer : layers_) {
    activations_.push_back(Mat::Zero(layer.out, max_batch_));
    deltas_.push_back(Mat::Zero(layer.out, max_batch_));
  }
}

template <typename T>
typename MlpKernels<T>::MatMap MlpKernels<T>::weight(int l) {
  const Layer& layer = layers_[l];
  return MatMap(params_.data() + layer.weight_offset, layer.out, layer.in);
}
template <typename T>
typename MlpKernels<T>::ConstMatMap MlpKernels<T>::weight(int l) const {
  const Layer& layer = layers_[l];
  return ConstMatMap(params_.data() + layer.weight_offset, layer.out, layer.in);
}
template <typename T>
typename MlpKernels<T>::VecMap MlpKernels<T>::bias(int l) {
  return VecMap(params_.data() + layers_[l].bias_offset, layers_[l].out);
}
template <typename T>
typename MlpKernels<T>::ConstVecMap MlpKernels<T>::bias(int l) const {
  return ConstVecMap(params_.data() + layers_[l].bias_offset, layers_[l].out);
}
template <typename T>
typename MlpKernels<T>::ConstMatMap MlpKernels<T>::weight_gradient(int l) const {
  const Layer& layer = layers_[l];
  return ConstMatMap(grad_.data() + layer.weight_offset, layer.out, layer.in);
}
template <typename T>
typename MlpKernels<T>::ConstVecMap MlpKernels<T>::bias_gradient(int l) const {
  return ConstVecMap(grad_.data() + layers_[l].bias_offset, layers_[l].out);
}

template <typename T>
void MlpKernels<T>::load(const ReluNet& net) {
  if (net.sizes() != sizes_) throw std::logic_error("MlpKernels::load: sizes differ");
  for (int l = 0; l < depth(); ++l) {
    weight(l) = net.layers()[l].W.template cast<T>();
    bias(l) = net.layers()[l].b.template cast<T>();
  }
}

template <typename T>
ReluNet MlpKernels<T>::to_relu_net() const {
  ReluNet net(sizes_);
  for (int l = 0; l < depth(); ++l) {
    net.layers()[l].W = weight(l).template cast<double>();
    net.layers()[l].b = bias(l).template cast<double>();
  }
  return net;
}

template <typename T>
void MlpKernels<T>::forward_pass(const T* X, Eigen::Index batch) {
  const T* input = X;
  const int L = depth();
  for (int l = 0; l < L; ++l) {
    const Layer& layer = layers_[l];
    ConstMatMap a_in(input, layer.in, batch);
    MatMap z(activations_[l].data(), layer.out, batch);
    // One GEMM per layer (a GEMV for the one-unit output row). Eigen's blocked
    // GEMM beat its coefficient-based "lazy" product even at 32x16x32
    // (bench/micro_bench.cpp, BM_Product), so it is used for every shape.
    z.noalias() = weight(l) * a_in;
    const auto b = bias(l);
    if (l + 1 < L) {
      // Bias and ReLU fused in one sweep over the (cache-resident) layer.
      for (Eigen::Index j = 0; j < batch; ++j) z.col(j) = (z.col(j) + b).cwiseMax(T(0));
    } else {
      z.array() += b[0];  // the scalar output's bias, along the row
    }
    input = z.data();
  }
}

template <typename T>
void MlpKernels<T>::forward(const T* X, Eigen::Index batch, T* out) {
  if (batch < 1 || batch > max_batch_) throw std::logic_error("MlpKernels: bad batch size");
  forward_pass(X, batch);
  std::copy_n(activations_.back().data(), batch, out);
}

template <typename T>
T MlpKernels<T>::loss_and_gradient(const T* X, const T* y, Eigen::Index batch) {
  if (batch < 1 || batch > max_batch_) throw std::logic_error("MlpKernels: bad batch size");
  forward_pass(X, batch);
  const int L = depth();

  // Output layer: d loss / d f(x_j) = (2 / B) (f(x_j) - y_j).
  Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>> output(activations_[L - 1].data(), batch);
  Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>> delta_out(deltas_[L - 1].data(), batch);
  Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>> target(y, batch);
  delta_out = output - target;
  const T loss = delta_out.squaredNorm() / static_cast<T>(batch);
  delta_out *= T(2) / static_cast<T>(batch);

  for (int l = L - 1; l >= 0; --l) {
    const Layer& layer = layers_[l];
    ConstMatMap a_in(l == 0 ? X : activations_[l - 1].data(), layer.in, batch);
    ConstMatMap delta(deltas_[l].data(), layer.out, batch);
    MatMap grad_W(grad_.data() + layer.weight_offset, layer.out, layer.in);
    VecMap grad_b(grad_.data() + layer.bias_offset, layer.out);

    // ∂L/∂W_l = δ_l a_{l-1}^T and ∂L/∂b_l = δ_l 1 (sum over the batch).
    grad_W.noalias() = delta * a_in.transpose();
    grad_b = delta.rowwise().sum();
    if (l == 0) break;  // no gradient with respect to the inputs

    // δ_{l-1} = (W_l^T δ_l) ⊙ 1[a_{l-1} > 0]: ReLU passes gradient where it was active.
    MatMap delta_in(deltas_[l - 1].data(), layer.in, batch);
    const auto W = weight(l);
    if (layer.out == 1) {
      // Rank-one outer product w δ^T, fused with the ReLU mask column by column.
      const auto w = W.row(0).transpose().array();
      for (Eigen::Index j = 0; j < batch; ++j) {
        delta_in.col(j) = (a_in.col(j).array() > T(0)).select(w * delta(0, j), T(0));
      }
    } else {
      delta_in.noalias() = W.transpose() * delta;
      delta_in = (a_in.array() > T(0)).select(delta_in.array(), T(0));
    }
  }
  return loss;
}

template <typename T>
double MlpKernels<T>::mean_squared_error(const T* X, const T* y, Eigen::Index n) {
  if (n <= 0) return 0.0;
  double total = 0.0;
  const Eigen::Index d = input_dim();
  for (Eigen::Index begin = 0; begin < n; begin += max_batch_) {
    const Eigen::Index count = std::min(max_batch_, n - begin);
    forward_pass(X + begin * d, count);
    const T* out = activations_.back().data();
    for (Eigen::Index j = 0; j < count; ++j) {
      const double r = static_cast<double>(out[j]) - static_cast<double>(y[begin + j]);
      total += r * r;
    }
  }
  return total / static_cast<double>(n);
}

template <typename T>
MlpOptimizer<T>::MlpOptimizer(const Settings& settings, Eigen::Index num_parameters,
                              Eigen::Index num_decayed)
    : settings_(settings), num_decayed_(num_decayed) {
  first_ = Eigen::Matrix<T, Eigen::Dynamic, 1>::Zero(num_parameters);
  if (settings_.kind == Kind::kAdam) {
    second_ = Eigen::Matrix<T, Eigen::Dynamic, 1>::Zero(num_parameters);
  }
}

template <typename T>
void MlpOptimizer<T>::step(T* params, const T* gradient, double lr) {
  ++steps_;
  const Eigen::Index n = first_.size();
  // The update is done in chunks that stay in L1 cache: each chunk goes through
  // the few Eigen array statements below (each a vectorised loop) while its
  // parameters, gradient and moments are still cached, so a large network's
  // buffers are streamed from memory once per step rather than once per
  // statement.
  constexpr Eigen::Index kChunk = 512;
  if (settings_.weight_decay > 0.0) {
    Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> decayed(params, num_decayed_);
    decayed *= static_cast<T>(1.0 - lr * settings_.weight_decay);
  }
  if (settings_.kind == Kind::kAdam) {
    // PyTorch's form θ ← θ - lr/(1-β1^t) m / (sqrt(v)/sqrt(1-β2^t) + ε), with the
    // bias corrections folded into a step size and an ε so that each element
    // costs one sqrt and one division.
    const double t = static_cast<double>(steps_);
    const double correction1 = 1.0 - std::pow(settings_.beta1, t);
    const double correction2 = std::sqrt(1.0 - std::pow(settings_.beta2, t));
    const T step_size = static_cast<T>(lr * correction2 / correction1);
    const T eps = static_cast<T>(settings_.eps * correction2);
    const T b1 = static_cast<T>(settings_.beta1), b2 = static_cast<T>(settings_.beta2);
    for (Eigen::Index s = 0; s < n; s += kChunk) {
      const Eigen::Index c = std::min(kChunk, n - s);
      Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>> g(gradient + s, c);
      auto m = first_.segment(s, c).array();
      auto v = second_.segment(s, c).array();
      Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> p(params + s, c);
      m = b1 * m + (T(1) - b1) * g;
      v = b2 * v + (T(1) - b2) * g.square();
      p -= step_size * m / (v.sqrt() + eps);
    }
  } else {
    const T mu = static_cast<T>(settings_.momentum), rate = static_cast<T>(lr);
    Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>> g(gradient, n);
    Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> p(params, n);
    if (mu == T(0)) {
      p -= rate * g;
    } else {
      for (Eigen::Index s = 0; s < n; s += kChunk) {
        const Eigen::Index c = std::min(kChunk, n - s);
        auto v = first_.segment(s, c).array();
        v = mu * v + g.segment(s, c);
        p.segment(s, c) -= rate * v;
      }
    }
  }
}

template class MlpKernels<float>;
template class MlpKernels<double>;
template class MlpOptimizer<float>;
template class MlpOptimizer<double>;

}  // namespace hardnets
