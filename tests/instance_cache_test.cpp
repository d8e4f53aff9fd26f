// Instances shared within a sweep (lab/instance_cache.h): a stored and loaded
// instance equals the generated one bit for bit, for every registered problem;
// a sweep of one problem point with several learner points generates it once;
// and the results equal those of runs that generate their own instance.
#include "hardnets/lab/instance_cache.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <fstream>
#include <map>
#include <numeric>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cli_test.h"
#include "hardnets/lab/run.h"
#include "hardnets/lab/store.h"
#include "hardnets/lab/sweep.h"
#include "hardnets/lab/sweep_spec.h"
#include "test_util.h"

namespace hardnets {
namespace {

using testing::TempDir;

bool same_bits(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::equal(a.data(), a.data() + a.size(), b.data(), [](double x, double y) {
           return std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y);
         });
}

bool same_bits(const Vector& a, const Vector& b) {
  return same_bits(Matrix(a.transpose()), Matrix(b.transpose()));
}

TEST(InstanceCache, EveryProblemLoadsBitForBitAsGenerated) {
  TempDir dir("instances");
  const InstanceCache cache(dir.path());
  for (const std::string& name : problem_registry().names()) {
    const Problem& problem = problem_registry().get(name);
    const Params params = problem.spec().resolve(testing::small_params_of(name));
    const Instance generated = problem.generate(params, 3, {60, 25}, {1});
    cache.store(name, generated);
    ASSERT_TRUE(cache.contains(name)) << name;
    const std::optional<Instance> loaded = cache.load(name, params);
    ASSERT_TRUE(loaded.has_value()) << name;
    EXPECT_EQ(loaded->problem, generated.problem) << name;
    EXPECT_EQ(loaded->seed, generated.seed) << name;
    EXPECT_EQ(loaded->params.to_json(), generated.params.to_json()) << name;
    EXPECT_TRUE(same_bits(loaded->train.X, generated.train.X)) << name;
    EXPECT_TRUE(same_bits(loaded->train.y, generated.train.y)) << name;
    EXPECT_TRUE(same_bits(loaded->test.X, generated.test.X)) << name;
    EXPECT_TRUE(same_bits(loaded->test.y, generated.test.y)) << name;
    // CBOR keeps every number exactly; compare the JSON as text too, which
    // also checks key order.
    EXPECT_EQ(loaded->task.dump(), generated.task.dump()) << name;
    EXPECT_EQ(loaded->truth.dump(), generated.truth.dump()) << name;
    EXPECT_EQ(loaded->card.dump(), generated.card.dump()) << name;
    cache.remove(name);
    EXPECT_FALSE(cache.contains(name)) << name;
  }
}

TEST(InstanceCache, UnreadableFilesAreRegenerated) {
  TempDir dir("instances-bad");
  const InstanceCache cache(dir.path());
  const Problem& teacher = problem_registry().get("teacher");
  const Params params = teacher.spec().defaults();
  const Instance generated = teacher.generate(params, 1, {30, 10}, {1});
  cache.store("k", generated);
  // Cut the file short: the loader refuses it, obtain() generates again.
  const auto path = dir.path() / "k.instance";
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 8);
  EXPECT_FALSE(cache.load("k", params).has_value());
  std::ofstream(dir.path() / "junk.instance") << "not an instance";
  EXPECT_FALSE(cache.load("junk", params).has_value());
  bool loaded = true;
  int generations = 0;
  const Instance again = cache.obtain(
      "k", params,
      [&] {
        return ++generations, teacher.generate(params, 1, {30, 10}, {1});
      },
      /*share=*/true, &loaded);
  EXPECT_FALSE(loaded);
  EXPECT_EQ(generations, 1);
  EXPECT_TRUE(same_bits(again.train.X, generated.train.X));
  // The regenerated instance was stored whole: the next run loads it.
  cache.obtain(
      "k", params, [&] { return ++generations, generated; }, true, &loaded);
  EXPECT_TRUE(loaded);
  EXPECT_EQ(generations, 1);
}

// A load past the memory budget fails like a generation past it: with
// std::bad_alloc, which the sweep stores as the run's `oom`.
TEST(InstanceCache, LoadPastTheMemoryBudgetIsBadAlloc) {
  TempDir dir("instances-big");
  const InstanceCache cache(dir.path());
  const Problem& teacher = problem_registry().get("teacher");
  const Params params = teacher.spec().resolve(std::vector<std::string>{"d=2500", "depth=1"});
  cache.store("big", teacher.generate(params, 1, {5000, 10}, {1}));
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const rlim_t bytes = 64ull << 20;
    rlimit limit{bytes, bytes};
    setrlimit(RLIMIT_AS, &limit);
    try {
      bool loaded = false;
      cache.obtain(
          "big", params, [&] { return Instance{}; }, false, &loaded);
    } catch (const std::bad_alloc&) {
      _exit(3);
    } catch (...) {
      _exit(4);
    }
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 3);
}

TEST(InstanceCache, KeyIsTheInstanceNotTheLearner) {
  const Json a{{"problem", "teacher"},
               {"problem_params", {{"d", 3}}},
               {"seed", 1},
               {"n_train", 10},
               {"n_test", 5},
               {"learner", "mean"},
               {"threads", 1}};
  Json b = a;
  b["learner"] = "ridge";
  b["threads"] = 4;
  Json c = a;
  c["seed"] = 2;
  EXPECT_EQ(InstanceCache::key_of(a), InstanceCache::key_of(b));
  EXPECT_NE(InstanceCache::key_of(a), InstanceCache::key_of(c));
}

// The metrics a run's result is made of, without its timings.
std::map<std::string, double> figures(const RunRecord& r) {
  std::map<std::string, double> out;
  for (const auto& [k, v] : r.metrics) {
    if (k != "seconds" && k != "cpu_seconds" && k != "peak_mb" && k != "generate_seconds" &&
        k != "instance_loaded") {
      out[k] = v;
    }
  }
  return out;
}

TEST(Sweep, LearnerPointsShareOneGeneration) {
  TempDir dir("shared");
  const SweepPlan plan = parse_sweep(R"(
[sweep]
name = "shared"
seeds = [1, 2]
n_train = 200
n_test = 50
[[problems]]
name = "teacher"
params = { d = 4 }
[[learners]]
name = "mean"
[[learners]]
name = "ridge"
params = { lambda = [0.0, 0.1, 1.0] }
)",
                                     "shared.toml");
  ASSERT_EQ(plan.runs.size(), 8u);
  std::vector<std::size_t> all(plan.runs.size());
  std::iota(all.begin(), all.end(), 0);
  for (int jobs : {1, 3}) {
    Store store((dir.path() / fmt::format("j{}.db", jobs)).string());
    execute_sweep(plan, all, store, SweepOptions{jobs, false});
    std::map<std::int64_t, int> generated, loaded;
    for (const RunRecord& r : store.runs()) {
      ASSERT_EQ(r.status, Outcome::ok) << r.message;
      (r.metrics.at("instance_loaded") == 1.0 ? loaded : generated)[r.seed]++;
      // The same figures as a run that generates its own instance.
      for (const PlannedRun& run : plan.runs) {
        if (run.run_id == r.run_id) {
          EXPECT_EQ(figures(r), figures(make_record(execute_run(run)))) << r.run_id;
        }
      }
    }
    // One generation per seed, whatever the jobs; three loads each.
    EXPECT_EQ(generated, (std::map<std::int64_t, int>{{1, 1}, {2, 1}})) << jobs;
    EXPECT_EQ(loaded, (std::map<std::int64_t, int>{{1, 3}, {2, 3}})) << jobs;
  }
  // Without sharing (`sweep --regenerate`) every run generates its own.
  Store alone((dir.path() / "alone.db").string());
  execute_sweep(plan, all, alone, SweepOptions{2, false, /*share_instances=*/false});
  for (const RunRecord& r : alone.runs()) {
    EXPECT_FALSE(r.metrics.contains("instance_loaded")) << r.run_id;
  }
}

}  // namespace
}  // namespace hardnets
