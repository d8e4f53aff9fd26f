#include "hardnets/lab/run.h"

#include <fmt/format.h>
#include <cmath>
#include <new>

#include "hardnets/core/error.h"
#include "hardnets/core/params.h"
#include "hardnets/core/resources.h"
#include "hardnets/lab/instance_cache.h"
#include "hardnets/lab/provenance.h"

namespace hardnets {

Json assignments_to_json(const std::vector<std::string>& assignments, const std::string& what) {
  Json out = Json::object();
  for (const auto& a : assignments) {
    auto [key, value] = split_assignment(a, what);
    out[key] = value;
  }
  return out;
}

Seed learner_seed(Seed run_seed) {
  return mix64(run_seed ^ stream_id("learner"));
}

Json run_config(const ResolvedGenerate& instance, const std::string& learner,
                const Json& learner_params, int threads, const std::string& sweep) {
  Json config{{"problem", instance.problem->name()},
              {"problem_params", instance.params.to_json()},
              {"learner", learner},
              {"learner_params", learner_params},
              {"seed", instance.seed},
              {"n_train", instance.sizes.n_train},
              {"n_test", instance.sizes.n_test},
              {"threads", threads}};
  if (!sweep.empty()) config["sweep"] = sweep;
  return config;
}

void check_task_contract(const Problem& problem, const Learner& learner,
                         const Params& learner_params) {
  const std::string error = task_contract_error(problem.name(), problem.publishes(), learner.name(),
                                                learner.needs(learner_params));
  if (!error.empty()) fail("{}", error);
}

ResolvedRun resolve_run(const RunRequest& request) {
  if (request.threads < 1 || request.threads > 1024) {
    fail("--threads must be in [1, 1024], got {}", request.threads);
  }
  return resolve_run(resolve_generate({request.problem, request.problem_params, request.seed,
                                       request.sizes, request.threads}),
                     request);
}

ResolvedRun resolve_run(ResolvedGenerate instance, const RunRequest& request) {
  if (request.threads < 1 || request.threads > 1024) {
    fail("--threads must be in [1, 1024], got {}", request.threads);
  }
  ResolvedRun run;
  run.instance = std::move(instance);
  run.instance.threads = request.threads;
  run.learner = &learner_registry().get(request.learner);
  run.learner_params = run.learner->spec().resolve(request.learner_params);
  run.learner->validate(run.learner_params);
  check_task_contract(*run.instance.problem, *run.learner, run.learner_params);
  run.budget = {request.time_limit_seconds, request.memory_mb};
  run.config = run_config(run.instance, run.learner->name(), run.learner_params.to_json(),
                          request.threads, request.sweep);
  run.run_id = run_id_for(run.config);
  return run;
}

Json run_config(const RunRequest& request) {
  return resolve_run(request).config;
}

RunResult fit_learner(const Learner& learner, const Dataset& train, const Json& task,
                      const Params& learner_params, Seed run_seed, int threads,
                      double time_limit_seconds) {
  LearnerContext ctx;
  ctx.task = task;
  ctx.seed = learner_seed(run_seed);
  ctx.threads = threads;
  ctx.time_limit_seconds = time_limit_seconds;
  RunResult result;
  const Stopwatch fit_clock;
  try {
    result.fit = learner.fit(train, learner_params, ctx);
    result.status = result.fit.status;
    result.message = result.fit.message;
  } catch (const std::bad_alloc&) {
    // Out of memory in the fit (a sweep's memory_mb budget, or the
    // machine's): the outcome says so rather than a generic error.
    result.status = Outcome::oom;
    result.message = "out of memory while fitting";
    result.error = std::current_exception();
  } catch (const std::exception& e) {
    // A learner that throws is a stored failure, not a crash of the lab.
    result.status = Outcome::error;
    result.message = e.what();
    result.error = std::current_exception();
  }
  const double fit_seconds = fit_clock.seconds();
  const double fit_cpu = fit_clock.cpu_seconds();
  for (const auto& [key, value] : result.fit.stats) result.metrics[key] = value;
  result.metrics[metric::kSeconds] = fit_seconds;
  result.metrics[metric::kCpuSeconds] = fit_cpu;
  return result;
}

bool is_judged(const RunResult& result) {
  // A learner stopped by a budget still has a model to judge; a pure
  // recovery attack has no predictor, only an output (the recovered
  // secret), and is judged too.
  return is_judged(result.status);
}

void add_final_figures(RunResult& result, const Dataset& train) {
  result.metrics[metric::kPeakMb] = peak_rss_mb();
  // A learner that uses only part of the training set reports `samples` itself.
  result.metrics.try_emplace(metric::kSamples, static_cast<double>(train.size()));
}

RunResult fit_and_judge(const Problem& problem, const Instance& instance, const Learner& learner,
                        const Params& learner_params, Seed run_seed, int threads,
                        double time_limit_seconds) {
  RunResult result = fit_learner(learner, instance.train, instance.task, learner_params, run_seed,
                                 threads, time_limit_seconds);
  if (is_judged(result)) {
    for (const auto& [key, value] : problem.judge(instance, result.fit)) {
      result.metrics[key] = value;
    }
  }
  add_final_figures(result, instance.train);
  return result;
}

RunResult execute_run(const ResolvedRun& run, const InstanceCache* cache, bool share) {
  const ResolvedGenerate& g = run.instance;
  const Stopwatch generate_clock;
  const auto generate = [&] { return generate_instance(g); };
  bool loaded = false;
  const Instance instance =
      cache ? cache->obtain(InstanceCache::key_of(run.config), g.params, generate, share, &loaded)
            : generate();
  const double generate_seconds = generate_clock.seconds();

  RunResult result = fit_and_judge(*g.problem, instance, *run.learner, run.learner_params, g.seed,
                                   g.threads, run.budget.seconds);
  result.config = run.config;
  if (cache) result.metrics["instance_loaded"] = loaded ? 1.0 : 0.0;
  result.card = instance.card;
  // What was generated, which some problems choose themselves (stretch,
  // reductions) instead of the requested n_train / n_test.
  result.card["train_samples"] = instance.train.size();
  result.card["test_samples"] = instance.test.size();
  result.metrics["generate_seconds"] = generate_seconds;
  return result;
}

RunResult execute_run(const RunRequest& request) {
  return execute_run(resolve_run(request));
}

}  // namespace hardnets

namespace hardnets {

RunRecord make_record(Json config, Metrics metrics, Outcome status, std::string message,
                      double unmeasured) {
  RunRecord r;
  r.run_id = run_id_for(config);
  r.problem = config["problem"];
  r.learner = config["learner"];
  r.seed = static_cast<std::int64_t>(config["seed"].get<std::uint64_t>());
  r.n_train = config["n_train"];
  r.n_test = config["n_test"];
  auto figure = [&](const char* name) {
    auto it = metrics.find(name);
    return it == metrics.end() ? unmeasured : it->second;
  };
  r.seconds = figure(metric::kSeconds);
  r.cpu_seconds = figure(metric::kCpuSeconds);
  r.peak_mb = figure(metric::kPeakMb);
  r.config = std::move(config);
  r.metrics = std::move(metrics);
  r.status = status;
  r.message = std::move(message);
  r.provenance = provenance();
  return r;
}

RunRecord make_record(const RunResult& result) {
  return make_record(result.config, result.metrics, result.status, result.message, 0.0);
}

std::string append_new_run(Store& store, RunRecord record) {
  const std::string base_id = record.run_id;
  for (int k = 2; store.contains(record.run_id); ++k) {
    record.run_id = fmt::format("{}-{}", base_id, k);
  }
  store.append(record);
  return record.run_id;
}

}  // namespace hardnets
