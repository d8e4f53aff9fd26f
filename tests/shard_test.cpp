// Shards of a sweep's plan: --shard parsing, the LPT greedy (deterministic,
// balanced), instance groups kept together, disjoint shards covering the
// plan, and the sweep command's --shard flag (dry run, resume, bad input).
#include "hardnets/lab/shard.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "cli_test.h"
#include "hardnets/core/error.h"
#include "hardnets/lab/instance_cache.h"
#include "hardnets/lab/mpi.h"
#include "hardnets/lab/store.h"
#include "hardnets/lab/sweep_policy.h"
#include "hardnets/lab/sweep_spec.h"

namespace hardnets {
namespace {

using testing::run_cli;
using testing::TempDir;

std::string shard_error(const std::string& text) {
  try {
    parse_shard(text);
  } catch (const UserError& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(Shard, ParsesIOfK) {
  const ShardChoice s = parse_shard("2/8");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 8);
  EXPECT_EQ(s.text(), "2/8");
  EXPECT_EQ(parse_shard("1/1").text(), "1/1");
  EXPECT_EQ(shard_error("0/3"),
            "--shard 0/3: I, the part to run, must be between 1 and K = 3, got 0");
  EXPECT_EQ(shard_error("4/3"),
            "--shard 4/3: I, the part to run, must be between 1 and K = 3, got 4");
  EXPECT_EQ(shard_error("1/0"), "--shard 1/0: K, the number of parts, must be at least 1");
  for (const char* bad : {"x", "", "1", "1/", "/3", "-1/3", "1/3 ", "1.0/3", "1/3/4", "a/b"}) {
    EXPECT_EQ(
        shard_error(bad),
        fmt::format("--shard expects I/K, the I-th of K parts (1 <= I <= K, e.g. 2/8), got '{}'",
                    bad));
  }
  EXPECT_EQ(shard_error("99999999999999999999/3"),
            "--shard expects I/K, the I-th of K parts (1 <= I <= K, e.g. 2/8), got "
            "'99999999999999999999/3'");
  EXPECT_EQ(shard_error("1/2000000"), "--shard 1/2000000: K must be at most 1000000");
}

TEST(Shard, LptTakesTheHeaviestFirstIntoTheLightestShard) {
  // 5 -> A, 4 -> B, 3 -> B (7), 3 -> A (8), 3 -> B (10): the textbook case.
  EXPECT_EQ(assign_lpt({5, 4, 3, 3, 3}, 2), (std::vector<int>{0, 1, 1, 0, 1}));
  // Equal costs in the order given; equal loads to the shard with fewer
  // items, then the lowest number.
  EXPECT_EQ(assign_lpt({1, 1, 1, 1, 1}, 2), (std::vector<int>{0, 1, 0, 1, 0}));
  EXPECT_EQ(assign_lpt({0, 0, 0, 0}, 3), (std::vector<int>{0, 1, 2, 0}));
  EXPECT_EQ(assign_lpt({}, 3), std::vector<int>{});
  EXPECT_EQ(assign_lpt({7, 2}, 1), (std::vector<int>{0, 0}));
  EXPECT_THROW(assign_lpt({1}, 0), UserError);
}

TEST(Shard, LptIsDeterministicAndBalancedOnSyntheticCosts) {
  // Costs spread over three orders of magnitude, from a fixed generator.
  std::vector<std::int64_t> costs;
  std::uint64_t x = 12345;
  for (int i = 0; i < 500; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    costs.push_back(1 + static_cast<std::int64_t>((x >> 33) % 1000) *
                            static_cast<std::int64_t>(1 + (x >> 20) % 7));
  }
  for (int k : {1, 2, 3, 7, 16}) {
    const std::vector<int> a = assign_lpt(costs, k);
    EXPECT_EQ(a, assign_lpt(costs, k)) << k;
    std::vector<std::int64_t> load(k, 0);
    for (std::size_t i = 0; i < costs.size(); ++i) load[a[i]] += costs[i];
    const std::int64_t total = std::accumulate(costs.begin(), costs.end(), std::int64_t{0});
    const std::int64_t largest = *std::max_element(costs.begin(), costs.end());
    const std::int64_t heaviest = *std::max_element(load.begin(), load.end());
    const std::int64_t lightest = *std::min_element(load.begin(), load.end());
    // Greedy's bound: no shard above the even share by more than one item.
    EXPECT_LE(heaviest, total / k + largest) << k;
    // With many small items the shards come out nearly even.
    EXPECT_LE(heaviest - lightest, largest) << k;
  }
}

const char* kPlanSpec = R"(
[sweep]
name = "plan"
seeds = [1, 2, 3]
n_train = 50
n_test = 20
[[problems]]
name = "teacher"
params = { d = [2, 3, 4, 5], sigma = [0.0, 0.1] }
[[learners]]
name = "mean"
[[learners]]
name = "ridge"
params = { lambda = [0.0, 0.1] }
)";

TEST(Shard, ShardsAreDisjointCoverThePlanAndKeepInstancesTogether) {
  const SweepPlan plan = parse_sweep(kPlanSpec, "plan.toml");
  ASSERT_EQ(plan.runs.size(), 72u);  // 24 instances x 3 learner points
  for (int k : {1, 2, 3, 5, 24, 100}) {
    std::map<std::size_t, int> owner;
    std::map<std::string, std::set<int>> shards_of_instance;
    for (int i = 1; i <= k; ++i) {
      const Shard shard = shard_runs(plan, {i, k});
      EXPECT_TRUE(std::is_sorted(shard.runs.begin(), shard.runs.end()));
      EXPECT_EQ(shard.runs, shard_runs(plan, {i, k}).runs);  // a pure function
      EXPECT_DOUBLE_EQ(shard.plan_predicted_seconds, 72.0);  // 1 s a run: no budget, no model
      for (std::size_t r : shard.runs) {
        EXPECT_TRUE(owner.emplace(r, i).second) << "run " << r << " in two shards of " << k;
        shards_of_instance[InstanceCache::key_of(plan.runs[r].config)].insert(i);
      }
    }
    EXPECT_EQ(owner.size(), plan.runs.size()) << k;
    // 24 instances of 3 s: whole while a group is within a quarter share
    // (k <= 6), split into runs beyond.
    for (const auto& [key, shards] : shards_of_instance) {
      if (k <= 6) EXPECT_EQ(shards.size(), 1u) << key << " split among " << k << " shards";
    }
  }
  // Eight shards: 72 s / 8 = 9 s, a quarter 2.25 s < 3 s, so the runs go
  // one by one and the shards are even.
  for (int i = 1; i <= 8; ++i) EXPECT_EQ(shard_runs(plan, {i, 8}).runs.size(), 9u);
  // Three shards: eight whole instances each.
  for (int i = 1; i <= 3; ++i) EXPECT_DOUBLE_EQ(shard_runs(plan, {i, 3}).predicted_seconds, 24.0);
}

// ---- through the CLI ----

const char* kSmallSweep = R"(
[sweep]
name = "small"
seeds = [1, 2]
n_train = "100*d"
n_test = 300
[[problems]]
name = "teacher"
params = { d = [3, 6], sigma = [0.0, 0.2] }
[[learners]]
name = "mean"
[[learners]]
name = "ridge"
params = { lambda = [0.0, 0.01] }
)";

// The run ids a dry run lists (the second column of each run line).
std::set<std::string> listed_ids(const std::string& output) {
  std::set<std::string> ids;
  std::istringstream lines(output);
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string number, id;
    if (words >> number >> id) ids.insert(id);
  }
  return ids;
}

TEST(ShardCli, DryRunListsOnlyThatShard) {
  TempDir dir("shard-dry");
  const std::string spec = (dir.path() / "s.toml").string();
  std::ofstream(spec) << kSmallSweep;
  const auto all = run_cli("sweep " + spec + " --dry-run");
  ASSERT_EQ(all.exit_code, 0) << all.output;
  std::set<std::string> seen;
  for (int i = 1; i <= 3; ++i) {
    const auto part = run_cli(fmt::format("sweep {} --dry-run --shard {}/3", spec, i));
    ASSERT_EQ(part.exit_code, 0) << part.output;
    EXPECT_NE(part.output.find(fmt::format("shard {}/3: 8 of 24 runs", i)), std::string::npos)
        << part.output;
    for (const std::string& id : listed_ids(part.output)) EXPECT_TRUE(seen.insert(id).second);
  }
  EXPECT_EQ(seen, listed_ids(all.output));
  EXPECT_EQ(seen.size(), 24u);
}

TEST(ShardCli, BadShardsAreRefusedWithAMessage) {
  TempDir dir("shard-bad");
  const std::string spec = (dir.path() / "s.toml").string();
  std::ofstream(spec) << kSmallSweep;
  const std::string db = (dir.path() / "x.sqlite").string();
  const std::pair<const char*, const char*> cases[] = {
      {"0/3", "--shard 0/3: I, the part to run, must be between 1 and K = 3, got 0"},
      {"4/3", "--shard 4/3: I, the part to run, must be between 1 and K = 3, got 4"},
      {"x", "--shard expects I/K, the I-th of K parts (1 <= I <= K, e.g. 2/8), got 'x'"},
      {"1/0", "--shard 1/0: K, the number of parts, must be at least 1"}};
  for (const auto& [flag, message] : cases) {
    for (const std::string& mode : {std::string(" --dry-run"), " --db " + db}) {
      const auto r = run_cli("sweep " + spec + " --shard " + flag + mode);
      EXPECT_EQ(r.exit_code, 2) << r.output;
      EXPECT_EQ(r.output, std::string("hardnets: error: ") + message + "\n");
    }
  }
  EXPECT_FALSE(std::filesystem::exists(db));  // refused before the store is opened
}

TEST(ShardCli, ShardsAndMpiRanksDoNotCombine) {
  // What run_sweep says when a shard meets several ranks (mpirun sets them).
  const SweepPlan plan = parse_sweep(kSmallSweep, "s.toml");
  TempDir dir("shard-mpi");
  Store store(dir.path() / "x.sqlite");
  SweepRunOptions options;
  options.shard = ShardChoice{1, 2};
  int argc = 0;
  char** argv = nullptr;
  MpiContext two(&argc, &argv);  // not launched by mpirun: one rank
  two.size = 2;
  try {
    run_sweep(plan, store, options, &two);
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--shard 1/2 cannot be combined with 2 MPI ranks: run the shards as separate jobs, "
              "or all of the sweep on the ranks");
  }
  EXPECT_EQ(store.size(), 0);
}

TEST(ShardCli, MpirunWithAShardIsRefused) {
  if (!MpiContext::built_with_mpi() || std::system("command -v mpirun > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "OpenMPI is not installed (libopenmpi-dev, openmpi-bin): MPI sweeps not built";
  }
  TempDir dir("shard-mpirun");
  const std::string spec = (dir.path() / "s.toml").string();
  std::ofstream(spec) << kSmallSweep;
  const std::string db = (dir.path() / "x.sqlite").string();
  const std::string command =
      "OMPI_MCA_plm=isolated mpirun --allow-run-as-root --oversubscribe -np 2 " +
      std::string(HARDNETS_CLI) + " sweep " + spec + " --shard 1/2 --db " + db + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  EXPECT_NE(pclose(pipe), 0) << output;
  EXPECT_NE(output.find("hardnets: error: --shard 1/2 cannot be combined with 2 MPI ranks"),
            std::string::npos)
      << output;
  EXPECT_EQ(output.find("internal error"), std::string::npos) << output;
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST(ShardCli, ResumeFinishesOnlyItsShard) {
  TempDir dir("shard-resume");
  const std::string spec = (dir.path() / "s.toml").string();
  std::ofstream(spec) << kSmallSweep;
  const std::string db = (dir.path() / "shard_2.sqlite").string();
  const auto first = run_cli("sweep " + spec + " --shard 2/3 --jobs 2 --db " + db);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("shard 2/3: 8 of 24 runs, 0 already stored, 8 to run"),
            std::string::npos)
      << first.output;
  // Without --resume a store holding the shard's runs is refused.
  const auto again = run_cli("sweep " + spec + " --shard 2/3 --db " + db);
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_NE(again.output.find("already holds 8 of the 8 runs of sweep 'small' shard 2/3; pass "
                              "--resume"),
            std::string::npos)
      << again.output;
  // Drop two runs; --resume runs exactly those.
  std::vector<RunRecord> runs = Store(db).runs();
  ASSERT_EQ(runs.size(), 8u);
  std::filesystem::remove(db);
  {
    Store store(db);
    for (std::size_t i = 2; i < runs.size(); ++i) store.append(runs[i]);
  }
  const auto resumed = run_cli("sweep " + spec + " --shard 2/3 --jobs 1 --resume --db " + db);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("8 of 24 runs, 6 already stored, 2 to run"), std::string::npos)
      << resumed.output;
  std::set<std::string> ids, expected;
  for (const RunRecord& r : Store(db).runs()) ids.insert(r.run_id);
  for (const RunRecord& r : runs) expected.insert(r.run_id);
  EXPECT_EQ(ids, expected);
  // The store records the whole plan's identity, whichever shard ran.
  const SweepPlan plan = parse_sweep(kSmallSweep, spec);
  EXPECT_EQ(Store(db).get_meta(plan_meta_key("small")), plan_identity(plan));
}

}  // namespace
}  // namespace hardnets
