// Google Benchmark micro-benchmarks of the hot paths: the double reference
// network (ReluNet forward / loss_and_gradient), the float training kernels
// (one Adam step = forward + backward + update, and its parts), the raw
// products they are made of, and data generation with Rng::fill_normal.
//
// Shapes are {d, width, batch}: the three of bench/compare_torch.py, with two
// hidden layers. Items/second counts samples (or numbers, for fill_normal).
#include <vector>

#include <benchmark/benchmark.h>

#include "hardnets/core/rng.h"
#include "hardnets/nets/mlp_kernels.h"
#include "hardnets/nets/relu_net.h"

namespace {

using hardnets::MlpKernels;
using hardnets::MlpOptimizer;
using hardnets::ReluNet;
using hardnets::Rng;
using MatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
using VecF = Eigen::Matrix<float, Eigen::Dynamic, 1>;

ReluNet random_net(const std::vector<int>& sizes, std::uint64_t seed) {
  ReluNet net(sizes);
  Rng rng(seed, hardnets::stream_id("micro_bench.net"));
  Eigen::VectorXd theta(net.num_parameters());
  rng.fill_normal({theta.data(), static_cast<std::size_t>(theta.size())});
  net.set_flat(theta / std::sqrt(static_cast<double>(sizes[1])));
  return net;
}

template <typename M>
void fill(M& m, std::uint64_t stream) {
  Rng rng(3, stream);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    m.data()[i] = static_cast<typename M::Scalar>(rng.normal());
  }
}

void shapes(benchmark::internal::Benchmark* b) {
  b->Args({16, 32, 32})->Args({64, 256, 128})->Args({64, 1024, 128});
}

void BM_ReluNetForward(benchmark::State& state) {
  const int d = state.range(0), w = state.range(1), n = state.range(2);
  const ReluNet net = random_net({d, w, w, 1}, 1);
  hardnets::Matrix X(n, d);
  fill(X, 1);
  for (auto _ : state) benchmark::DoNotOptimize(net.forward(X));
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_ReluNetForward)->Apply(shapes);

void BM_ReluNetLossAndGradient(benchmark::State& state) {
  const int d = state.range(0), w = state.range(1), n = state.range(2);
  const ReluNet net = random_net({d, w, w, 1}, 1);
  hardnets::Matrix X(n, d);
  hardnets::Vector y(n);
  fill(X, 1);
  fill(y, 2);
  std::vector<hardnets::DenseLayer> gradient;
  for (auto _ : state) benchmark::DoNotOptimize(net.loss_and_gradient(X, y, &gradient));
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_ReluNetLossAndGradient)->Apply(shapes);

// One full float training step: forward, backward and Adam update.
void BM_FloatTrainStep(benchmark::State& state) {
  const int d = state.range(0), w = state.range(1), n = state.range(2);
  MlpKernels<float> net({d, w, w, 1}, n);
  net.load(random_net({d, w, w, 1}, 1));
  MlpOptimizer<float> adam({}, net.num_parameters(), net.num_weights());
  MatF X(d, n);
  VecF y(n);
  fill(X, 1);
  fill(y, 2);
  for (auto _ : state) {
    benchmark::DoNotOptimize(net.loss_and_gradient(X.data(), y.data(), n));
    adam.step(net.parameters().data(), net.gradient().data(), 1e-4);
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["GFLOP/s"] = benchmark::Counter(
      6.0 * static_cast<double>(net.num_weights()) * n * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_FloatTrainStep)->Apply(shapes);

void BM_FloatLossAndGradient(benchmark::State& state) {
  const int d = state.range(0), w = state.range(1), n = state.range(2);
  MlpKernels<float> net({d, w, w, 1}, n);
  net.load(random_net({d, w, w, 1}, 1));
  MatF X(d, n);
  VecF y(n);
  fill(X, 1);
  fill(y, 2);
  for (auto _ : state) benchmark::DoNotOptimize(net.loss_and_gradient(X.data(), y.data(), n));
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_FloatLossAndGradient)->Apply(shapes);

void BM_FloatForward(benchmark::State& state) {
  const int d = state.range(0), w = state.range(1), n = state.range(2);
  MlpKernels<float> net({d, w, w, 1}, n);
  net.load(random_net({d, w, w, 1}, 1));
  MatF X(d, n);
  VecF out(n);
  fill(X, 1);
  for (auto _ : state) {
    net.forward(X.data(), n, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_FloatForward)->Apply(shapes);

// The Adam update alone, on a network's worth of parameters (range(0)).
void BM_AdamUpdate(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  VecF params(n), grad(n);
  fill(params, 1);
  fill(grad, 2);
  MlpOptimizer<float> adam({}, n, n);
  for (auto _ : state) {
    adam.step(params.data(), grad.data(), 1e-4);
    benchmark::DoNotOptimize(params.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_AdamUpdate)->Arg(1 << 11)->Arg(1 << 17)->Arg(1 << 20);

// Raw float products C (m x n) = A (m x k) * B (k x n) in the three forms the
// backward pass uses, Eigen's blocked GEMM against its lazy (coefficient-based)
// product. The GEMM won at every shape measured, even 32x16x32, which is why
// mlp_kernels.cpp uses it throughout.
template <int kForm, bool kLazy>
void BM_Product(benchmark::State& state) {
  const int m = state.range(0), k = state.range(1), n = state.range(2);
  // kForm 0: A B; 1: A^T B (A stored k x m); 2: A B^T (B stored n x k).
  MatF A = kForm == 1 ? MatF(k, m) : MatF(m, k);
  MatF B = kForm == 2 ? MatF(n, k) : MatF(k, n);
  MatF C(m, n);
  fill(A, 1);
  fill(B, 2);
  for (auto _ : state) {
    if constexpr (kForm == 0) {
      if constexpr (kLazy)
        C.noalias() = A.lazyProduct(B);
      else
        C.noalias() = A * B;
    } else if constexpr (kForm == 1) {
      if constexpr (kLazy)
        C.noalias() = A.transpose().lazyProduct(B);
      else
        C.noalias() = A.transpose() * B;
    } else {
      if constexpr (kLazy)
        C.noalias() = A.lazyProduct(B.transpose());
      else
        C.noalias() = A * B.transpose();
    }
    benchmark::DoNotOptimize(C.data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * m * k * n * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}
void product_shapes(benchmark::internal::Benchmark* b) {
  b->Args({32, 16, 32})->Args({32, 32, 32})->Args({64, 64, 64})->Args({256, 256, 128});
  b->Args({1024, 1024, 128})->Args({1024, 128, 1024});
}
// The lazy product only competes on tiny shapes (and is slow to run on big ones).
void small_product_shapes(benchmark::internal::Benchmark* b) {
  b->Args({32, 16, 32})->Args({32, 32, 32})->Args({64, 64, 64});
}
BENCHMARK(BM_Product<0, false>)->Name("BM_Product/AB/gemm")->Apply(product_shapes);
BENCHMARK(BM_Product<0, true>)->Name("BM_Product/AB/lazy")->Apply(small_product_shapes);
BENCHMARK(BM_Product<1, false>)->Name("BM_Product/AtB/gemm")->Apply(product_shapes);
BENCHMARK(BM_Product<1, true>)->Name("BM_Product/AtB/lazy")->Apply(small_product_shapes);
BENCHMARK(BM_Product<2, false>)->Name("BM_Product/ABt/gemm")->Apply(product_shapes);
BENCHMARK(BM_Product<2, true>)->Name("BM_Product/ABt/lazy")->Apply(small_product_shapes);

// Data generation: i.i.d. N(0, 1) doubles from the counter-based generator.
void BM_FillNormal(benchmark::State& state) {
  std::vector<double> out(static_cast<std::size_t>(state.range(0)));
  Rng rng(1, hardnets::stream_id("micro_bench.fill"));
  for (auto _ : state) {
    rng.fill_normal(out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FillNormal)->Arg(1 << 10)->Arg(1 << 16);

}  // namespace
