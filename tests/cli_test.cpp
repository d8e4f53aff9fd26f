// End-to-end tests: the shipped binary on tiny fixed-seed instances.
#include "cli_test.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "hardnets/core/dataset.h"
#include "hardnets/core/json.h"

namespace hardnets {
namespace {

using testing::run_cli;
using testing::TempDir;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json last_json_line(const std::string& output) {
  std::istringstream in(output);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '{') last = line;
  }
  return Json::parse(last);
}

TEST(Cli, ListShowsRegisteredProblemsAndLearners) {
  const auto r = run_cli("list");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* name : {"teacher", "mean", "ridge", "sgd"}) {
    EXPECT_NE(r.output.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(run_cli("list learners").output.find("teacher"), std::string::npos);
}

TEST(Cli, DescribePrintsEveryParameter) {
  const auto r = run_cli("describe teacher");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* p : {"width", "depth", "weights", "tau", "inputs", "sigma"}) {
    EXPECT_NE(r.output.find(p), std::string::npos) << p;
  }
  const Json j = Json::parse(run_cli("describe ridge --json").output);
  EXPECT_EQ(j["kind"], "learner");
  EXPECT_EQ(j["params"][0]["name"], "lambda");
}

TEST(Cli, GenWritesNpyCardAndSeparateTruth) {
  TempDir dir("gen");
  const auto r = run_cli(
      "gen teacher -p d=5 -p width=3 --seed 7 --n-train 40 --n-test 10 --csv --out " + dir.str());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Dataset train = load_dataset(dir.path(), "train");
  const Dataset test = load_dataset(dir.path(), "test");
  EXPECT_EQ(train.size(), 40);
  EXPECT_EQ(train.dim(), 5);
  EXPECT_EQ(test.size(), 10);
  const Json card = Json::parse(read_file(dir.path() / "card.json"));
  EXPECT_EQ(card["problem"], "teacher");
  EXPECT_EQ(card["params"]["width"], 3);
  EXPECT_FALSE(card.contains("teacher")) << "the truth must not leak into the card";
  const Json truth = Json::parse(read_file(dir.path() / "truth.json"));
  EXPECT_TRUE(truth.contains("teacher"));
  EXPECT_EQ(read_file(dir.path() / "train.csv").substr(0, 19), "x0,x1,x2,x3,x4,targ");
  // Refuses to overwrite without --force: nothing is lost.
  EXPECT_EQ(run_cli("gen teacher --out " + dir.str()).exit_code, 2);
}

TEST(Cli, GenIsBitIdenticalAcrossThreadCounts) {
  TempDir a("thr1"), b("thr3");
  const std::string common =
      "gen teacher -p d=7 -p depth=3 -p sigma=0.1 --seed 11 --n-train 3000 --n-test 700 ";
  ASSERT_EQ(run_cli(common + "--threads 1 --out " + a.str()).exit_code, 0);
  ASSERT_EQ(run_cli(common + "--threads 3 --out " + b.str()).exit_code, 0);
  for (const char* f : {"X_train.npy", "y_train.npy", "X_test.npy", "y_test.npy", "truth.json"}) {
    EXPECT_EQ(read_file(a.path() / f), read_file(b.path() / f)) << f;
  }
}

TEST(Cli, RidgeFitsLinearTeacherExactly) {
  const auto r =
      run_cli("run teacher ridge -p d=6 -p depth=1 --seed 3 --n-train 200 --n-test 100 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Json j = last_json_line(r.output);
  EXPECT_EQ(j["problem"], "teacher");
  EXPECT_EQ(j["learner_params"]["lambda"], 1e-8);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_LT(j["metrics"]["nmse"].get<double>(), 1e-9);
  for (const char* m : {"mse", "train_loss", "seconds", "cpu_seconds", "peak_mb", "samples"}) {
    EXPECT_TRUE(j["metrics"].contains(m)) << m;
  }
}

TEST(Cli, MeanScoresAboutOne) {
  const auto r = run_cli("run teacher mean -p d=4 --n-train 2000 --n-test 2000 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The train mean differs from the test mean by O(1/sqrt(n)): nmse = 1 + O(1/n).
  EXPECT_NEAR(last_json_line(r.output)["metrics"]["nmse"].get<double>(), 1.0, 0.01);
}

TEST(Cli, FitOnUserFolderReportsTestMetricsAndSavesModel) {
  TempDir dir("fit");
  ASSERT_EQ(run_cli("gen teacher -p d=3 -p depth=1 --n-train 50 --n-test 20 --out " + dir.str())
                .exit_code,
            0);
  const auto model = dir.path() / "model.json";
  const auto r = run_cli("fit ridge --data " + dir.str() + " --json --out " + model.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Json j = last_json_line(r.output);
  EXPECT_LT(j["metrics"]["nmse"].get<double>(), 1e-9);
  EXPECT_EQ(Json::parse(read_file(model))["predictor"]["type"], "linear");
  // Without test files: train figures only.
  std::filesystem::remove(dir.path() / "X_test.npy");
  std::filesystem::remove(dir.path() / "y_test.npy");
  const Json k = last_json_line(run_cli("fit ridge --data " + dir.str() + " --json").output);
  EXPECT_TRUE(k["metrics"].contains("train_loss"));
  EXPECT_FALSE(k["metrics"].contains("nmse"));
}

TEST(Cli, RunAppendsToDatabaseAndExports) {
  TempDir dir("db");
  const std::string db = (dir.path() / "runs.sqlite").string();
  ASSERT_EQ(run_cli("run teacher ridge -p depth=1 --n-train 30 --n-test 10 --db " + db).exit_code,
            0);
  ASSERT_EQ(run_cli("run teacher mean --seed 2 --n-train 30 --n-test 10 --db " + db).exit_code, 0);
  const auto csv = run_cli("export --db " + db + " --format csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.output;
  std::istringstream lines(csv.output);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) count += !line.empty();
  EXPECT_EQ(count, 3) << csv.output;  // header + two runs
  EXPECT_NE(csv.output.find("nmse"), std::string::npos);
}

struct BadInput {
  std::string args;
  std::string expected;  // part of the message
};

// Test names show the command line instead of the object's bytes.
void PrintTo(const BadInput& input, std::ostream* os) {
  *os << input.args;
}

class CliBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(CliBadInput, ClearMessageAndNonZeroExit) {
  const auto r = run_cli(GetParam().args);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(GetParam().expected), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("terminate called"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("internal error"), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliBadInput,
    ::testing::Values(
        BadInput{"run nosuch ridge",
                 "unknown problem 'nosuch'; known problems: clwe, clwe_relu, dnnt_random"},
        BadInput{"run teacher nosuch", "unknown learner 'nosuch'"},
        BadInput{"describe nosuch", "unknown problem 'nosuch'"},
        BadInput{"run teacher ridge --n-train -5", "--n-train must be in [1"},
        BadInput{"run teacher ridge --n-test -1", "--n-test must be in [0"},
        BadInput{"run teacher ridge -p width=0",
                 "teacher: parameter 'width' must be in [1, 65536], got 0"},
        BadInput{"run teacher ridge -p colour=red", "teacher: unknown parameter 'colour'"},
        BadInput{"run teacher ridge -p d", "must be written key=value"},
        BadInput{"run teacher ridge -l lambda=-1", "ridge: parameter 'lambda' must be in [0"},
        BadInput{"run teacher ridge -p weights=cauchy", "one of {normal, uniform}"},
        BadInput{"fit ridge --data /nonexistent/folder", "'/nonexistent/folder' is not a folder"},
        BadInput{"export --db /nonexistent/runs.sqlite", "does not exist"},
        BadInput{"frobnicate", "frobnicate"}));

TEST(Cli, MalformedNpyIsRejected) {
  TempDir dir("bad");
  std::ofstream(dir.path() / "X_train.npy") << "this is not numpy";
  std::ofstream(dir.path() / "y_train.npy") << "neither is this";
  const auto r = run_cli("fit ridge --data " + dir.str());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("is not an .npy file"), std::string::npos) << r.output;
}

// `fit` fits as `run` does: a learner that fails is a result with status
// error and its message (exit 1), as in a stored run, not an abort.
TEST(Cli, FitReportsAFailingLearnerAsRunDoes) {
  TempDir dir("fit-error");
  ASSERT_EQ(run_cli("gen teacher -p d=4 --n-train 20 --n-test 5 --out " + dir.str()).exit_code, 0);
  // The moment method finds at most d units: width 5 > d = 4 fails in fit.
  const auto r = run_cli("fit tensor -l width=5 --json --data " + dir.str());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const Json j = last_json_line(r.output);
  EXPECT_EQ(j.at("status"), "error");
  EXPECT_NE(j.at("message").get<std::string>().find("width must be in [1, d = 4]"),
            std::string::npos)
      << r.output;
  const auto run = run_cli("run teacher tensor -p d=4 -l width=5 --n-train 20 --n-test 5 --json");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(last_json_line(run.output).at("message"), j.at("message"));
}

// A learner that reads a task key the problem does not publish is refused
// when the run is planned, naming both, never trained on a wrong width; a
// problem that publishes the key gives the learner its value.
TEST(Cli, TaskContractIsCheckedWhenTheRunIsPlanned) {
  const auto refused = run_cli("run periodic_neuron sgd -l width=0 --n-train 20 --n-test 5");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("learner 'sgd' reads a hidden_width task (width = 0 trains the "
                                "task's hidden width), but problem 'periodic_neuron' publishes a "
                                "periodic task; pass -l width=M"),
            std::string::npos)
      << refused.output;
  // teacher publishes its width: sgd -l width=0 trains width-3 hidden layers
  // (parameters = (d + 1)·3 + 3 + 1 = 19 for d = 4, depth 2).
  const auto trained =
      run_cli("run teacher sgd -p d=4 -p width=3 -l width=0 -l epochs=1 --n-train 20 --json");
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  EXPECT_EQ(last_json_line(trained.output).at("metrics").at("parameters"), 19.0);
  // And in a sweep, at plan time (--dry-run runs nothing).
  TempDir dir("contract-sweep");
  const auto spec = dir.path() / "s.toml";
  std::ofstream(spec) << "[sweep]\nname = \"c\"\n[[problems]]\nname = \"sparse_parity\"\n"
                         "[[learners]]\nname = \"exact_relu\"\nparams = { k = 0 }\n";
  const auto dry = run_cli("sweep " + spec.string() + " --dry-run");
  EXPECT_EQ(dry.exit_code, 2) << dry.output;
  EXPECT_NE(dry.output.find("learner 'exact_relu' reads a hidden_width task"), std::string::npos)
      << dry.output;
  EXPECT_NE(dry.output.find("problem 'sparse_parity' publishes a parity task"), std::string::npos)
      << dry.output;
}

// A sweep's [report] section is checked when the sweep is planned (also by
// --dry-run), not after its runs have been paid for.
TEST(Cli, SweepRefusesABadReportSectionBeforeRunning) {
  TempDir dir("bad-report");
  const std::string spec = (dir.path() / "s.toml").string();
  std::ofstream(spec) << "[sweep]\nname = \"t\"\n[[problems]]\nname = \"teacher\"\n"
                         "[[learners]]\nname = \"mean\"\n[report]\n"
                         "figures = [{ kind = \"line\", x = \"d\", logx = \"yes\" }, "
                         "{ kind = \"pie\", x = \"d\" }]\n";
  for (const std::string& how :
       {std::string(" --dry-run"), " --db " + (dir.path() / "r.db").string()}) {
    const auto r = run_cli("sweep " + spec + how);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("figure 1 (line): `logx` must be true or false"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("figure 2: kind must be one of"), std::string::npos) << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "r.db")) << "nothing ran, nothing stored";
}

TEST(Cli, MissingLabelsFileIsNamed) {
  TempDir dir("nolabels");
  ASSERT_EQ(run_cli("gen teacher --n-train 5 --n-test 0 --out " + dir.str()).exit_code, 0);
  std::filesystem::remove(dir.path() / "y_train.npy");
  const auto r = run_cli("fit mean --data " + dir.str());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("y_train.npy"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace hardnets

namespace hardnets {
namespace {

TEST(Cli, DiscreteTrainingInstanceFileRoundTrip) {
  testing::TempDir dir("dnnt");
  ASSERT_EQ(
      testing::run_cli("gen dnnt_reduction -p source=subset_sum -p planted=true --seed 3 --out " +
                       dir.str())
          .exit_code,
      0);
  ASSERT_TRUE(std::filesystem::exists(dir.path() / "instance.json"));
  // The gen folder and the single instance file give the same certified optimum (0: YES).
  for (const std::string& data : {dir.str(), (dir.path() / "instance.json").string()}) {
    const auto r = testing::run_cli("fit dnnt_dp --json --data " + data);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(last_json_line(r.output)["metrics"]["opt_loss"].get<double>(), 0.0) << r.output;
  }
  // A hand-written file with a mistake: a clear message, exit 2.
  std::ofstream(dir.path() / "bad.json")
      << R"({"format":"dnnt","d":2,"hidden":[1],"domain":[],"X":[[1]],"y":[1]})";
  const auto bad = testing::run_cli("fit dnnt_dp --data " + (dir.path() / "bad.json").string());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("dnnt instance: "), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace hardnets

namespace hardnets {
namespace {

// A card's warnings reach the user on stderr (`warning: ...`), not in the
// JSON on stdout; parameters inside the regime give none.
TEST(Cli, CardWarningsArePrintedOnStderr) {
  using testing::run_cli;
  const std::string above = "run natural_ksat mean --n-train 50 --n-test 50 --json";
  const auto both = run_cli(above);
  EXPECT_EQ(both.exit_code, 0) << both.output;
  EXPECT_NE(both.output.find("warning: natural_ksat: clauses = 2048 >= n^(K/2) = 64"),
            std::string::npos)
      << both.output;
  const auto stdout_only = run_cli(above + " 2>/dev/null | cat");  // run_cli adds 2>&1
  EXPECT_EQ(stdout_only.output.find("warning:"), std::string::npos) << stdout_only.output;
  EXPECT_NO_THROW((void)Json::parse(stdout_only.output));
  const auto inside =
      run_cli("run natural_ksat mean -p n=64 -p clauses=128 --n-train 50 --n-test 50 --json");
  EXPECT_EQ(inside.exit_code, 0) << inside.output;
  EXPECT_EQ(inside.output.find("warning:"), std::string::npos) << inside.output;
}

}  // namespace
}  // namespace hardnets
