#include "hardnets/lab/distinguish.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "hardnets/core/error.h"

namespace hardnets {

namespace {

// The two-sided 95% normal quantile.
constexpr double kZ95 = 1.959963984540054;

DistinguishStatistic chosen_statistic(const NullHypothesis& null, const std::string& requested) {
  if (requested.empty()) return {null.statistic, null.smaller_is_planted};
  if (requested[0] == '-') return {requested.substr(1), true};
  return {requested, false};
}

Json distinguish_config(TrialRole role, const DistinguishPlan& plan) {
  return Json{{"role", trial_role_text(role)},
              {"statistic", plan.statistic.metric},
              {"smaller_is_planted", plan.statistic.smaller_is_planted},
              {"alpha", plan.options.alpha},
              {"null_param", plan.null.param},
              {"planted_value", plan.planted_value}};
}

// The null instance of a real point: the same parameters with the null's one.
ResolvedGenerate null_point(const ResolvedGenerate& real, const NullHypothesis& null) {
  Json params = real.params.to_json();
  params[null.param] = null.value;  // text, parsed as -p parses it
  ResolvedGenerate out =
      resolve_generate({real.problem->name(), params, real.seed, real.sizes, real.threads});
  if (out.params.to_json()[null.param] == real.params.to_json()[null.param]) {
    fail(
        "distinguish: the real instance of {} already has {} = {}, the null; give the planted "
        "value of -p {}",
        real.problem->name(), null.param, null.value, null.param);
  }
  return out;
}

PlannedTrial plan_trial(TrialRole role, ResolvedGenerate instance, Seed seed,
                        const RunRequest& request, const DistinguishPlan& plan) {
  instance.seed = seed;
  PlannedTrial trial{role, resolve_run(std::move(instance), request)};
  trial.run.config["distinguish"] = distinguish_config(role, plan);
  trial.run.run_id = run_id_for(trial.run.config);
  return trial;
}

}  // namespace

namespace {

// floor(alpha (C + 1)): how many calibration values may exceed the threshold.
// The small slack keeps alpha = 0.05, C = 19 at k = 1 despite rounding.
int exceedances(double alpha, int calibration) {
  return static_cast<int>(std::floor(alpha * (calibration + 1.0) + 1e-9));
}

}  // namespace

int min_calibration(double alpha) {
  int c = std::max(1, static_cast<int>(std::ceil(1.0 / alpha - 1e-9)) - 1);
  while (exceedances(alpha, c) < 1) ++c;
  return c;
}

int DistinguishOptions::calibration_count() const {
  return calibration > 0 ? calibration : std::max(trials, min_calibration(alpha));
}

std::string DistinguishOptions::validation_error() const {
  if (trials < 2 || trials > 1'000'000) {
    return fmt::format("--trials must be in [2, 1000000], got {}", trials);
  }
  if (!(alpha > 0 && alpha < 1)) return fmt::format("--alpha must be in (0, 1), got {}", alpha);
  if (calibration < 0 || calibration > 1'000'000) {
    return fmt::format(
        "--calibration must be in [0, 1000000] (0: as many as --trials, at least {}), got {}",
        min_calibration(alpha), calibration);
  }
  if (calibration > 0 && calibration < min_calibration(alpha)) {
    return fmt::format(
        "--calibration {} cannot calibrate level alpha = {}: a null statistic exceeds the "
        "largest of C calibration ones with probability 1/(C + 1), so level {} needs C >= {}",
        calibration, alpha, alpha, min_calibration(alpha));
  }
  if (statistic == "-") return "--statistic needs a metric name after '-'";
  return "";
}

const char* trial_role_text(TrialRole role) {
  switch (role) {
    case TrialRole::real:
      return "real";
    case TrialRole::null:
      return "null";
    case TrialRole::calibration:
      return "calibration";
  }
  return "real";
}

DistinguishPlan plan_distinguish(const ResolvedGenerate& instance, const RunRequest& request,
                                 const DistinguishOptions& options) {
  if (const std::string error = options.validation_error(); !error.empty()) {
    fail("distinguish: {}", error);
  }
  const Problem& problem = *instance.problem;
  const std::optional<NullHypothesis> null = problem.null_hypothesis();
  if (!null) {
    fail(
        "distinguish: problem '{}' declares no null hypothesis, so there is nothing to "
        "distinguish it from (problems with one: hardnets list nulls)",
        problem.name());
  }
  DistinguishPlan plan;
  plan.null = *null;
  plan.statistic = chosen_statistic(*null, options.statistic);
  plan.options = options;
  const ResolvedGenerate null_instance = null_point(instance, *null);
  plan.planted_value = instance.params.to_json()[null->param];
  const Seed first = request.seed;
  const int T = options.trials;
  for (int j = 0; j < options.calibration_count(); ++j) {
    plan.trials.push_back(
        plan_trial(TrialRole::calibration, null_instance, first + T + j, request, plan));
  }
  for (int i = 0; i < T; ++i) {
    plan.trials.push_back(plan_trial(TrialRole::real, instance, first + i, request, plan));
    plan.trials.push_back(plan_trial(TrialRole::null, null_instance, first + i, request, plan));
  }
  return plan;
}

DistinguishPlan plan_distinguish(const RunRequest& request, const DistinguishOptions& options) {
  if (request.threads < 1 || request.threads > 1024) {
    fail("--threads must be in [1, 1024], got {}", request.threads);
  }
  const ResolvedGenerate instance = resolve_generate(
      {request.problem, request.problem_params, request.seed, request.sizes, request.threads});
  return plan_distinguish(instance, request, options);
}

double oriented_statistic(const RunResult& result, const DistinguishStatistic& statistic) {
  constexpr double kNoEvidence = -std::numeric_limits<double>::infinity();
  if (!is_judged(result)) return kNoEvidence;
  const auto it = result.metrics.find(statistic.metric);
  if (it == result.metrics.end() || std::isnan(it->second)) return kNoEvidence;
  return statistic.smaller_is_planted ? -it->second : it->second;
}

double calibrate_threshold(std::vector<double> calibration, double alpha) {
  if (calibration.empty()) fail("distinguish: no calibration statistics to set a threshold on");
  const int C = static_cast<int>(calibration.size());
  const int k = exceedances(alpha, C);
  if (k < 1) {
    fail("distinguish: {} calibration statistics cannot calibrate level alpha = {} (needs {})", C,
         alpha, min_calibration(alpha));
  }
  std::sort(calibration.begin(), calibration.end(), std::greater<>());
  return calibration[static_cast<std::size_t>(std::min(k, C) - 1)];
}

ProportionInterval wilson_interval(int successes, int n, double z) {
  if (n <= 0) return {0.0, 1.0};
  const double p = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
  const double half = z / (1.0 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

ProportionInterval newcombe_difference(int x1, int n1, int x0, int n0, double z) {
  const double p1 = static_cast<double>(x1) / n1, p0 = static_cast<double>(x0) / n0;
  const ProportionInterval w1 = wilson_interval(x1, n1, z), w0 = wilson_interval(x0, n0, z);
  const double below = std::sqrt((p1 - w1.low) * (p1 - w1.low) + (w0.high - p0) * (w0.high - p0));
  const double above = std::sqrt((w1.high - p1) * (w1.high - p1) + (p0 - w0.low) * (p0 - w0.low));
  return {p1 - p0 - below, p1 - p0 + above};
}

DistinguishSummary summarize_distinguish(const std::vector<TrialStatistic>& statistics,
                                         double alpha) {
  std::vector<double> calibration;
  for (const TrialStatistic& s : statistics) {
    if (s.role == TrialRole::calibration) calibration.push_back(s.value);
  }
  DistinguishSummary out;
  out.alpha = alpha;
  out.calibration = static_cast<int>(calibration.size());
  out.threshold = calibrate_threshold(std::move(calibration), alpha);
  int real = 0, null = 0;
  for (const TrialStatistic& s : statistics) {
    const bool planted = s.value > out.threshold;
    if (s.role == TrialRole::real) ++real, out.true_positives += planted;
    if (s.role == TrialRole::null) ++null, out.false_positives += planted;
  }
  if (real == 0 || null == 0) fail("distinguish: needs at least one real and one null trial");
  out.trials = real;
  out.true_positive_rate = static_cast<double>(out.true_positives) / real;
  out.false_positive_rate = static_cast<double>(out.false_positives) / null;
  out.advantage = out.true_positive_rate - out.false_positive_rate;
  const ProportionInterval ci =
      newcombe_difference(out.true_positives, real, out.false_positives, null, kZ95);
  out.advantage_low = ci.low;
  out.advantage_high = ci.high;
  return out;
}

Metrics DistinguishSummary::to_metrics() const {
  return Metrics{{"advantage", advantage},
                 {"advantage_low", advantage_low},
                 {"advantage_high", advantage_high},
                 {"true_positive_rate", true_positive_rate},
                 {"false_positive_rate", false_positive_rate},
                 {"trials", static_cast<double>(trials)},
                 {"calibration", static_cast<double>(calibration)},
                 {"threshold", threshold},
                 {"alpha", alpha}};
}

namespace {

// UserError when no judged fit of the experiment has the statistic: the
// learner cannot be turned into this distinguisher (say which it reports).
void check_statistic_reported(const DistinguishPlan& plan, const std::vector<RunResult>& runs) {
  Metrics reported;
  for (const RunResult& r : runs) {
    if (!is_judged(r)) continue;
    if (r.metrics.count(plan.statistic.metric)) return;
    for (const auto& [key, value] : r.metrics) reported[key] = value;
  }
  if (reported.empty()) return;  // nothing judged: every fit failed, a result (advantage 0)
  std::string names;
  for (const auto& [key, value] : reported) names += (names.empty() ? "" : ", ") + key;
  const Json& c = plan.trials.front().run.config;
  fail(
      "distinguish: learner '{}' on problem '{}' reports no statistic '{}'; choose one of its "
      "figures with --statistic NAME (or -NAME when smaller means planted): {}",
      c["learner"].get<std::string>(), c["problem"].get<std::string>(), plan.statistic.metric,
      names);
}

}  // namespace

DistinguishResult run_distinguish(const DistinguishPlan& plan, Store* store) {
  DistinguishResult out;
  out.plan = plan;
  std::vector<TrialStatistic> statistics;
  double seconds = 0, peak_mb = 0;
  for (const PlannedTrial& trial : plan.trials) {
    RunResult result = execute_run(trial.run);
    if (store) append_new_run(*store, make_record(result));
    statistics.push_back({trial.role, oriented_statistic(result, plan.statistic)});
    seconds += result.metrics.count(metric::kSeconds) ? result.metrics.at(metric::kSeconds) : 0.0;
    if (result.metrics.count(metric::kPeakMb)) {
      peak_mb = std::max(peak_mb, result.metrics.at(metric::kPeakMb));
    }
    out.runs.push_back(std::move(result));
  }
  check_statistic_reported(plan, out.runs);
  out.summary = summarize_distinguish(statistics, plan.options.alpha);
  out.metrics = out.summary.to_metrics();
  const double fits = static_cast<double>(plan.trials.size());
  out.metrics["fits"] = fits;
  out.metrics["fit_seconds"] = seconds;
  out.metrics["seconds_per_fit"] = seconds / fits;
  out.metrics[metric::kPeakMb] = peak_mb;
  return out;
}

Json distinguish_json(const DistinguishResult& result) {
  const DistinguishPlan& plan = result.plan;
  // The first real trial's configuration: the experiment's point.
  Json real;
  for (const PlannedTrial& t : plan.trials) {
    if (t.role == TrialRole::real) {
      real = t.run.config;
      break;
    }
  }
  std::map<std::string, int> statuses;
  for (const RunResult& r : result.runs) ++statuses[std::string(outcome_text(r.status))];
  const Json metrics = numbers_json(result.metrics);
  return Json{
      {"problem", real["problem"]},
      {"problem_params", real["problem_params"]},
      {"learner", real["learner"]},
      {"learner_params", real["learner_params"]},
      {"seed", real["seed"]},
      {"n_train", real["n_train"]},
      {"n_test", real["n_test"]},
      {"null",
       {{"param", plan.null.param}, {"value", plan.null.value}, {"meaning", plan.null.meaning}}},
      {"statistic", (plan.statistic.smaller_is_planted ? "-" : "") + plan.statistic.metric},
      {"statuses", statuses},
      {"metrics", metrics}};
}

}  // namespace hardnets
