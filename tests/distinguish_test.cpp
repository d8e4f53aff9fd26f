// hardnets distinguish: the threshold rule and the intervals against
// hand-worked values, the calibration's independence from the real trials,
// the nulls of the problems, and the experiments a theorist expects to see
// separate (gf2 on XOR_3) or not (mean).
#include <cmath>
#include <limits>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "hardnets/lab/distinguish.h"
#include "hardnets/lab/generate.h"
#include "test_util.h"

namespace hardnets {
namespace {

using testing::user_error;

// Expects fn to throw a UserError whose message contains `part`.
template <class Fn>
void expect_user_error(Fn&& fn, const std::string& part) {
  EXPECT_CONTAINS(user_error(fn), part);
}

TEST(Distinguish, ThresholdIsTheKthLargestCalibrationValue) {
  // C = 20, alpha = 0.05: k = floor(0.05 * 21) = 1, the largest, 1.5.
  std::vector<double> c;
  for (int i = 0; i < 18; ++i) c.push_back(0.1 * (i % 5));
  c.push_back(0.9);
  c.push_back(1.5);
  EXPECT_DOUBLE_EQ(calibrate_threshold(c, 0.05), 1.5);
  // alpha = 0.1: k = floor(2.1) = 2, the second largest.
  EXPECT_DOUBLE_EQ(calibrate_threshold(c, 0.1), 0.9);
  // C = 10: alpha = 0.25 gives k = floor(2.75) = 2; the values are 0.0 ..
  // 0.4, 0.0 .. 0.2, 0.9, 1.5, so the second largest is 0.9.
  std::vector<double> ten(c.begin(), c.begin() + 8);
  ten.push_back(0.9);
  ten.push_back(1.5);
  EXPECT_DOUBLE_EQ(calibrate_threshold(ten, 0.25), 0.9);
  // alpha = 0.5: k = floor(5.5) = 5, the fifth largest: 1.5, 0.9, 0.4, 0.3, 0.2.
  EXPECT_DOUBLE_EQ(calibrate_threshold(ten, 0.5), 0.2);
  // Ten values cannot calibrate 0.05 (k = 0): 19 are needed.
  EXPECT_EQ(min_calibration(0.05), 19);
  EXPECT_EQ(min_calibration(0.1), 9);
  EXPECT_EQ(min_calibration(0.3), 3);  // floor(0.3 * 4) = 1, floor(0.3 * 3) = 0
  expect_user_error([&] { calibrate_threshold(ten, 0.05); }, "needs 19");
  expect_user_error([] { calibrate_threshold({}, 0.05); }, "no calibration");
}

// The level: with exchangeable continuous null statistics (here i.i.d.
// uniform), a fresh one exceeds the k-th largest of C with probability
// exactly k/(C + 1). At C = 20, alpha = 0.05 that is 1/21 = 0.0476; the rule
// floor(alpha C) + 1-th largest would give 2/21 = 0.095, above alpha. Over
// 20000 fixed-seed experiments the standard error is 0.0015, so +-0.006 (4
// sigma) separates the two.
TEST(Distinguish, FalsePositiveRateIsAtMostAlpha) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  int false_positives = 0;
  const int experiments = 20000;
  for (int e = 0; e < experiments; ++e) {
    std::vector<double> calibration(20);
    for (double& v : calibration) v = u(rng);
    false_positives += u(rng) > calibrate_threshold(calibration, 0.05);
  }
  EXPECT_NEAR(static_cast<double>(false_positives) / experiments, 1.0 / 21, 0.006);
}

TEST(Distinguish, WilsonAndNewcombeMatchHandWorkedValues) {
  // Wilson, 8 of 10 at z = 1.96: centre (0.8 + 0.19208) / 1.38416 = 0.716738,
  // half-width 1.96 / 1.38416 * sqrt(0.016 + 0.009604) = 0.226581.
  const ProportionInterval w = wilson_interval(8, 10, 1.96);
  EXPECT_NEAR(w.low, 0.490157, 5e-6);
  EXPECT_NEAR(w.high, 0.943319, 5e-6);
  // Newcombe (1998) Table II, example (a): 56/70 - 48/80 = 0.2000, method 10
  // interval (0.0524, 0.3339).
  const ProportionInterval d = newcombe_difference(56, 70, 48, 80, 1.959963984540054);
  EXPECT_NEAR(d.low, 0.0524, 5e-4);
  EXPECT_NEAR(d.high, 0.3339, 5e-4);
}

TEST(Distinguish, SummaryCountsOnlyRealAndNullAgainstTheCalibratedThreshold) {
  std::vector<TrialStatistic> s;
  for (int j = 0; j < 10; ++j) s.push_back({TrialRole::calibration, 0.01 * j});  // max 0.09
  for (int i = 0; i < 10; ++i) {
    s.push_back({TrialRole::real, i < 7 ? 0.5 : 0.0});  // 7 above 0.09
    s.push_back({TrialRole::null, i < 1 ? 0.2 : 0.0});  // 1 above
  }
  // alpha = 0.1 with C = 10: k = floor(1.1) = 1, the largest.
  const DistinguishSummary sum = summarize_distinguish(s, 0.1);
  EXPECT_DOUBLE_EQ(sum.threshold, 0.09);
  EXPECT_EQ(sum.trials, 10);
  EXPECT_EQ(sum.calibration, 10);
  EXPECT_DOUBLE_EQ(sum.true_positive_rate, 0.7);
  EXPECT_DOUBLE_EQ(sum.false_positive_rate, 0.1);
  EXPECT_DOUBLE_EQ(sum.advantage, 0.6);
  EXPECT_LT(sum.advantage_low, 0.6);
  EXPECT_GT(sum.advantage_high, 0.6);
}

TEST(Distinguish, PoisonedRealTrialsDoNotMoveTheThreshold) {
  std::vector<TrialStatistic> s;
  for (int j = 0; j < 20; ++j) s.push_back({TrialRole::calibration, std::sin(j)});
  for (int i = 0; i < 20; ++i) {
    s.push_back({TrialRole::real, 0.3});
    s.push_back({TrialRole::null, std::cos(i)});
  }
  const double before = summarize_distinguish(s, 0.05).threshold;
  for (TrialStatistic& t : s) {
    if (t.role == TrialRole::real) t.value = 1e9;  // poisoned real test data
  }
  const DistinguishSummary after = summarize_distinguish(s, 0.05);
  EXPECT_DOUBLE_EQ(after.threshold, before);
  EXPECT_DOUBLE_EQ(after.true_positive_rate, 1.0);
}

TEST(Distinguish, FailedFitsGiveNoEvidence) {
  RunResult r;
  r.status = Outcome::error;
  r.metrics["advantage"] = 0.5;
  EXPECT_EQ(oriented_statistic(r, {"advantage", false}), -std::numeric_limits<double>::infinity());
  r.status = Outcome::ok;
  EXPECT_DOUBLE_EQ(oriented_statistic(r, {"advantage", false}), 0.5);
  EXPECT_DOUBLE_EQ(oriented_statistic(r, {"advantage", true}), -0.5);
  EXPECT_EQ(oriented_statistic(r, {"missing", false}), -std::numeric_limits<double>::infinity());
}

RunRequest xor_request(const std::string& learner, std::int64_t n_train) {
  RunRequest r;
  r.problem = "prg_hyperedge";
  r.problem_params = Json{{"n", "32"}, {"predicate", "xor"}, {"k", "3"}, {"encoding", "index"}};
  r.learner = learner;
  r.sizes = {n_train, 200};
  return r;
}

TEST(Distinguish, PlanPairsSeedsAndKeepsCalibrationSeedsApart) {
  DistinguishOptions o;
  o.trials = 3;
  o.calibration = 4;
  o.alpha = 0.2;  // floor(0.2 * 5) = 1: four calibration seeds suffice
  RunRequest r = xor_request("mean", 100);
  r.seed = 10;
  const DistinguishPlan plan = plan_distinguish(r, o);
  ASSERT_EQ(plan.trials.size(), 4u + 2 * 3);
  std::set<Seed> calibration, trial;
  for (const PlannedTrial& t : plan.trials) {
    const Json& c = t.run.config;
    const std::string labels = c["problem_params"]["labels"];
    EXPECT_EQ(labels, t.role == TrialRole::real ? "prg" : "uniform");
    EXPECT_EQ(c["distinguish"]["role"], trial_role_text(t.role));
    (t.role == TrialRole::calibration ? calibration : trial).insert(t.run.instance.seed);
  }
  EXPECT_EQ(trial, (std::set<Seed>{10, 11, 12}));
  EXPECT_EQ(calibration, (std::set<Seed>{13, 14, 15, 16}));
}

TEST(Distinguish, Gf2OnXorSeparatesAndMeanDoesNot) {
  // gf2 solves XOR_3 at m = 4n = 128 outputs (full rank with overwhelming
  // probability), so every real trial has unseen-label advantage 1/2 while
  // uniform labels give an inconsistent system: advantage 1 - FPR, and
  // FPR <= alpha-ish. The bound 0.9 leaves room for one false positive in 10.
  DistinguishOptions o;
  o.trials = 10;
  const DistinguishResult gf2 = run_distinguish(plan_distinguish(xor_request("gf2", 128), o));
  EXPECT_GE(gf2.summary.advantage, 0.9);
  EXPECT_EQ(gf2.metrics.at("fits"), 2 * 10 + 19.0);  // C = max(T, 19) at alpha = 0.05
  // mean predicts one constant: no statistic separates; its advantage is 0
  // within its interval.
  const DistinguishResult mean = run_distinguish(plan_distinguish(xor_request("mean", 128), o));
  EXPECT_LE(mean.summary.advantage_low, 0.0);
  EXPECT_GE(mean.summary.advantage_high, 0.0);
  EXPECT_LE(std::abs(mean.summary.advantage), 0.5);
}

TEST(Distinguish, BadInputIsAUserErrorNamingWhatIsMissing) {
  DistinguishOptions o;
  o.trials = 1;
  expect_user_error([&] { plan_distinguish(xor_request("mean", 50), o); }, "--trials");
  o.trials = 2;
  o.alpha = 1.5;
  expect_user_error([&] { plan_distinguish(xor_request("mean", 50), o); }, "--alpha");
  o.alpha = 0.05;
  o.calibration = 10;
  expect_user_error([&] { plan_distinguish(xor_request("mean", 50), o); },
                    "--calibration 10 cannot calibrate level alpha = 0.05");
  o.calibration = 0;
  RunRequest dnnt = xor_request("mean", 50);
  dnnt.problem = "dnnt_random";
  dnnt.problem_params = Json::object();
  expect_user_error([&] { plan_distinguish(dnnt, o); }, "declares no null");
  RunRequest already_null = xor_request("mean", 50);
  already_null.problem_params["labels"] = "uniform";
  expect_user_error([&] { plan_distinguish(already_null, o); }, "already has labels = uniform");
  o.statistic = "no_such_metric";
  expect_user_error([&] { run_distinguish(plan_distinguish(xor_request("mean", 50), o)); },
                    "reports no statistic 'no_such_metric'");
}

// Every declared null keeps the public shape: same input width, sizes and
// task keys as the real instance, and a parameter the problem declares.
TEST(Distinguish, EveryDeclaredNullKeepsThePublicShape) {
  int declared = 0;
  for (const auto& problem_name : problem_registry().names()) {
    const Problem* p = &problem_registry().get(problem_name);
    const auto null = p->null_hypothesis();
    if (!null) continue;
    ++declared;
    SCOPED_TRACE(p->name());
    ASSERT_NE(p->spec().find(null->param), nullptr);
    Json params = Json::object();
    // relu_reduction's null needs a provably unsatisfiable source: with
    // negations, 12 clauses on 4 variables are refuted quickly.
    std::vector<std::string> small = testing::small_params_of(p->name());
    if (p->name() == "relu_reduction") small = {"negations=true", "clauses=12"};
    for (const std::string& a : small) {
      const auto eq = a.find('=');
      params[a.substr(0, eq)] = a.substr(eq + 1);
    }
    const Instance real = generate_instance(GenerateRequest{p->name(), params, 3, {64, 32}, 1});
    params[null->param] = null->value;
    const Instance nul = generate_instance(GenerateRequest{p->name(), params, 3, {64, 32}, 1});
    EXPECT_EQ(real.train.dim(), nul.train.dim());
    EXPECT_EQ(real.train.size(), nul.train.size());
    EXPECT_EQ(real.test.size(), nul.test.size());
    std::vector<std::string> real_keys, null_keys;
    for (const auto& [key, value] : real.task.items()) real_keys.push_back(key);
    for (const auto& [key, value] : nul.task.items()) null_keys.push_back(key);
    EXPECT_EQ(real_keys, null_keys);
    EXPECT_FALSE(null->statistic.empty());
    EXPECT_FALSE(null->meaning.empty());
  }
  EXPECT_GE(declared, 4);
}

}  // namespace
}  // namespace hardnets
