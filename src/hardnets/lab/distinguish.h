// `hardnets distinguish`: a learner turned into a distinguisher, the way each
// hardness theorem's reduction uses it (docs/reductions.md).
//
// Each problem that can be distinguished declares its null
// (Problem::null_hypothesis): one parameter value giving the same public
// shape with the planted structure removed. For T paired seeds the real and
// the null instance are generated and the learner is fitted on each; its
// held-out statistic s (the judge's figure the null names, or --statistic)
// is compared with a threshold t. The threshold is fixed beforehand on C
// further null instances (calibration seeds, never a real instance and never
// a trial's test data): with the calibration statistics sorted decreasingly,
// v(1) >= ... >= v(C), and k = floor(alpha (C + 1)), t = v(k), and a trial
// is called planted when s > t. A null trial's statistic is exchangeable
// with the C calibration ones, so it exceeds their k-th largest with
// probability at most k / (C + 1) <= alpha (the conformal argument; ties
// only lower it): the test has level alpha whatever the statistic's law.
// That needs k >= 1, i.e. C >= ceil(1/alpha) - 1 (19 at alpha = 0.05).
// Reported: TPR (real trials called planted), FPR (null trials called
// planted), advantage = TPR - FPR and its 95% interval (Newcombe's hybrid
// score interval for a difference of two proportions).
//
// A fit that ends without a judged outcome (an error, a divergence, out of
// memory) or without the statistic has s = -inf: a learner that fails gives
// no evidence, which counts against it on real trials.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hardnets/core/json.h"
#include "hardnets/core/metrics.h"
#include "hardnets/lab/run.h"

namespace hardnets {

struct DistinguishOptions {
  int trials = 20;        // T: paired real / null seeds
  int calibration = 0;    // C: null calibration seeds; 0 = max(T, min_calibration(alpha))
  double alpha = 0.05;    // level the threshold is calibrated to
  std::string statistic;  // "" = the problem's; "NAME" larger = planted, "-NAME" smaller = planted

  // Empty when valid, otherwise what is wrong (T >= 2, 0 < alpha < 1, C = 0
  // or C >= min_calibration(alpha)).
  std::string validation_error() const;
  bool is_valid() const { return validation_error().empty(); }
  int calibration_count() const;
};

// The fewest calibration seeds that calibrate level alpha: the smallest C
// with floor(alpha (C + 1)) >= 1, i.e. ceil(1/alpha) - 1.
int min_calibration(double alpha);

// What a trial's fit is, in the experiment.
enum class TrialRole { real, null, calibration };
const char* trial_role_text(TrialRole role);

// The statistic a distinguisher thresholds: a metric and its direction.
struct DistinguishStatistic {
  std::string metric;
  bool smaller_is_planted = false;
};

struct PlannedTrial {
  TrialRole role = TrialRole::real;
  // Its configuration carries "distinguish": {role, statistic,
  // smaller_is_planted, alpha, null_param, planted_value}.
  ResolvedRun run;
};

struct DistinguishPlan {
  NullHypothesis null;
  // The real instance's value of the null's parameter: every trial's
  // configuration carries it, so the null runs of two experiments that differ
  // only there (formula = planted vs planted_xor, one null) stay apart.
  Json planted_value;
  DistinguishStatistic statistic;
  DistinguishOptions options;
  std::vector<PlannedTrial> trials;  // calibration first, then (real, null) per trial seed
};

// Seeds: trial i (0 <= i < T) uses request.seed + i for both its real and
// its null instance; calibration j uses request.seed + T + j. UserError on
// bad options, a problem with no declared null, a real instance that is the
// null already, and everything resolve_run refuses.
DistinguishPlan plan_distinguish(const RunRequest& request, const DistinguishOptions& options);
// The trials of one problem point and learner (what a sweep plans per point):
// `instance` is the real point (its seed is ignored), `request` the learner's
// side. Shares plan_distinguish's rules.
DistinguishPlan plan_distinguish(const ResolvedGenerate& instance, const RunRequest& request,
                                 const DistinguishOptions& options);

// One trial's statistic, oriented so that larger = planted (-inf: no
// evidence, see above).
struct TrialStatistic {
  TrialRole role = TrialRole::real;
  double value = 0;
};
// The oriented statistic of a result (-inf when it is not judged or lacks
// the metric, or the metric is NaN).
double oriented_statistic(const RunResult& result, const DistinguishStatistic& statistic);

// The threshold of the calibration statistics at level alpha, the k-th
// largest with k = floor(alpha (C + 1)) (see above); UserError when C is
// below min_calibration(alpha).
double calibrate_threshold(std::vector<double> calibration, double alpha);

struct ProportionInterval {
  double low = 0, high = 0;
};
// Wilson's score interval for x successes in n trials at normal quantile z.
ProportionInterval wilson_interval(int successes, int n, double z);
// Newcombe's hybrid score interval (his method 10) for p1 - p0, p1 = x1/n1,
// p0 = x0/n0 independent, from the two Wilson intervals at z.
ProportionInterval newcombe_difference(int x1, int n1, int x0, int n0, double z);

struct DistinguishSummary {
  double threshold = 0;
  int trials = 0, calibration = 0;
  int true_positives = 0, false_positives = 0;
  double true_positive_rate = 0, false_positive_rate = 0;
  double advantage = 0, advantage_low = 0, advantage_high = 0;  // 95%
  double alpha = 0;
  // advantage, advantage_low, advantage_high, true_positive_rate,
  // false_positive_rate, trials, calibration, threshold, alpha.
  Metrics to_metrics() const;
};
// The summary of the statistics of one experiment: the threshold from the
// calibration entries only, the rates from the real and null entries.
// UserError when there is no calibration entry or fewer than one real or
// null entry.
DistinguishSummary summarize_distinguish(const std::vector<TrialStatistic>& statistics,
                                         double alpha);

struct DistinguishResult {
  DistinguishPlan plan;
  std::vector<RunResult> runs;  // in plan order
  DistinguishSummary summary;
  Metrics metrics;  // summary.to_metrics() and the cost: fits, seconds, seconds_per_fit, peak_mb
};

// Runs every trial of the plan (appending each to `store` when given) and
// summarises. UserError when no judged fit reports the statistic (naming the
// learner, the problem, the statistic and the metrics it does report).
DistinguishResult run_distinguish(const DistinguishPlan& plan, Store* store = nullptr);

// The JSON of `hardnets distinguish --json` and hardnets.distinguish():
// problem, problem_params, learner, learner_params, seed, n_train, n_test,
// null {param, value, meaning}, statistic, statuses {outcome: count},
// metrics.
Json distinguish_json(const DistinguishResult& result);

}  // namespace hardnets
