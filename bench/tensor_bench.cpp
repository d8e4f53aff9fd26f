// The `tensor` learner at d = 64, m = 16, N = 1e6 (issue #6's target: under
// 10 s on 2 cores), with 1 and 2 threads and with (refine = 2, the default)
// and without (refine = 0) the dual power steps. The teacher instance is
// generated once, outside the timed loop. Counters: net_distance and the
// parameter error (mean and worst sin of the recovered directions).
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "hardnets/core/resources.h"
#include "hardnets/learners/learner.h"
#include "hardnets/problems/problem.h"

namespace hardnets {
namespace {

const Instance& instance() {
  static const Instance inst = [] {
    keep_freed_memory();  // as the CLI does (core/resources.h)
    const Problem& teacher = problem_registry().get("teacher");
    const Params params = teacher.spec().resolve(
        std::vector<std::string>{"d=64", "width=16", "depth=2", "bias_scale=0.5"});
    return teacher.generate(params, 1, Sizes{1'000'000, 1000}, GenerateContext{2});
  }();
  return inst;
}

void BM_TensorD64M16N1e6(benchmark::State& state) {
  const Instance& inst = instance();
  const Learner& tensor = learner_registry().get("tensor");
  const Params params = tensor.spec().resolve(
      std::vector<std::string>{"width=16", "refine=" + std::to_string(state.range(1))});
  LearnerContext ctx;
  ctx.seed = 1;
  ctx.threads = static_cast<int>(state.range(0));
  Metrics judged;
  for (auto _ : state) {
    const Fit fit = tensor.fit(inst.train, params, ctx);
    benchmark::DoNotOptimize(fit.stats);
    judged = problem_registry().get("teacher").judge(inst, fit);
  }
  for (const char* name : {"net_distance", "param_sin_mean", "param_sin_max"}) {
    state.counters[name] = judged.at(name);
  }
}
BENCHMARK(BM_TensorD64M16N1e6)
    ->ArgNames({"threads", "refine"})
    ->Args({1, 2})
    ->Args({2, 2})
    ->Args({2, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace hardnets
