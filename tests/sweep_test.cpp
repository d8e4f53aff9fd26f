// Sweep specs and their execution: validation messages, expansion, budgets,
// determinism across --jobs and MPI ranks, resume after a kill, export.
#include "hardnets/lab/sweep.h"
#include "hardnets/problems/problem.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cli_test.h"
#include "hardnets/core/error.h"
#include "hardnets/lab/expression.h"
#include "hardnets/lab/filter.h"
#include "hardnets/lab/mpi.h"
#include "hardnets/lab/store.h"
#include "hardnets/lab/sweep_policy.h"
#include "hardnets/lab/sweep_spec.h"
#include "test_util.h"

namespace hardnets {
namespace {

// The registry's problem names as error messages list them.
std::string known_problems() {
  std::string list;
  for (const auto& name : problem_registry().names()) list += (list.empty() ? "" : ", ") + name;
  return list;
}

using testing::run_cli;
using testing::TempDir;

std::string error_of(const std::string& spec) {
  try {
    parse_sweep(spec, "spec.toml");
  } catch (const UserError& e) {
    return e.what();
  }
  return "<no error>";
}

const char* kHeader = R"(
[sweep]
name = "t"
[[learners]]
name = "mean"
)";

TEST(SweepSpec, ExpandsGridsRangesZipsAndExpressions) {
  const SweepPlan plan = parse_sweep(R"(
[sweep]
name = "grid"
seeds = [3, 4]
n_train = "10*d"
n_test = 7
budget = { seconds = 5, memory_mb = 512 }
[[problems]]
name = "teacher"
params = { d = [4, 8], width = "d/2 + 1", sigma = { log = [0.01, 1], num = 3 } }
zip = { depth = [2, 3], tau = [0.0, 0.5] }
[[learners]]
name = "mean"
[[learners]]
name = "ridge"
params = { lambda = "1/n_train" }
budget = { seconds = 1 }
[[learners]]
name = "sgd"
params = { width = "3*problem.width", epochs = 1 }
)",
                                     "spec.toml");
  // 2 d x 3 sigma x 2 zipped x 3 learners x 2 seeds.
  ASSERT_EQ(plan.runs.size(), 72u);
  std::map<double, int> sigmas;
  for (const PlannedRun& run : plan.runs) {
    const Json& p = run.config.at("problem_params");
    EXPECT_EQ(p["width"].get<int>(), p["d"].get<int>() / 2 + 1);
    EXPECT_EQ(run.instance.sizes.n_train, 10 * p["d"].get<int>());
    EXPECT_EQ(run.instance.sizes.n_test, 7);
    EXPECT_TRUE((p["depth"] == 2 && p["tau"] == 0.0) || (p["depth"] == 3 && p["tau"] == 0.5));
    sigmas[p["sigma"].get<double>()]++;
    if (run.learner->name() == "ridge") {
      EXPECT_DOUBLE_EQ(run.config.at("learner_params")["lambda"].get<double>(),
                       1.0 / static_cast<double>(run.instance.sizes.n_train));
      EXPECT_EQ(run.budget.seconds, 1);
      EXPECT_EQ(run.budget.memory_mb, 512);
    } else if (run.learner->name() == "sgd") {
      EXPECT_EQ(run.config.at("learner_params")["width"].get<int>(), 3 * p["width"].get<int>());
    } else {
      EXPECT_EQ(run.budget.seconds, 5);
    }
    EXPECT_EQ(run.config["sweep"], "grid");
    EXPECT_EQ(run.run_id, run_id_for(run.config));
  }
  EXPECT_EQ(sigmas, (std::map<double, int>{{0.01, 24}, {0.1, 24}, {1.0, 24}}));
}

TEST(SweepSpec, LearnersCanBePairedWithSomeProblems) {
  const SweepPlan plan = parse_sweep(R"(
[sweep]
name = "pairs"
[[problems]]
name = "teacher"
params = { d = [2, 3] }
[[problems]]
name = "dnnt_random"
[[learners]]
name = "ridge"
problems = "teacher"
[[learners]]
name = "mean"
)",
                                     "spec.toml");
  std::map<std::string, int> count;
  for (const auto& run : plan.runs)
    count[run.instance.problem->name() + "/" + run.learner->name()]++;
  EXPECT_EQ(count, (std::map<std::string, int>{
                       {"teacher/ridge", 2}, {"teacher/mean", 2}, {"dnnt_random/mean", 1}}));
  EXPECT_EQ(
      error_of(std::string(kHeader) +
               "problems = [\"nosuch\"]\n[[problems]]\nname = \"teacher\"\n"),
      "spec.toml:6: learners[0].problems: learner 'mean' is paired with problem 'nosuch', which "
      "no [[problems]] entry names or labels");
}

TEST(SweepSpec, LearnersPairWithLabelledProblemBlocks) {
  // Two blocks of one problem; `label` lets a learner meet only one of them.
  const SweepPlan plan = parse_sweep(R"(
[sweep]
name = "t"
[[problems]]
name = "teacher"
label = "linear"
params = { depth = 1, d = [2, 3] }
[[problems]]
name = "teacher"
params = { depth = 2 }
[[learners]]
name = "ridge"
problems = ["linear"]
[[learners]]
name = "mean"
problems = ["teacher"]
)",
                                     "spec.toml");
  std::map<std::string, int> count;
  for (const auto& run : plan.runs) {
    count[run.learner->name() + "/depth" +
          std::to_string(run.config.at("problem_params").at("depth").get<int>())]++;
  }
  EXPECT_EQ(count, (std::map<std::string, int>{
                       {"ridge/depth1", 2}, {"mean/depth1", 2}, {"mean/depth2", 1}}));
  EXPECT_EQ(error_of("[sweep]\nname = \"t\"\n[[problems]]\nname = \"teacher\"\nlabel = 3\n"
                     "[[learners]]\nname = \"mean\"\n"),
            "spec.toml:5: problems[0].label: expected a non-empty label = \"...\"");
}

TEST(SweepSpec, RepeatsAndDefaults) {
  const SweepPlan plan = parse_sweep(std::string(kHeader) + R"(
[[problems]]
name = "teacher"
)",
                                     "spec.toml");
  ASSERT_EQ(plan.runs.size(), 1u);
  EXPECT_EQ(plan.runs[0].instance.seed, 1u);
  EXPECT_EQ(plan.runs[0].instance.sizes.n_train, 1000);
  const SweepPlan repeated = parse_sweep(R"(
[sweep]
name = "r"
repeats = 4
[[problems]]
name = "teacher"
[[learners]]
name = "mean"
)",
                                         "spec.toml");
  EXPECT_EQ(repeated.runs.size(), 4u);
  EXPECT_EQ(repeated.runs[3].instance.seed, 4u);
}

// A learner with `distinguish` plans the experiment of `hardnets
// distinguish` at each point: C calibration null seeds after the T paired
// real / null trial seeds, from the sweep's seed on; a plain learner beside
// it keeps one run per seed.
TEST(SweepSpec, DistinguishingLearnersPlanCalibrationThenPairedTrials) {
  const SweepPlan plan = parse_sweep(R"(
[sweep]
name = "dist"
seeds = [5]
n_train = 50
n_test = 20
[[problems]]
name = "teacher"
params = { d = [3, 4] }
[[learners]]
name = "ridge"
distinguish = { trials = 3, calibration = 2, alpha = 0.4, statistic = "-mse" }
[[learners]]
name = "mean"
)",
                                     "spec.toml");
  ASSERT_EQ(plan.runs.size(), 2u * (2 + 2 * 3 + 1));
  std::map<std::string, std::set<std::uint64_t>> seeds;  // "d/role/labels" -> seeds
  for (const PlannedRun& run : plan.runs) {
    const Json& c = run.config;
    if (c["learner"] == "mean") {
      EXPECT_FALSE(c.contains("distinguish"));
      EXPECT_EQ(c["seed"], 5);
      continue;
    }
    const Json& d = c["distinguish"];
    EXPECT_EQ(d["statistic"], "mse");
    EXPECT_EQ(d["smaller_is_planted"], true);
    EXPECT_EQ(d["alpha"], 0.4);
    EXPECT_EQ(c["sweep"], "dist");
    seeds[fmt::format("{}/{}/{}", c["problem_params"]["d"].dump(), d["role"].get<std::string>(),
                      c["problem_params"]["labels"].get<std::string>())]
        .insert(c["seed"].get<std::uint64_t>());
  }
  for (const char* d : {"3", "4"}) {
    const std::string at(d);
    EXPECT_EQ(seeds[at + "/real/teacher"], (std::set<std::uint64_t>{5, 6, 7}));
    EXPECT_EQ(seeds[at + "/null/independent"], (std::set<std::uint64_t>{5, 6, 7}));
    EXPECT_EQ(seeds[at + "/calibration/independent"], (std::set<std::uint64_t>{8, 9}));
  }
  EXPECT_EQ(seeds.size(), 6u);
  // The sweep-wide table applies to every learner that sets none; C defaults
  // to max(T, 19) at alpha = 0.05 (the fewest that calibrate that level).
  const SweepPlan all = parse_sweep(R"(
[sweep]
name = "all"
seeds = [1, 2, 3]
distinguish = { trials = 2, seed = 100 }
[[problems]]
name = "teacher"
[[learners]]
name = "mean"
)",
                                    "spec.toml");
  EXPECT_EQ(all.runs.size(), 19u + 2 * 2);
  for (const PlannedRun& run : all.runs) EXPECT_GE(run.config["seed"].get<int>(), 100);
  // Two planted values with one null (formula = random): each experiment
  // keeps its own null and calibration runs, told apart by planted_value.
  const SweepPlan shared = parse_sweep(R"(
[sweep]
name = "shared"
distinguish = { trials = 2 }
[[problems]]
name = "natural_ksat"
params = { formula = ["planted", "planted_xor"] }
[[learners]]
name = "mean"
)",
                                       "spec.toml");
  ASSERT_EQ(shared.runs.size(), 2u * (19 + 2 * 2));
  std::map<std::string, int> planted_values;
  for (const PlannedRun& run : shared.runs) {
    ++planted_values[run.config["distinguish"]["planted_value"].get<std::string>()];
  }
  EXPECT_EQ(planted_values, (std::map<std::string, int>{{"planted", 23}, {"planted_xor", 23}}));
}

TEST(SweepSpec, DistinguishErrorsNameTheKeyAndWhatIsWrong) {
  const std::string head = "[sweep]\nname = \"t\"\n[[problems]]\nname = \"teacher\"\n";
  EXPECT_EQ(error_of(head + "[[learners]]\nname = \"mean\"\ndistinguish = { trials = 1 }\n"),
            "spec.toml:7: learners[0].distinguish.trials: expected an integer in [2, 1000000], "
            "got 1");
  EXPECT_EQ(error_of(head + "[[learners]]\nname = \"mean\"\ndistinguish = { alpha = 1.5 }\n"),
            "spec.toml:7: learners[0].distinguish.alpha: expected a number in (0, 1)");
  EXPECT_EQ(
      error_of(head + "[[learners]]\nname = \"mean\"\ndistinguish = { calibration = 10 }\n"),
      "spec.toml:7: learners[0].distinguish.calibration: 10 null seeds cannot calibrate level "
      "alpha = 0.05 (a null statistic exceeds the largest of C with probability 1/(C + 1)): give "
      "at least 19");
  EXPECT_EQ(error_of(head + "[[learners]]\nname = \"mean\"\ndistinguish = { T = 3 }\n"),
            "spec.toml:7: learners[0].distinguish.T: unknown key; expected one of trials, "
            "calibration, alpha, statistic, seed");
  EXPECT_EQ(error_of(head + "[[learners]]\nname = \"mean\"\ndistinguish = 3\n"),
            "spec.toml:7: learners[0].distinguish: expected a table { trials = T, calibration = "
            "C, alpha = A, statistic = \"...\" }, got an integer");
  EXPECT_EQ(
      error_of("[sweep]\nname = \"t\"\nseeds = [1, 2]\n[[problems]]\nname = \"teacher\"\n"
               "[[learners]]\nname = \"mean\"\ndistinguish = { trials = 3 }\n"),
      "spec.toml:3: sweep.seeds: learner 'mean' distinguishes: each experiment's trials take "
      "seeds s, s + 1, ... from one first seed s, so give seeds = [s] or distinguish = { seed = "
      "s, ... } (this spec gives 2 seeds)");
  EXPECT_CONTAINS(
      error_of("[sweep]\nname = \"t\"\n[[problems]]\nname = \"dnnt_random\"\n[[learners]]\n"
               "name = \"mean\"\ndistinguish = { trials = 3 }\n"),
      "learners[0]: distinguish: problem 'dnnt_random' declares no null hypothesis");
  EXPECT_CONTAINS(error_of("[sweep]\nname = \"t\"\n[[problems]]\nname = \"teacher\"\n"
                           "params = { labels = \"independent\" }\n[[learners]]\n"
                           "name = \"mean\"\ndistinguish = { trials = 3 }\n"),
                  "already has labels = independent, the null");
}

TEST(SweepSpec, ErrorsNameFileLineKeyAndExpectation) {
  EXPECT_EQ(error_of(std::string(kHeader) + "[[problems]]\nname = \"teacher\"\ncolour = 1\n"),
            "spec.toml:8: problems[0].colour: unknown key; expected one of name, params, zip, "
            "n_train, n_test, label");
  EXPECT_EQ(error_of(std::string(kHeader) +
                     "[[problems]]\nname = \"teacher\"\nparams = { width = \"many\" }\n"),
            "spec.toml:8: problems[0].params.width: unknown name 'many' in expression");
  EXPECT_EQ(
      error_of(std::string(kHeader) + "[[problems]]\nname = \"teacher\"\nparams = { d = [] }\n"),
      "spec.toml:8: problems[0].params.d: empty grid: give at least one value");
  EXPECT_EQ(
      error_of(std::string(kHeader) +
               "[[problems]]\nname = \"teacher\"\nparams = { d = \"width\", width = \"2*d\" }\n"),
      "spec.toml:8: problems[0].params.d: circular expression: d -> width -> d");
  EXPECT_EQ(
      error_of(std::string(kHeader) + "[[problems]]\nname = \"teacher\"\nparams = { d = 1.5 }\n"),
      "spec.toml:8: problems[0].params.d: teacher: parameter 'd' expects an integer in "
      "[1, 100000], got '1.5'");
  EXPECT_EQ(
      error_of(std::string(kHeader) + "[[problems]]\nname = \"teacher\"\nparams = { width = 0 }\n"),
      "spec.toml:8: problems[0].params.width: teacher: parameter 'width' must be in [1, "
      "65536], got 0");
  EXPECT_EQ(error_of(std::string(kHeader) +
                     "[[problems]]\nname = \"teacher\"\nparams = { depth = true }\n"),
            "spec.toml:8: problems[0].params.depth: teacher: parameter 'depth' expects int ([1, "
            "8]), got true");
  EXPECT_EQ(error_of(std::string(kHeader) +
                     "[[problems]]\nname = \"teacher\"\nparams = { d = \"d/3\" }\n"),
            "spec.toml:8: problems[0].params.d: circular expression: d -> d");
  EXPECT_EQ(
      error_of(std::string(kHeader) +
               "[[problems]]\nname = \"teacher\"\nparams = { width = \"d/3\" }\n"),
      "spec.toml:8: problems[0].params.width: expression \"d/3\" = 2.6666666666666665 is not an "
      "integer (use floor, ceil or round)");
  EXPECT_EQ(error_of(std::string(kHeader) + "[[problems]]\nname = \"nosuch\"\n"),
            "spec.toml:7: problems[0].name: unknown problem 'nosuch'; known problems: " +
                known_problems());
  EXPECT_EQ(error_of(std::string(kHeader) +
                     "[[problems]]\nname = \"teacher\"\nzip = { d = [1, 2], width = [1] }\n"),
            "spec.toml:8: problems[0].zip.width: zipped arrays must have the same length: width "
            "has 1, the first has 2");
  EXPECT_EQ(error_of("[sweep]\nname = \"x\"\n[[problems]]\nname = \"teacher\"\n"),
            "spec.toml: missing [[learners]]: name at least one learner");
  EXPECT_EQ(error_of("[sweep]\nname = \"x\"\nseeds = 3\n"),
            "spec.toml:3: sweep.seeds: expected a non-empty array of integer seeds");
  EXPECT_EQ(error_of("[sweep\nname = 1\n").substr(0, 33), "spec.toml:1: TOML syntax error: E");
  EXPECT_EQ(
      error_of(std::string(kHeader) + "[[problems]]\nname = \"teacher\"\nn_train = 0\n"),
      "spec.toml:8: problems[0].n_train: teacher: --n-train must be in [1, 1000000000], got 0");
}

TEST(Expression, Arithmetic) {
  auto none = [](const std::string& name) -> double { fail("unknown {}", name); };
  EXPECT_DOUBLE_EQ(evaluate_expression("2 + 3*4 - 2^3^2/64", none), 6.0);
  EXPECT_DOUBLE_EQ(evaluate_expression("-(1 + 2) * -2", none), 6.0);
  EXPECT_DOUBLE_EQ(evaluate_expression("max(floor(7/2), ceil(log2(5))) + sqrt(16)", none), 7.0);
  EXPECT_DOUBLE_EQ(evaluate_expression("4*d", [](const std::string&) { return 2.5; }), 10.0);
  EXPECT_THROW(evaluate_expression("1/0", none), UserError);
  EXPECT_THROW(evaluate_expression("2 +", none), UserError);
  EXPECT_THROW(evaluate_expression("foo(1)", none), UserError);
  EXPECT_THROW(evaluate_expression("(1", none), UserError);
}

// ---- execution through the CLI ----

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// run_id -> (status, metrics without timing figures), read from an export.
std::map<std::string, std::string> rows(const std::string& db) {
  Store store(db);
  std::map<std::string, std::string> out;
  for (const RunRecord& r : store.runs()) {
    Json m = Json::object();
    for (const auto& [k, v] : r.metrics) {
      if (k == "seconds" || k == "cpu_seconds" || k == "peak_mb" || k == "generate_seconds")
        continue;
      m[k] = v;
    }
    out[r.run_id] = std::string(outcome_text(r.status)) + " " + m.dump();
  }
  return out;
}

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

TEST(Sweep, ResultsIdenticalWhateverTheJobs) {
  TempDir dir("sweep-jobs");
  write(dir.path() / "s.toml", kSmallSweep);
  const std::string db1 = (dir.path() / "j1.db").string(), db3 = (dir.path() / "j3.db").string();
  const auto a =
      run_cli("sweep " + (dir.path() / "s.toml").string() + " --db " + db1 + " --jobs 1");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  const auto b =
      run_cli("sweep " + (dir.path() / "s.toml").string() + " --db " + db3 + " --jobs 3");
  ASSERT_EQ(b.exit_code, 0) << b.output;
  // Not a terminal here: no progress line.
  EXPECT_EQ(a.output.find('\r'), std::string::npos) << a.output;
  const auto r1 = rows(db1);
  EXPECT_EQ(r1.size(), 24u);
  EXPECT_EQ(r1, rows(db3));
  // A second plain run refuses to duplicate; --resume has nothing left to do.
  const auto again = run_cli("sweep " + (dir.path() / "s.toml").string() + " --db " + db1);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.output.find("pass --resume"), std::string::npos) << again.output;
  const auto resume =
      run_cli("sweep " + (dir.path() / "s.toml").string() + " --db " + db1 + " --resume");
  EXPECT_EQ(resume.exit_code, 0) << resume.output;
  EXPECT_EQ(rows(db1).size(), 24u);
}

TEST(Sweep, EveryLearnerSeesTheSameInstance) {
  const SweepPlan plan = parse_sweep(kSmallSweep, "s.toml");
  // Same (problem params, seed, sizes) for different learners => same generated data.
  const PlannedRun* mean = nullptr;
  const PlannedRun* ridge = nullptr;
  for (const auto& run : plan.runs) {
    if (run.instance.seed != 2 || run.config.at("problem_params")["d"] != 6) continue;
    if (run.config.at("problem_params")["sigma"] != 0.2) continue;
    (run.learner->name() == "mean" ? mean : ridge) = &run;
  }
  ASSERT_TRUE(mean && ridge);
  const Problem& p = problem_registry().get("teacher");
  const Instance a =
      p.generate(mean->instance.params, mean->instance.seed, mean->instance.sizes, {1});
  const Instance b =
      p.generate(ridge->instance.params, ridge->instance.seed, ridge->instance.sizes, {2});
  EXPECT_EQ(a.train.X, b.train.X);
  EXPECT_EQ(a.train.y, b.train.y);
}

// Budgets and failures without real heavy work: the test-only learners
// (test_learners.h) sleep past a budget, allocate past one, or abort; the
// sweep runs in this process (lab::run_sweep), whose forked children see
// the test binary's registrations.
TEST(Sweep, BudgetsAndCrashesBecomeStoredOutcomes) {
  TempDir dir("sweep-budget");
  const SweepPlan plan = parse_sweep(R"(
[sweep]
name = "budget"
[[problems]]
name = "teacher"
params = { d = 3 }
n_train = 50
n_test = 10
[[learners]]
name = "test_sleep"
params = { seconds = 60.0, honour_deadline = false }
budget = { seconds = 0.2 }
[[learners]]
name = "test_sleep"
params = { seconds = 60.0, honour_deadline = true }
budget = { seconds = 0.2 }
[[learners]]
name = "test_allocate"
params = { mb = 512 }
budget = { memory_mb = 64 }
[[learners]]
name = "test_crash"
params = { how = "abort" }
[[learners]]
name = "test_crash"
params = { how = "throw" }
[[learners]]
name = "test_crash"
params = { how = "diverge" }
[[learners]]
name = "mean"
)",
                                     "b.toml");
  Store store((dir.path() / "b.db").string());
  SweepRunOptions options;
  options.jobs = 2;
  const SweepRunSummary summary = run_sweep(plan, store, options);
  EXPECT_EQ(summary.executed, 7u);
  EXPECT_EQ(summary.failed, 6u);
  std::map<std::string, RunRecord> by;
  for (const RunRecord& run : store.runs()) {
    const Json& p = run.config["learner_params"];
    std::string key = run.learner;
    if (p.contains("honour_deadline"))
      key += p["honour_deadline"].get<bool>() ? "-honours" : "-ignores";
    if (p.contains("how")) key += "-" + p["how"].get<std::string>();
    by[key] = run;
  }
  // Killed by the parent at the budget: time_limit, stored as "timeout".
  EXPECT_EQ(by["test_sleep-ignores"].status, Outcome::time_limit);
  EXPECT_NE(by["test_sleep-ignores"].message.find("killed after"), std::string::npos);
  // Stopped by its own deadline: the same outcome, the learner's message.
  EXPECT_EQ(by["test_sleep-honours"].status, Outcome::time_limit);
  EXPECT_EQ(by["test_sleep-honours"].message, "stopped by the time limit");
  EXPECT_EQ(by["test_allocate"].status, Outcome::oom) << by["test_allocate"].message;
  EXPECT_EQ(by["test_crash-abort"].status, Outcome::error);
  EXPECT_NE(by["test_crash-abort"].message.find("signal"), std::string::npos);
  EXPECT_EQ(by["test_crash-throw"].status, Outcome::error);
  EXPECT_NE(by["test_crash-throw"].message.find("thrown on purpose"), std::string::npos);
  EXPECT_EQ(by["test_crash-diverge"].status, Outcome::diverged);
  EXPECT_EQ(by["mean"].status, Outcome::ok) << "one failing run never stops the sweep";
}

TEST(Sweep, ResumeAfterKillFinishesWithoutLossOrDuplicates) {
  TempDir dir("sweep-kill");
  // 40 runs of a few tens of ms each: the kill lands mid-sweep.
  write(dir.path() / "k.toml", R"(
[sweep]
name = "kill"
repeats = 10
n_train = 60000
n_test = 100
[[problems]]
name = "teacher"
params = { d = [20, 40] }
[[learners]]
name = "ridge"
[[learners]]
name = "mean"
)");
  const std::string spec = (dir.path() / "k.toml").string();
  const std::string db = (dir.path() / "k.db").string();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execl(HARDNETS_CLI, HARDNETS_CLI, "sweep", spec.c_str(), "--db", db.c_str(), "--jobs", "2",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until some runs are stored, then kill -9.
  std::int64_t stored = 0;
  for (int i = 0; i < 400 && stored < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (std::filesystem::exists(db)) {
      try {
        stored = Store(db).size();
      } catch (const UserError&) {
      }
    }
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  {
    Store store(db);
    EXPECT_EQ(store.integrity_check(), "ok");
    EXPECT_GT(store.size(), 0);
    EXPECT_LT(store.size(), 40) << "the kill should land mid-sweep";
  }
  const auto r = run_cli("sweep " + spec + " --db " + db + " --resume");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Store store(db);
  EXPECT_EQ(store.size(), 40);
  const SweepPlan plan = load_sweep(spec);
  for (const auto& run : plan.runs) EXPECT_TRUE(store.contains(run.run_id));
}

TEST(Sweep, MpiRanksGiveTheSameRowsAsALocalRun) {
  if (!MpiContext::built_with_mpi() || std::system("command -v mpirun > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "OpenMPI is not installed (libopenmpi-dev, openmpi-bin): MPI sweeps not built";
  }
  TempDir dir("sweep-mpi");
  write(dir.path() / "s.toml", kSmallSweep);
  const std::string spec = (dir.path() / "s.toml").string();
  const std::string local = (dir.path() / "local.db").string(),
                    mpi = (dir.path() / "mpi.db").string();
  ASSERT_EQ(run_cli("sweep " + spec + " --db " + local).exit_code, 0);
  const std::string command =
      "OMPI_MCA_plm=isolated mpirun --allow-run-as-root --oversubscribe -np 2 " +
      std::string(HARDNETS_CLI) + " sweep " + spec + " --db " + mpi + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  ASSERT_EQ(pclose(pipe), 0) << output;
  EXPECT_NE(output.find("on each of 2 ranks"), std::string::npos) << output;
  EXPECT_EQ(rows(local), rows(mpi));
}

TEST(Export, WhereFiltersAndJsonlRoundTrips) {
  TempDir dir("export");
  write(dir.path() / "s.toml", kSmallSweep);
  const std::string db = (dir.path() / "e.db").string();
  ASSERT_EQ(run_cli("sweep " + (dir.path() / "s.toml").string() + " --db " + db).exit_code, 0);
  const auto out = run_cli("export --db " + db +
                           " --format jsonl --where learner=ridge --where d=6 "
                           "--where lambda!=0");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  std::istringstream lines(out.output);
  std::string line;
  Store store(db);
  int count = 0;
  while (std::getline(lines, line)) {
    const RunRecord r = run_record_from_json(Json::parse(line));
    EXPECT_EQ(r.learner, "ridge");
    EXPECT_EQ(r.config["problem_params"]["d"], 6);
    EXPECT_EQ(r.config["learner_params"]["lambda"], 0.01);
    for (const RunRecord& s : store.runs()) {
      if (s.run_id == r.run_id) {
        EXPECT_EQ(s.metrics, r.metrics);
        EXPECT_EQ(s.config, r.config);
      }
    }
    ++count;
  }
  EXPECT_EQ(count, 4);  // 2 sigmas x 2 seeds
  EXPECT_EQ(run_cli("export --db " + db + " --where nonsense").exit_code, 2);
}

}  // namespace
}  // namespace hardnets
