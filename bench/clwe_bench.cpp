// Li–Zadik–Zampetakis 2025 benchmarks: CLWE sampling and the hard network's labels
// (docs/performance.md, "CLWE"). The lattice attacks' timings come from
// bench/clwe_attack_bench.cpp.
#include <benchmark/benchmark.h>

#include "hardnets/learners/learner.h"
#include "hardnets/problems/problem.h"

namespace hardnets {
namespace {

// n samples of CLWE at dimension d (standard variant, binary64), training
// split only, with `threads` generator threads.
void BM_ClweSample(benchmark::State& state) {
  const Problem& clwe = problem_registry().get("clwe");
  const Params params = clwe.spec().resolve(
      std::vector<std::string>{"d=" + std::to_string(state.range(1)), "gamma=16", "beta=1e-4"});
  const Sizes sizes{state.range(0), 0};
  for (auto _ : state) {
    Instance inst = clwe.generate(params, 1, sizes, {static_cast<int>(state.range(2))});
    benchmark::DoNotOptimize(inst.train.y.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ClweSample)
    ->Args({1'000'000, 64, 1})
    ->Args({1'000'000, 64, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Multiprecision CLWE (the d+1-sample attack's input): d+1 samples at P bits.
void BM_ClweSampleMultiprecision(benchmark::State& state) {
  const Problem& clwe = problem_registry().get("clwe");
  const auto d = state.range(0);
  const Params params = clwe.spec().resolve(
      std::vector<std::string>{"d=" + std::to_string(d), "gamma=8", "beta=1e-60",
                               "precision=" + std::to_string(state.range(1))});
  for (auto _ : state) {
    Instance inst = clwe.generate(params, 1, {d + 1, 0}, {1});
    benchmark::DoNotOptimize(inst.task);
  }
}
BENCHMARK(BM_ClweSampleMultiprecision)->Args({40, 800})->Unit(benchmark::kMillisecond);

// Labels of the exact capped-triangle network (width 4γR + 1 = 225) on n inputs.
void BM_ClweReluLabels(benchmark::State& state) {
  const Problem& relu = problem_registry().get("clwe_relu");
  const Params params = relu.spec().resolve(
      std::vector<std::string>{"d=" + std::to_string(state.range(1)), "gamma=16", "R=3.5"});
  const Sizes sizes{state.range(0), 0};
  for (auto _ : state) {
    Instance inst = relu.generate(params, 1, sizes, {static_cast<int>(state.range(2))});
    benchmark::DoNotOptimize(inst.train.y.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ClweReluLabels)->Args({100'000, 64, 1})->Unit(benchmark::kMillisecond)->UseRealTime();

// The attack target: d = 64, γ = 16 (2√d), β = 1e-4, 192 samples
// available. Arguments: samples the lattice uses (n), reducer (0 = LLL,
// b > 0 = BKZ-b), seed. One fit per seed; `success` is the judge's verdict.
void BM_LllPrimal(benchmark::State& state) {
  const Problem& clwe = problem_registry().get("clwe");
  const Learner& attack = learner_registry().get("lll_primal");
  const Params problem_params =
      clwe.spec().resolve(std::vector<std::string>{"d=64", "gamma=16", "beta=1e-4"});
  const Instance inst =
      clwe.generate(problem_params, static_cast<Seed>(state.range(2)), {192, 0}, {1});
  std::vector<std::string> args{"n=" + std::to_string(state.range(0))};
  if (state.range(1) > 0) {
    args.push_back("reducer=bkz");
    args.push_back("block_size=" + std::to_string(state.range(1)));
  }
  const Params learner_params = attack.spec().resolve(args);
  LearnerContext ctx;
  ctx.task = inst.task;
  double success = 0.0;
  for (auto _ : state) {
    const Fit fit = attack.fit(inst.train, learner_params, ctx);
    success = clwe.judge(inst, fit)["success"];
  }
  state.counters["success"] = success;
}
BENCHMARK(BM_LllPrimal)
    ->ArgsProduct({{128}, {10}, {1, 2, 3}})
    ->ArgsProduct({{192}, {0}, {1, 2, 3}})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace hardnets
