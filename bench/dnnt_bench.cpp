// Google Benchmark of the D-NNT dynamic program `dnnt_dp` (one core): the
// performance target of issue 8 (n = 3 points, width k = 8, d = 8, domain
// {−1, 0, 1}, data in [−2, 2]) and its scaling in k and in n. Instances come
// from the problem `dnnt_random` (a planted network labels the data; flips = 1
// moves one label so the optimum is not trivially 0 everywhere) with fixed
// seeds; each benchmark reports the DP's state counts as counters.
//
//   build/bench/hardnets_dnnt_bench --benchmark_filter=Target
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "hardnets/learners/dnnt_dp.h"
#include "hardnets/problems/problem.h"

namespace {

using hardnets::dnnt::DnntInstance;

DnntInstance make_instance(int n, int k, int d, hardnets::Seed seed) {
  const hardnets::Problem& problem = hardnets::problem_registry().get("dnnt_random");
  const std::vector<std::string> args = {"n=" + std::to_string(n),
                                         "d=" + std::to_string(d),
                                         "width=" + std::to_string(k),
                                         "domain=-1,0,1",
                                         "data=2",
                                         "flips=1"};
  const hardnets::Instance instance = problem.generate(problem.spec().resolve(args), seed, {}, {});
  return DnntInstance::from_task(instance.task, instance.train);
}

// Arguments: n, k, d, seed.
void BM_DnntDp(benchmark::State& state) {
  const DnntInstance inst =
      make_instance(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
                    static_cast<int>(state.range(2)), static_cast<hardnets::Seed>(state.range(3)));
  hardnets::dnnt::DpResult result;
  for (auto _ : state) {
    result = hardnets::dnnt::solve_two_layer_dp(inst, hardnets::dnnt::DpOptions{});
    benchmark::DoNotOptimize(result.loss);
  }
  state.counters["opt_loss"] = static_cast<double>(result.loss);
  state.counters["unit_states"] = static_cast<double>(result.stats.unit_states);
  state.counters["contributions"] = static_cast<double>(result.stats.contributions);
  state.counters["half_states"] = static_cast<double>(result.stats.right_states);
}

// The target shape on five instances.
BENCHMARK(BM_DnntDp)
    ->Name("DnntDp/Target")
    ->ArgNames({"n", "k", "d", "seed"})
    ->ArgsProduct({{3}, {8}, {8}, {1, 2, 3, 4, 5}})
    ->Unit(benchmark::kMillisecond);
// Scaling in the width k (n = 3) and in the number of points n (k = 8).
BENCHMARK(BM_DnntDp)
    ->Name("DnntDp/Width")
    ->ArgNames({"n", "k", "d", "seed"})
    ->ArgsProduct({{3}, {2, 4, 16}, {8}, {1}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DnntDp)
    ->Name("DnntDp/Points")
    ->ArgNames({"n", "k", "d", "seed"})
    ->ArgsProduct({{1, 2, 4}, {8}, {8}, {1}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
