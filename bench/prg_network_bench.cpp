// Labelling cost of the Daniely–Srebro–Vardi 2023 depth-3 network (prg_depth3) with
// implicit evaluation. Issue target: 10^6 labels at n = 1024, k = 5 (P5) in
// under 2 s.
//
// BM_PrgDepth3LabelImplicit draws one block of 2^16 inputs outside the timed
// loop and labels it 16 times per iteration (1,048,576 labels): only the
// labelling is timed. Arguments: tau (0, or 1 = 1e-5 ≈ 0.003 δ), pad (-1 = n,
// d = 1074; 0: d = R = 50), threads. With τ > 0 layer 1 is a dense noisy
// 300 x d matrix, one GEMM per 256-row block. BM_PrgDepth3DrawInputs times
// the input generation alone (2^16 rows of N(0, I_d)).
#include <benchmark/benchmark.h>

#include "hardnets/problems/prg_network.h"

namespace hardnets {
namespace {

using namespace prg_network;

Network depth3_network(double tau, std::int64_t pad) {
  const Problem& p = problem_registry().get("prg_depth3");
  const Params params = p.spec().resolve(
      std::vector<std::string>{"n=1024", "predicate=p5", fmt::format("tau={}", tau),
                               fmt::format("pad={}", pad), "evaluation=implicit"});
  return Network::from_params(Kind::kDepth3, params, 1);
}

void BM_PrgDepth3LabelImplicit(benchmark::State& state) {
  const double tau = state.range(0) == 0 ? 0.0 : 1e-5;
  const int threads = static_cast<int>(state.range(2));
  const Network net = depth3_network(tau, state.range(1));
  const auto seed = instance_seed(Kind::kDepth3, 1, net.n());
  constexpr std::int64_t kRows = 1 << 16, kPasses = 16;
  const Matrix X = draw_network_inputs(net, kRows, Rng(2, 3), threads);
  double sink = 0;
  for (auto _ : state) {
    for (std::int64_t pass = 0; pass < kPasses; ++pass) {
      const Vector y = label_implicit(net, seed, X, threads);
      sink += y[pass];
    }
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations() * kRows * kPasses);
  state.counters["d"] = net.d();
}
BENCHMARK(BM_PrgDepth3LabelImplicit)
    ->ArgNames({"tau", "pad", "threads"})
    ->Args({0, -1, 1})
    ->Args({0, -1, 2})
    ->Args({1, -1, 1})
    ->Args({1, -1, 2})
    ->Args({1, 0, 1})
    ->Args({1, 0, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

void BM_PrgDepth3DrawInputs(benchmark::State& state) {
  const Network net = depth3_network(0.0, -1);
  const int threads = static_cast<int>(state.range(0));
  constexpr std::int64_t kRows = 1 << 16;
  for (auto _ : state) {
    const Matrix X = draw_network_inputs(net, kRows, Rng(2, 3), threads);
    benchmark::DoNotOptimize(X.data());
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_PrgDepth3DrawInputs)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace hardnets
