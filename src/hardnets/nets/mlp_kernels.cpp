#include "hardnets/nets/mlp_kernels.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <mutex>
#include <type_traits>

#include <Eigen/Core>

#ifdef HARDNETS_WITH_OPENBLAS
// CBLAS entry points (declared here rather than through <cblas.h>, which
// Debian ships in several variants). The enums use the CBLAS values.
extern "C" {
enum HardnetsCblasOrder { kCblasColMajor = 102 };
enum HardnetsCblasTranspose { kCblasNoTrans = 111, kCblasTrans = 112 };
void cblas_sgemm(HardnetsCblasOrder, HardnetsCblasTranspose, HardnetsCblasTranspose, int, int, int,
                 float, const float*, int, const float*, int, float, float*, int);
void cblas_dgemm(HardnetsCblasOrder, HardnetsCblasTranspose, HardnetsCblasTranspose, int, int, int,
                 double, const double*, int, const double*, int, double, double*, int);
void openblas_set_num_threads(int);
}
#endif

namespace hardnets {
namespace {

#ifdef HARDNETS_WITH_OPENBLAS
// One OpenBLAS thread, whatever OPENBLAS_NUM_THREADS says: the kernels are
// single-threaded by design, and a fixed thread count keeps results bit-identical.
void use_one_blas_thread() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}
// ... and set when the library is loaded, not at the first network: OpenBLAS
// re-creates its worker threads in every fork()ed child (each sweep run) with
// the thread count current at the fork, and idle workers spin for a while.
// Measured: a 0.23 s sgd fit took 0.30 s wall and 0.44 s CPU in a sweep child
// before this, and --jobs 2 lost that CPU to the spinning.
const bool kOneBlasThreadAtLoad = (use_one_blas_thread(), true);
#else
void use_one_blas_thread() {}
#endif

// C = op(A) op(B) (m x n, column-major, leading dimension m) through Eigen's
// blocked GEMM with a workspace owned by the caller. Called as
// `C.noalias() = A * B`, Eigen recomputes its blocking sizes on every call and
// allocates (and frees) the packing buffers of every product larger than its
// 128 KiB stack limit. A plan computes the blocking once, for the largest
// product (max_batch columns; it remains valid for smaller ones), and packs into
// buffers shared by all the plans of a network: the step allocates nothing and
// the packing buffers stay hot in cache from one product to the next. The
// orders say how A and B are stored: ColMajor, or RowMajor for a transposed
// column-major view.
template <typename T, int LhsOrder, int RhsOrder>
class GemmPlan : public Eigen::internal::level3_blocking<T, T> {
 public:
  GemmPlan(Eigen::Index max_m, Eigen::Index max_n, Eigen::Index max_k) {
    this->m_mc = max_m;
    this->m_nc = max_n;
    this->m_kc = max_k;
    Eigen::internal::computeProductBlockingSizes<T, T, 1>(this->m_kc, this->m_mc, this->m_nc,
                                                          Eigen::Index{1});
  }
  // Packing buffer sizes (entries) this plan needs.
  Eigen::Index lhs_workspace() const { return this->m_mc * this->m_kc; }
  Eigen::Index rhs_workspace() const { return this->m_kc * this->m_nc; }
  void attach(T* lhs_workspace, T* rhs_workspace) {
    this->m_blockA = lhs_workspace;
    this->m_blockB = rhs_workspace;
  }

  void run(Eigen::Index m, Eigen::Index n, Eigen::Index k, const T* A, Eigen::Index lda, const T* B,
           Eigen::Index ldb, T* C) {
#ifdef HARDNETS_WITH_OPENBLAS
    if (m * n * k >= kMinBlasProduct) {
      blas_run(m, n, k, A, lda, B, ldb, C);
      return;
    }
#endif
    // Eigen's kernel accumulates (C += A B): clear the output first.
    Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>(C, m, n).setZero();
    Eigen::internal::general_matrix_matrix_product<Eigen::Index, T, LhsOrder, false, T, RhsOrder,
                                                   false, Eigen::ColMajor, 1>::run(m, n, k, A, lda,
                                                                                   B, ldb, C, 1, m,
                                                                                   T(1), *this,
                                                                                   nullptr);
  }

#ifdef HARDNETS_WITH_OPENBLAS
 private:
  // Products smaller than 64^3 multiply-adds stay on Eigen: there OpenBLAS's
  // per-call overhead costs more than its faster kernel saves (small shape).
  static constexpr Eigen::Index kMinBlasProduct = 64 * 64 * 64;

  static void blas_run(Eigen::Index m, Eigen::Index n, Eigen::Index k, const T* A, Eigen::Index lda,
                       const T* B, Eigen::Index ldb, T* C) {
    // C = op(A) op(B) with beta = 0: no clearing pass. A RowMajor operand is
    // the transpose of the column-major matrix stored with the same stride.
    const auto op_a = LhsOrder == Eigen::RowMajor ? kCblasTrans : kCblasNoTrans;
    const auto op_b = RhsOrder == Eigen::RowMajor ? kCblasTrans : kCblasNoTrans;
    const int mi = static_cast<int>(m), ni = static_cast<int>(n), ki = static_cast<int>(k);
    if constexpr (std::is_same_v<T, float>) {
      cblas_sgemm(kCblasColMajor, op_a, op_b, mi, ni, ki, 1.0f, A, static_cast<int>(lda), B,
                  static_cast<int>(ldb), 0.0f, C, mi);
    } else {
      cblas_dgemm(kCblasColMajor, op_a, op_b, mi, ni, ki, 1.0, A, static_cast<int>(lda), B,
                  static_cast<int>(ldb), 0.0, C, mi);
    }
  }
#endif
};

}  // namespace

const char* mlp_gemm_backend() {
#ifdef HARDNETS_WITH_OPENBLAS
  return "OpenBLAS";
#else
  return "Eigen";
#endif
}

void mlp_sgemm(Eigen::Index m, Eigen::Index n, Eigen::Index k, const float* A, const float* B,
               float* C) {
  use_one_blas_thread();
  GemmPlan<float, Eigen::ColMajor, Eigen::ColMajor> plan(m, n, k);
  Eigen::Matrix<float, Eigen::Dynamic, 1> lhs(plan.lhs_workspace()), rhs(plan.rhs_workspace());
  plan.attach(lhs.data(), rhs.data());
  plan.run(m, n, k, A, m, B, k, C);
}

template <typename T>
struct MlpKernels<T>::LayerGemms {
  GemmPlan<T, Eigen::ColMajor, Eigen::ColMajor> forward;      // Z = W A
  GemmPlan<T, Eigen::ColMajor, Eigen::RowMajor> weight_grad;  // dW = Δ Aᵀ
  GemmPlan<T, Eigen::RowMajor, Eigen::ColMajor> input_grad;   // Δ_in = Wᵀ Δ
  LayerGemms(Eigen::Index in, Eigen::Index out, Eigen::Index max_batch)
      : forward(out, max_batch, in),
        weight_grad(out, in, max_batch),
        input_grad(in, max_batch, out) {}
};

template <typename T>
MlpKernels<T>::~MlpKernels() = default;
template <typename T>
MlpKernels<T>::MlpKernels(MlpKernels&&) noexcept = default;
template <typename T>
MlpKernels<T>& MlpKernels<T>::operator=(MlpKernels&&) noexcept = default;
template <typename T>
MlpKernels<T>::MlpKernels(std::vector<int> sizes, Eigen::Index max_batch)
    : sizes_(std::move(sizes)), max_batch_(max_batch) {
  if (sizes_.size() < 2 || sizes_.back() != 1 || max_batch_ < 1) {
    throw std::logic_error("MlpKernels needs sizes {d, ..., 1} and max_batch >= 1");
  }
  use_one_blas_thread();
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
    gemms_.push_back(
        layer.out == 1 ? nullptr : std::make_unique<LayerGemms>(layer.in, layer.out, max_batch_));
  }
  // One pair of packing buffers, as large as the most demanding product needs.
  Eigen::Index lhs_size = 0, rhs_size = 0;
  for (const auto& g : gemms_) {
    if (!g) continue;
    lhs_size = std::max({lhs_size, g->forward.lhs_workspace(), g->weight_grad.lhs_workspace(),
                         g->input_grad.lhs_workspace()});
    rhs_size = std::max({rhs_size, g->forward.rhs_workspace(), g->weight_grad.rhs_workspace(),
                         g->input_grad.rhs_workspace()});
  }
  lhs_workspace_ = Vec::Zero(lhs_size);
  rhs_workspace_ = Vec::Zero(rhs_size);
  for (auto& g : gemms_) {
    if (!g) continue;
    g->forward.attach(lhs_workspace_.data(), rhs_workspace_.data());
    g->weight_grad.attach(lhs_workspace_.data(), rhs_workspace_.data());
    g->input_grad.attach(lhs_workspace_.data(), rhs_workspace_.data());
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
    // One GEMM per layer (a GEMV for a one-unit layer such as the output row).
    // Eigen's blocked GEMM beat its coefficient-based "lazy" product even at
    // 32x16x32 (bench/micro_bench.cpp, BM_Product), so it is used for every shape.
    if (gemms_[l]) {
      gemms_[l]->forward.run(layer.out, batch, layer.in, params_.data() + layer.weight_offset,
                             layer.out, input, layer.in, z.data());
    } else {
      z.noalias() = weight(l) * a_in;
    }
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
    if (gemms_[l]) {
      gemms_[l]->weight_grad.run(layer.out, layer.in, batch, delta.data(), layer.out, a_in.data(),
                                 layer.in, grad_W.data());
    } else {
      grad_W.noalias() = delta * a_in.transpose();
    }
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
      gemms_[l]->input_grad.run(layer.in, batch, layer.out, W.data(), layer.out, delta.data(),
                                layer.out, delta_in.data());
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
  if (settings_.kind == Kind::kAdam) {
    adam_.emplace(AdamSettings{settings_.beta1, settings_.beta2, settings_.eps}, num_parameters,
                  AdamForm::kFolded);
  } else {
    velocity_ = Eigen::Matrix<T, Eigen::Dynamic, 1>::Zero(num_parameters);
  }
}

template <typename T>
void MlpOptimizer<T>::step(T* params, const T* gradient, double lr) {
  ++steps_;
  if (settings_.weight_decay > 0.0) {
    Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> decayed(params, num_decayed_);
    decayed *= static_cast<T>(1.0 - lr * settings_.weight_decay);
  }
  if (adam_) {
    adam_->step(params, gradient, lr);
    return;
  }
  const Eigen::Index n = velocity_.size();
  const T mu = static_cast<T>(settings_.momentum), rate = static_cast<T>(lr);
  Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>> g(gradient, n);
  Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> p(params, n);
  if (mu == T(0)) {
    p -= rate * g;
    return;
  }
  // In chunks that stay in L1 cache, as Adam's update (numerics/adam).
  constexpr Eigen::Index kChunk = 512;
  for (Eigen::Index s = 0; s < n; s += kChunk) {
    const Eigen::Index c = std::min(kChunk, n - s);
    auto v = velocity_.segment(s, c).array();
    v = mu * v + g.segment(s, c);
    p.segment(s, c) -= rate * v;
  }
}

template class MlpKernels<float>;
template class MlpKernels<double>;
template class MlpOptimizer<float>;
template class MlpOptimizer<double>;

}  // namespace hardnets
