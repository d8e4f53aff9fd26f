// Google Benchmark of the PRG attacks (one core): `gf2` on index-encoded
// Goldreich XOR_3 systems and on dense sparse-parity systems (the issue's
// target: n = 4096 in under 1 s), the bare M4RI elimination, and
// `p5_collision` at and below the collision regime. Samples are drawn once per
// benchmark from goldreich.h (draw_seed, draw_hypergraph, outputs, encode) or
// the parity formula, with fixed seeds; the timed loop is the learner's fit.
// Counters: rank, found, exact (seed or support recovered), seed_kernel_dim,
// unseen_variables, guesses, assignments.
//
//   build/bench/hardnets_prg_bench --benchmark_filter='Gf2|P5'
#include <cmath>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "hardnets/contracts/goldreich.h"
#include "hardnets/core/rng.h"
#include "hardnets/learners/gf2_system.h"
#include "hardnets/learners/learner.h"

namespace {

using namespace hardnets;

struct Prg {
  Dataset train;
  Json task;
  std::vector<std::uint8_t> seed;
};

Prg prg(const goldreich::Predicate& p, int n, std::int64_t m, Seed seed) {
  const Rng root(seed, stream_id("prg-attack-bench"));
  Prg s;
  s.seed = goldreich::draw_seed(n, root.substream("seed"));
  const goldreich::Hypergraph g = goldreich::draw_hypergraph(n, p.k, m, root.substream("edges"));
  const auto y = goldreich::outputs(p, g, s.seed);
  s.train.X = goldreich::encode(g, "index");
  s.train.y.resize(m);
  for (std::int64_t i = 0; i < m; ++i) s.train.y[i] = y[static_cast<std::size_t>(i)];
  s.task = goldreich::Task{n, p, "index"}.to_json();
  return s;
}

Fit fit(const std::string& learner, const Dataset& train, const Json& task) {
  const Learner& l = learner_registry().get(learner);
  LearnerContext ctx;
  ctx.task = task;
  return l.fit(train, l.spec().defaults(), ctx);
}

void report(benchmark::State& state, const Fit& f, bool exact) {
  state.counters["m"] = f.stats.at(metric::kSamples);
  for (const char* key : {"rank", "seed_kernel_dim", "unseen_variables", "guesses", "assignments",
                          "collisions", "elimination_seconds"}) {
    if (f.stats.count(key)) state.counters[key] = f.stats.at(key);
  }
  state.counters["found"] = f.output.at("found").get<bool>();
  state.counters["exact"] = exact;
}

// Times a seed-recovery attack on one PRG instance; `exact` = the true seed.
void time_seed_attack(benchmark::State& state, const std::string& learner, const Prg& s) {
  Fit f;
  for (auto _ : state) {
    f = fit(learner, s.train, s.task);
    benchmark::DoNotOptimize(f.output);
  }
  const auto n = static_cast<int>(s.seed.size());
  report(state, f,
         goldreich::seed_from_string(f.output["seed"].get<std::string>(), n, "bench") == s.seed);
}

// gf2 on XOR_3, index encoding. Arguments: n, regime (0: m = n + 20, the
// consistency distinguisher; 1: m = ⌈n (ln n + 3) / 3⌉, E[unseen] = e^{-3},
// where the seed is determined).
void BM_Gf2Xor3(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::int64_t m = state.range(1) == 0
                             ? n + 20
                             : static_cast<std::int64_t>(std::ceil(n * (std::log(n) + 3) / 3));
  time_seed_attack(state, "gf2", prg(goldreich::xor_predicate(3), n, m, 1));
}
BENCHMARK(BM_Gf2Xor3)
    ->ArgsProduct({{1024, 4096}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// gf2 on a noiseless 3-sparse parity, dense ±1 rows, m = n + 20.
void BM_Gf2Parity(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::int64_t m = n + 20;
  Rng rng(1, stream_id("prg-attack-bench-parity"));
  Dataset train;
  train.X.resize(m, n);
  train.y.resize(m);
  const std::vector<int> support = {3, n / 2, n - 7};
  for (std::int64_t i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) train.X(i, j) = rng.sign();
    train.y[i] = train.X(i, support[0]) * train.X(i, support[1]) * train.X(i, support[2]);
  }
  const Json task = Json{{"family", "parity"}, {"n", n}, {"k", 3}, {"noise", 0.0}};
  Fit f;
  for (auto _ : state) {
    f = fit("gf2", train, task);
    benchmark::DoNotOptimize(f.output);
  }
  report(state, f, f.output["support"].get<std::vector<int>>() == support);
}
BENCHMARK(BM_Gf2Parity)->Arg(1024)->Arg(4096)->Unit(benchmark::kMillisecond)->UseRealTime();

// The bare elimination (gf2::System::solve) of an (n + 20) × n dense system.
void BM_Gf2SystemSolve(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Rng rng(2, stream_id("prg-attack-bench-system"));
  gf2::System sys(n);
  std::vector<std::uint8_t> row(static_cast<std::size_t>(n));
  for (int i = 0; i < n + 20; ++i) {
    for (auto& b : row) b = static_cast<std::uint8_t>(rng.next_u64() >> 63);
    sys.add_dense(row, rng.next_u64() >> 63);
  }
  gf2::Solution sol;
  for (auto _ : state) {
    sol = sys.solve();
    benchmark::DoNotOptimize(sol.x);
  }
  state.counters["rank"] = sol.rank;
}
BENCHMARK(BM_Gf2SystemSolve)->Arg(1024)->Arg(4096)->Unit(benchmark::kMillisecond)->UseRealTime();

// p5_collision. Arguments: n, stretch in hundredths (m = ⌈n^σ⌉; 150 with a
// factor 2, i.e. m = 2 n^1.5).
void BM_P5Collision(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const double sigma = static_cast<double>(state.range(1)) / 100.0;
  const double factor = state.range(1) == 150 ? 2.0 : 1.0;
  const auto m = static_cast<std::int64_t>(std::ceil(factor * std::pow(n, sigma)));
  time_seed_attack(state, "p5_collision", prg(goldreich::p5_predicate(), n, m, 1));
}
BENCHMARK(BM_P5Collision)
    ->Args({64, 150})
    ->Args({128, 150})
    ->Args({256, 150})
    ->Args({64, 130})
    ->Args({128, 130})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
