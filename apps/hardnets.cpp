// hardnets: the command-line front end. Thin: parses flags, calls the library,
// prints. Every user mistake surfaces as a one-line message and a non-zero exit.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <thread>

#include <unistd.h>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "hardnets/contracts/dnnt_instance.h"
#include "hardnets/core/bibliography.h"
#include "hardnets/core/build_info.h"
#include "hardnets/core/dataset.h"
#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"
#include "hardnets/lab/catalog.h"
#include "hardnets/lab/challenge.h"
#include "hardnets/lab/distinguish.h"
#include "hardnets/lab/estimate.h"
#include "hardnets/lab/filter.h"
#include "hardnets/lab/generate.h"
#include "hardnets/lab/merge.h"
#include "hardnets/lab/mpi.h"
#include "hardnets/lab/provenance.h"
#include "hardnets/lab/report.h"
#include "hardnets/lab/run.h"
#include "hardnets/lab/shard.h"
#include "hardnets/lab/store.h"
#include "hardnets/lab/sweep.h"
#include "hardnets/lab/sweep_policy.h"
#include "hardnets/lab/sweep_spec.h"
#include "hardnets/learners/learner.h"
#include "hardnets/problems/problem.h"

namespace fs = std::filesystem;
using namespace hardnets;

namespace {

constexpr int kUserErrorExit = 2;

void print_table(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::size_t width = 0;
  for (const auto& [key, value] : rows) width = std::max(width, key.size());
  for (const auto& [key, value] : rows) fmt::print("  {:<{}}  {}\n", key, width, value);
}

std::string format_metric(double v) {
  if (std::isnan(v)) return "nan";
  return fmt::format("{:.6g}", v);
}

void print_metrics(const Metrics& metrics) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& [key, value] : metrics) rows.emplace_back(key, format_metric(value));
  print_table(rows);
}

// ---- list / describe ----

// The outcomes a fit or run can end in, as a Markdown table (docs/architecture.md embeds it).
void print_outcomes() {
  fmt::print("| outcome | stored as | judged | meaning |\n|---|---|---|---|\n");
  for (const OutcomeInfo& info : outcomes()) {
    fmt::print("| `{}` | `{}` | {} | {} |\n", info.name, info.text, info.judged ? "yes" : "no",
               info.meaning);
  }
}

void cmd_list(const std::string& what) {
  if (what == "outcomes") {
    print_outcomes();
    return;
  }
  if (what == "nulls") {
    std::cout << nulls_markdown();
    return;
  }
  if (what != "problems" && what != "learners" && what != "all") {
    fail("list: expected 'problems', 'learners', 'all', 'outcomes' or 'nulls', got '{}'",
         escaped(what));
  }
  if (what != "learners") {
    fmt::print("problems:\n");
    for (const auto& name : problem_registry().names()) {
      fmt::print("  {:<18} {}\n", name, problem_registry().get(name).summary());
    }
  }
  if (what != "problems") {
    fmt::print("learners:\n");
    for (const auto& name : learner_registry().names()) {
      fmt::print("  {:<18} {}\n", name, learner_registry().get(name).summary());
    }
  }
}

struct DescribeOptions {
  std::string name;
  bool json = false, markdown = false, task_markdown = false, references_markdown = false;
};

// What to cite for `name`, after its parameters.
void print_references(const Json& description) {
  if (description.contains("construction"))
    fmt::print("\nconstruction: {} — {}\n",
               description["construction"]["source"].get<std::string>(),
               description["construction"]["notes"].get<std::string>());
  if (description["references"].empty()) return;
  fmt::print("\nreferences (hardnets cite --bibtex for BibTeX):\n");
  for (const Json& r : description["references"])
    fmt::print("  [{}] {}: {}\n", r["key"].get<std::string>(), r["what"].get<std::string>(),
               r["citation"].get<std::string>());
}

void cmd_describe(const DescribeOptions& o) {
  const std::string& name = o.name;
  const Json description = describe(name);  // UserError for an unknown name
  if (o.task_markdown) {
    std::cout << task_contract_markdown(name);
    return;
  }
  const bool as_json = o.json, as_markdown = o.markdown;
  if (as_json) {
    std::cout << description.dump(2) << "\n";
    return;
  }
  const Problem* problem = problem_registry().find(name);
  const ParamSpec& spec = problem ? problem->spec() : learner_registry().get(name).spec();
  if (as_markdown) {
    std::cout << spec.markdown_table();
    return;
  }
  if (o.references_markdown) {
    std::cout << spec.references_markdown();
    return;
  }
  fmt::print("{} ({}): {}\n\nparameters:\n", name, description["kind"].get<std::string>(),
             description["summary"].get<std::string>());
  if (spec.decls().empty()) fmt::print("  (none)\n");
  for (const auto& d : spec.decls()) {
    fmt::print("  {:<12} {:<6} default {:<10} allowed {}\n      {}\n", d.name,
               param_type_name(d.type), d.default_text(), d.allowed(), d.doc);
  }
  if (description.contains("estimates") && !description["estimates"].empty()) {
    std::string models;
    for (const Json& a : description["estimates"])
      models += (models.empty() ? "" : ", ") + a.get<std::string>();
    fmt::print("\ncost models (hardnets estimate {} --attack NAME): {}\n", name, models);
  }
  print_references(description);
}

// ---- cite ----

void cmd_cite(bool as_bibtex) {
  if (as_bibtex) {
    std::cout << bibtex();
    return;
  }
  for (const Work& w : bibliography()) fmt::print("  {:<28} {}\n", w.key, w.citation());
}

// ---- gen ----

struct GenOptions {
  std::string problem;
  std::vector<std::string> params;
  std::uint64_t seed = 1;
  std::int64_t n_train = 1000, n_test = 1000;
  std::string out;
  bool csv = false, tsv = false, force = false;
  int threads = 1;
};

// A card's `warnings` (parameters outside the regime a theorem needs, say),
// one `warning: ...` line each on stderr, so that stdout stays the result.
void print_card_warnings(const Json& card) {
  if (!card.is_object() || !card.contains("warnings") || !card["warnings"].is_array()) return;
  for (const Json& w : card["warnings"]) {
    if (w.is_string()) std::cerr << "warning: " << w.get<std::string>() << "\n";
  }
}

void cmd_gen(const GenOptions& o) {
  const ResolvedGenerate request =
      resolve_generate({o.problem, assignments_to_json(o.params, "-p"), o.seed,
                        Sizes{o.n_train, o.n_test}, o.threads});
  const fs::path dir(o.out);
  if (fs::exists(dir) && !fs::is_directory(dir))
    fail("--out '{}' exists and is not a folder", o.out);
  if (!o.force && fs::exists(dir / "X_train.npy")) {
    fail("--out '{}' already holds a dataset; pass --force to overwrite it", o.out);
  }
  const Instance inst = generate_instance(request);
  print_card_warnings(inst.card);
  write_instance(dir, inst, {o.csv, o.tsv});
  fmt::print("wrote {} ({} train, {} test samples, d = {}) to {}\n", request.problem->name(),
             inst.train.size(), inst.test.size(), inst.train.dim(), dir.string());
}

// ---- fit ----

struct FitOptions {
  std::string learner;
  std::string data;
  std::vector<std::string> params;
  std::string out;
  bool json = false;
  std::uint64_t seed = 1;
  int threads = 1;
  double time_limit = 0;
};

int cmd_fit(const FitOptions& o) {
  const Learner& learner = learner_registry().get(o.learner);
  const Params params = learner.spec().resolve(assignments_to_json(o.params, "-l"));
  if (o.threads < 1) fail("--threads must be at least 1, got {}", o.threads);
  const fs::path dir(o.data);
  Dataset train;
  Json task_from_file;
  if (fs::is_regular_file(dir) && dir.extension() == ".json") {
    // A discrete-training instance written by hand (or by gen as instance.json).
    std::ifstream file(dir);
    Json json;
    try {
      json = Json::parse(file);
    } catch (const Json::parse_error& e) {
      fail("--data '{}' is not valid JSON: {}", o.data, e.what());
    }
    const dnnt::DnntInstance instance = dnnt::DnntInstance::from_json(json);
    train = instance.dataset();
    task_from_file = instance.to_task();
  } else if (!fs::is_directory(dir)) {
    fail("--data '{}' is not a folder (or a .json instance file)", o.data);
  } else {
    train = load_dataset(dir, "train");
  }
  if (train.empty()) fail("--data '{}': the training set is empty", o.data);
  Dataset test;
  const bool has_test =
      fs::is_directory(dir) && (fs::exists(dir / "X_test.npy") || fs::exists(dir / "y_test.npy"));
  if (has_test) {
    test = load_dataset(dir, "test");
    if (test.dim() != train.dim()) {
      fail("--data '{}': test inputs have dimension {}, training inputs {}", o.data, test.dim(),
           train.dim());
    }
  }
  Json task = task_from_file;
  if (fs::is_directory(dir) && fs::exists(dir / "task.json")) {
    std::ifstream file(dir / "task.json");
    try {
      task = Json::parse(file);
    } catch (const Json::parse_error& e) {
      fail("'{}': task.json is not valid JSON: {}", o.data, e.what());
    }
  }
  if (o.time_limit < 0) fail("--time-limit must be >= 0 seconds, got {}", o.time_limit);
  const double time_limit =
      o.time_limit > 0 ? o.time_limit : std::numeric_limits<double>::infinity();
  // The same fit as a run's (a learner that throws is a result with status
  // error); judged on the stored test set when there is one.
  RunResult result = fit_learner(learner, train, task, params, o.seed, o.threads, time_limit);
  const Fit& fit = result.fit;
  if (is_judged(result) && fit.predictor && has_test && !test.empty()) {
    for (const auto& [k, v] : regression_metrics(test, fit.predictor->predict(test.X))) {
      result.metrics[k] = v;
    }
  }
  add_final_figures(result, train);
  const Metrics& metrics = result.metrics;
  if (!o.out.empty()) {
    Json model{{"learner", learner.name()},
               {"params", params.to_json()},
               {"status", std::string(outcome_text(result.status))}};
    if (fit.predictor) model["predictor"] = fit.predictor->to_json();
    model["output"] = fit.output;
    std::ofstream file(o.out);
    if (!file) fail("cannot write --out '{}'", o.out);
    file << model.dump(2) << "\n";
  }
  if (o.json) {
    std::cout << Json{{"learner", learner.name()},
                      {"learner_params", params.to_json()},
                      {"data", o.data},
                      {"seed", o.seed},
                      {"threads", o.threads},
                      {"status", std::string(outcome_text(result.status))},
                      {"message", result.message},
                      {"metrics", numbers_json(metrics)}}
                     .dump()
              << "\n";
  } else {
    fmt::print("{} on {} ({} samples, d = {}): {}{}\n", learner.name(), o.data, train.size(),
               train.dim(), outcome_text(result.status),
               result.message.empty() ? "" : " (" + result.message + ")");
    print_metrics(metrics);
  }
  // As `run`: a diverged training is a result (exit 0), a learner that failed
  // exits 1 after its message.
  return result.status == Outcome::error ? 1 : 0;
}

// ---- run ----

struct RunOptions {
  std::string problem, learner;
  std::vector<std::string> problem_params, learner_params;
  std::uint64_t seed = 1;
  std::int64_t n_train = 1000, n_test = 1000;
  int threads = 1;
  double time_limit = 0;
  bool json = false;
  std::string db;
};

int cmd_run(const RunOptions& o) {
  RunRequest request;
  request.problem = o.problem;
  request.learner = o.learner;
  request.problem_params = assignments_to_json(o.problem_params, "-p");
  request.learner_params = assignments_to_json(o.learner_params, "-l");
  request.seed = o.seed;
  request.sizes = {o.n_train, o.n_test};
  request.threads = o.threads;
  if (o.time_limit < 0) fail("--time-limit must be >= 0 seconds, got {}", o.time_limit);
  if (o.time_limit > 0) request.time_limit_seconds = o.time_limit;
  const ResolvedRun run = resolve_run(request);
  // Open the store before running so a bad --db fails fast and loses no work.
  std::unique_ptr<Store> store;
  if (!o.db.empty()) store = std::make_unique<Store>(o.db);

  const RunResult result = execute_run(run);
  print_card_warnings(result.card);
  if (store) {
    // Repeating a configuration by hand is a new run: it gets a distinct id.
    append_new_run(*store, make_record(result));
  }

  if (o.json) {
    Json out = result.config;
    out["status"] = std::string(outcome_text(result.status));
    out["message"] = result.message;
    out["metrics"] = numbers_json(result.metrics);
    out["card"] = result.card;
    std::cout << out.dump() << "\n";
  } else {
    fmt::print(
        "{} on {} (seed {}, {} train / {} test): {}{}\n",
        result.config["learner"].get<std::string>(), result.config["problem"].get<std::string>(),
        o.seed, result.card.is_object() ? result.card.value("train_samples", o.n_train) : o.n_train,
        result.card.is_object() ? result.card.value("test_samples", o.n_test) : o.n_test,
        outcome_text(result.status), result.message.empty() ? "" : " (" + result.message + ")");
    print_metrics(result.metrics);
  }
  return result.status == Outcome::error ? 1 : 0;
}

// ---- distinguish ----

struct DistinguishCliOptions {
  RunOptions run;
  DistinguishOptions options;
};

void print_distinguish(const DistinguishResult& result) {
  const Json out = distinguish_json(result);
  const DistinguishSummary& s = result.summary;
  fmt::print(
      "{} as a distinguisher on {} (null: {} = {}, statistic {}): advantage {:.3f} [{:.3f}, "
      "{:.3f}] (TPR {:.3f}, FPR {:.3f}; {} trials, threshold {:.6g} from {} calibration "
      "seeds at alpha {})\n",
      out["learner"].get<std::string>(), out["problem"].get<std::string>(), result.plan.null.param,
      result.plan.null.value, out["statistic"].get<std::string>(), s.advantage, s.advantage_low,
      s.advantage_high, s.true_positive_rate, s.false_positive_rate, s.trials, s.threshold,
      s.calibration, s.alpha);
  std::string statuses;
  for (const auto& [status, count] : out["statuses"].items()) {
    statuses += fmt::format("{}{} {}", statuses.empty() ? "" : ", ", count.get<int>(), status);
  }
  fmt::print("  fits: {} ({})\n", result.runs.size(), statuses);
  print_metrics(result.metrics);
}

int cmd_distinguish(const DistinguishCliOptions& o) {
  RunRequest request;
  request.problem = o.run.problem;
  request.learner = o.run.learner;
  request.problem_params = assignments_to_json(o.run.problem_params, "-p");
  request.learner_params = assignments_to_json(o.run.learner_params, "-l");
  request.seed = o.run.seed;
  request.sizes = {o.run.n_train, o.run.n_test};
  request.threads = o.run.threads;
  if (o.run.time_limit < 0) fail("--time-limit must be >= 0 seconds, got {}", o.run.time_limit);
  if (o.run.time_limit > 0) request.time_limit_seconds = o.run.time_limit;
  const DistinguishPlan plan = plan_distinguish(request, o.options);
  std::unique_ptr<Store> store;
  if (!o.run.db.empty()) store = std::make_unique<Store>(o.run.db);
  const DistinguishResult result = run_distinguish(plan, store.get());
  for (const RunResult& r : result.runs) {
    if (r.card.is_object() && r.card.value("warnings", Json::array()).size() > 0) {
      print_card_warnings(r.card);  // the real instance's (the null shares its parameters)
      break;
    }
  }
  if (o.run.json) {
    std::cout << distinguish_json(result).dump() << "\n";
  } else {
    print_distinguish(result);
  }
  return 0;
}

// ---- estimate ----

struct EstimateCliOptions {
  std::string problem;
  std::vector<std::string> params;
  std::int64_t n_train = 1000;
  std::string attack;
  std::string solve_for;
  double target_bits = 128;
  bool target_given = false;
  double budget_seconds = 0;
  bool budget_given = false;
  bool json = false;
};

void print_estimate(const EstimateReport& report) {
  fmt::print("{} with {} samples:\n", report.problem, report.n_train);
  fmt::print("  {:<14} {:>9} {:>10} {:>9} {:>10}  unit / note\n", "attack", "log2 ops", "samples",
             "log2 mem", "P(success)");
  for (const AttackEstimate& a : report.attacks) {
    fmt::print("  {:<14} {:>9.1f} {:>10.4g} {:>9.1f} {:>10.3f}  {}{}\n", a.attack, a.log2_ops,
               a.samples, a.log2_memory, a.success_probability, a.unit,
               a.note.empty() ? "" : " (" + a.note + ")");
    if (std::isfinite(a.seconds))
      fmt::print("  {:<14} predicted {:.3g} s on this machine (lab calibration)\n", "", a.seconds);
    if (a.extrapolated)
      fmt::print("  {:<14} extrapolated: validated on {}\n", "", a.validated_range);
  }
  if (report.cheapest) {
    const AttackEstimate& c = report.attacks[*report.cheapest];
    fmt::print("cheapest: {} at 2^{:.1f} ({})\n", c.attack, c.log2_ops, c.model);
  } else {
    fmt::print("cheapest: none of these attacks is predicted to succeed with these samples\n");
  }
}

int cmd_estimate(const EstimateCliOptions& o) {
  if (o.n_train < 1) fail("--n-train must be >= 1, got {}", o.n_train);
  const EstimateRequest request{o.problem, assignments_to_json(o.params, "-p"), o.n_train,
                                o.attack};
  if (o.solve_for.empty()) {
    const EstimateReport report = estimate_costs(request);
    if (o.json) {
      std::cout << report.to_json().dump() << "\n";
    } else {
      print_estimate(report);
    }
    return 0;
  }
  const SolveResult solved = solve_for(make_solve_request(
      request, o.solve_for, o.target_given ? std::optional<double>(o.target_bits) : std::nullopt,
      o.budget_given ? std::optional<double>(o.budget_seconds) : std::nullopt));
  if (o.json) {
    std::cout << solved.to_json().dump() << "\n";
  } else if (solved.found) {
    fmt::print("{} = {}: first value where {} ({} = {} is below)\n", o.solve_for, solved.value,
               solved.goal, o.solve_for, solved.below);
    print_estimate(solved.at_value);
  } else {
    fmt::print("no {} qualifies: {}\n", o.solve_for, solved.reason);
  }
  return solved.found ? 0 : 1;
}

// ---- challenge ----

// `hardnets challenge list | get | judge | spec` (lab/challenge.h).
struct ChallengeCli {
  CLI::App* list = nullptr;
  CLI::App* get = nullptr;
  CLI::App* judge = nullptr;
  CLI::App* spec = nullptr;
  std::string name, out, private_seed, organiser, predictions;
  bool json = false;
  double max_bits = 1e9, seconds = 600;

  void attach(CLI::App& app) {
    auto* c = app.add_subcommand(
        "challenge",
        "The graded challenge suite: named instances at predicted 32 to 128 bits and a lab level");
    c->require_subcommand(1);
    list = c->add_subcommand("list", "List every level with its parameters and grade");
    list->add_flag("--json", json, "print one JSON array");
    get = c->add_subcommand("get", "Write a level's public files (no test labels, no truth)");
    get->add_option("name", name, "level, e.g. lwe-64 or clwe-lab")->required();
    get->add_option("--out", out, "output folder (must not hold a dataset)")->required();
    get->add_option("--private-seed", private_seed,
                    "a passphrase only the organiser knows: regenerates the level from it and "
                    "commits to its truth on the card");
    get->add_option("--organiser", organiser,
                    "with --private-seed: the organiser's file (outside --out)");
    judge = c->add_subcommand("judge", "Judge predictions on a level with the problem's judge");
    judge->add_option("name", name, "level")->required();
    judge
        ->add_option("--predictions", predictions,
                     "an .npy vector of test predictions, or a .json object {predictions, "
                     "train_predictions, output}")
        ->required();
    judge->add_option("--organiser", organiser, "a private level's organiser file");
    judge->add_flag("--json", json, "print one JSON object");
    spec = c->add_subcommand("spec", "Print the sweep spec that runs every level's lab breaker");
    spec->add_option("--max-bits", max_bits, "only graded levels up to this grade (and the labs)");
    spec->add_option("--seconds", seconds, "time budget of each run")->capture_default_str();
  }

  static void print_level(const ChallengeLevel& l) {
    const std::string grade = l.target_bits ? fmt::format("2^{}", *l.target_bits) : "lab";
    if (!l.available) {
      fmt::print("  {:<18} {:>6}  unavailable: {}\n", l.name, grade, l.reason);
      return;
    }
    fmt::print("  {:<18} {:>6}  {} {} n_train={} n_test={}", l.name, grade, l.problem,
               l.params.dump(), l.n_train, l.n_test);
    fmt::print("{}\n", l.target_bits ? "" : "  (broken by " + l.breaker + ")");
  }

  int run() const {
    if (list->parsed()) {
      const std::vector<ChallengeLevel> levels = challenge_levels();
      Json all = Json::array();
      for (const ChallengeLevel& l : levels) all.push_back(l.to_json());
      if (json) {
        std::cout << all.dump() << "\n";
        return 0;
      }
      // Consecutive unavailable levels of a family for one reason: one line.
      for (std::size_t i = 0; i < levels.size(); ++i) {
        std::size_t j = i;
        while (!levels[i].available && j + 1 < levels.size() && !levels[j + 1].available &&
               levels[j + 1].family == levels[i].family && levels[j + 1].reason == levels[i].reason)
          ++j;
        if (j == i) {
          print_level(levels[i]);
          continue;
        }
        fmt::print("  {}-{}..{}: unavailable: {}\n", levels[i].family, levels[i].level,
                   levels[j].level, levels[i].reason);
        i = j;
      }
      return 0;
    }
    if (spec->parsed()) {
      std::cout << challenge_sweep_spec(max_bits, seconds);
      return 0;
    }
    const ChallengeLevel level = challenge_level(name);
    const auto opt = [](const std::string& v) {
      return v.empty() ? std::nullopt : std::optional<std::string>(v);
    };
    const auto opt_path = [](const std::string& v) {
      return v.empty() ? std::nullopt : std::optional<fs::path>(v);
    };
    if (get->parsed()) {
      const Json card = write_challenge(level, out, opt(private_seed), opt_path(organiser));
      fmt::print("{}: {} written to {}", level.name, level.problem, out);
      if (card.contains("commitment"))
        fmt::print(" (commitment {})", card["commitment"]["sha256"].get<std::string>());
      fmt::print("\n");
      return 0;
    }
    const ChallengeVerdict verdict =
        judge_challenge(level, read_submission(predictions), opt_path(organiser));
    if (json) {
      std::cout << verdict.to_json().dump() << "\n";
    } else {
      fmt::print("{}: {}\n", level.name, verdict.solved ? "solved" : "not solved");
      print_metrics(verdict.metrics);
      if (!verdict.commitment.empty()) fmt::print("commitment: {}\n", verdict.commitment);
    }
    return verdict.solved ? 0 : 1;
  }
};

// ---- export ----

void cmd_export(const std::string& db, const std::string& format, const std::string& out,
                const std::vector<std::string>& where) {
  const RunFilter keep = parse_where(where);
  if (!fs::exists(db)) fail("--db '{}' does not exist", db);
  StoreOptions options;
  options.read_only = true;
  Store store(db, options);
  std::ofstream file;
  std::ostream* os = &std::cout;
  if (!out.empty()) {
    file.open(out);
    if (!file) fail("cannot write --out '{}'", out);
    os = &file;
  }
  if (format == "csv") {
    store.export_csv(*os, keep);
  } else {
    store.export_jsonl(*os, keep);
  }
}

// ---- sweep ----

struct SweepCliOptions {
  std::string spec;
  std::string db;
  int jobs = 0;
  bool resume = false;
  bool dry_run = false;
  bool regenerate = false;
  std::string shard;  // "I/K"; empty: the whole plan
};

// The plan's runs (a shard's only, with one), numbered by their place in the plan.
void print_plan(const SweepPlan& plan, const std::optional<ShardChoice>& shard) {
  std::vector<std::size_t> listed;
  if (shard) {
    const Shard part = shard_runs(plan, *shard);
    listed = part.runs;
    fmt::print("sweep '{}' from {}: shard {}: {} of {} runs, predicted {:.1f} s of {:.1f} s\n",
               plan.name, plan.source, shard->text(), listed.size(), plan.runs.size(),
               part.predicted_seconds, part.plan_predicted_seconds);
  } else {
    for (std::size_t i = 0; i < plan.runs.size(); ++i) listed.push_back(i);
    fmt::print("sweep '{}' from {}: {} runs\n", plan.name, plan.source, plan.runs.size());
  }
  for (std::size_t i : listed) {
    const PlannedRun& run = plan.runs[i];
    const Json& c = run.config;
    std::string budget;
    if (std::isfinite(run.budget.seconds)) budget += fmt::format(" budget={}s", run.budget.seconds);
    if (run.budget.memory_mb > 0) budget += fmt::format(" memory={}MiB", run.budget.memory_mb);
    fmt::print("{:>5} {} {} {} | {} {} | seed={} n_train={} n_test={}{}\n", i + 1, run.run_id,
               c["problem"].get<std::string>(), c["problem_params"].dump(),
               c["learner"].get<std::string>(), c["learner_params"].dump(), c["seed"].dump(),
               c["n_train"].dump(), c["n_test"].dump(), budget);
  }
}

bool progress_wanted() {
  const char* ci = std::getenv("CI");
  return isatty(2) && !(ci && *ci);
}

int cmd_sweep(const SweepCliOptions& o, const MpiContext& mpi) {
  std::optional<ShardChoice> shard;
  if (!o.shard.empty()) shard = parse_shard(o.shard);
  if (shard && mpi.size > 1) {
    fail(
        "--shard {} cannot be combined with {} MPI ranks: run the shards as separate jobs, or "
        "all of the sweep on the ranks",
        shard->text(), mpi.size);
  }
  const SweepPlan plan = load_sweep(o.spec);
  // The figures are checked now, not after the sweep has been paid for.
  check_report_section(plan);
  if (o.dry_run) {
    if (mpi.rank == 0) print_plan(plan, shard);
    return 0;
  }
  if (o.db.empty()) fail("sweep: --db FILE is required (or use --dry-run)");
  if (o.jobs < 0) fail("--jobs must be at least 1, got {}", o.jobs);
  Store store(o.db);
  SweepRunOptions options;
  options.jobs = o.jobs;
  options.resume = o.resume;
  options.share_instances = !o.regenerate;
  options.progress = progress_wanted();
  options.shard = shard;
  const std::string part = shard ? " shard " + shard->text() : "";
  const std::string of_plan = shard ? fmt::format(" of {}", plan.runs.size()) : "";
  const auto announce = [&](const SweepRunSummary& s) {
    fmt::print("sweep '{}'{}: {}{} runs, {} already stored, {} to run with {} job(s){}\n",
               plan.name, part, s.planned, of_plan, s.stored, s.pending, s.jobs,
               s.ranks > 1 ? fmt::format(" on each of {} ranks", s.ranks) : "");
    std::fflush(stdout);
  };
  const SweepRunSummary summary = run_sweep(plan, store, options, &mpi, announce);
  if (mpi.rank == 0) {
    fmt::print("sweep '{}'{}: ran {} runs ({} not ok) in {:.1f} s; results in {}\n", plan.name,
               part, summary.executed, summary.failed, summary.seconds, o.db);
  }
  return 0;
}

// ---- merge ----

struct MergeCliOptions {
  std::string out;
  std::vector<std::string> inputs;
  MergeOptions options;
};

// At most this many conflicts are listed one by one; the count says the rest.
constexpr std::size_t kConflictsListed = 20;

int cmd_merge(const MergeCliOptions& o) {
  std::vector<fs::path> inputs(o.inputs.begin(), o.inputs.end());
  const MergeSummary s = merge_stores(o.out, inputs, o.options);
  for (const std::string& w : s.warnings) fmt::print(stderr, "hardnets: warning: {}\n", w);
  for (std::size_t i = 0; i < s.conflicts.size() && i < kConflictsListed; ++i) {
    const MergeConflict& c = s.conflicts[i];
    std::string what;
    for (const std::string& d : c.differences) what += (what.empty() ? "" : "; ") + d;
    fmt::print(stderr, "hardnets: conflict: run {}: {} vs {}: {}\n", c.run_id, c.first, c.second,
               what);
  }
  if (s.conflicts.size() > kConflictsListed) {
    fmt::print(stderr, "hardnets: conflict: ... and {} more\n",
               s.conflicts.size() - kConflictsListed);
  }
  fmt::print("merge: {} input(s) into {}{}\n", s.inputs, o.out,
             s.out_existed ? fmt::format(" (which held {} runs)", s.out_runs_before) : " (new)");
  print_table({{"runs read", std::to_string(s.runs_read)},
               {"runs added", std::to_string(s.runs_added)},
               {"duplicates", std::to_string(s.duplicates)},
               {"conflicts", std::to_string(s.conflicts.size()) +
                                 (s.conflicts.empty() || !s.written ? "" : " (kept the first)")}});
  for (const SweepCoverage& c : s.sweeps) {
    fmt::print("  sweep '{}': {} of its {} planned runs\n", c.sweep, c.held, c.planned);
  }
  if (!s.written) {
    fail(
        "merge: {} conflicting run(s); {} is unchanged (--keep-first keeps the first record of "
        "each)",
        s.conflicts.size(), o.out);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  hardnets::keep_freed_memory();
  CLI::App app{
      "hardnets: a laboratory for the computational complexity of learning neural "
      "networks",
      "hardnets"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("hardnets ") + build_info::kVersion + " (" +
                                        build_info::kGitRevision + ")");

  std::string list_what = "all";
  auto* list = app.add_subcommand("list", "List the registered problems and learners");
  list->add_option("what", list_what,
                   "problems, learners, all, outcomes (how a fit or run can end) or nulls (what "
                   "each problem is distinguished from)")
      ->check(CLI::IsMember({"problems", "learners", "all", "outcomes", "nulls"}));

  DescribeOptions describe_opts;
  auto* describe = app.add_subcommand(
      "describe", "Show a problem's or learner's parameters, references and construction");
  describe->add_option("name", describe_opts.name, "problem or learner name")->required();
  describe->add_flag("--json", describe_opts.json, "print as JSON");
  describe->add_flag("--markdown", describe_opts.markdown, "print the parameter table as Markdown");
  describe->add_flag("--task-markdown", describe_opts.task_markdown,
                     "print the task contract (what it publishes or reads) as Markdown");
  describe->add_flag("--references-markdown", describe_opts.references_markdown,
                     "print the references and the construction's source as Markdown");

  bool cite_bibtex = false;
  auto* cite = app.add_subcommand("cite", "The works hardnets cites (docs/references.bib)");
  cite->add_flag("--bibtex", cite_bibtex, "print every work as BibTeX");

  GenOptions gen_opts;
  auto* gen = app.add_subcommand("gen", "Generate an instance and write it as .npy files");
  gen->add_option("problem", gen_opts.problem, "problem name")->required();
  gen->add_option("-p,--param", gen_opts.params, "problem parameter key=value (repeatable)");
  gen->add_option("--seed", gen_opts.seed, "instance seed")->capture_default_str();
  gen->add_option("--n-train", gen_opts.n_train, "training samples")->capture_default_str();
  gen->add_option("--n-test", gen_opts.n_test, "test samples")->capture_default_str();
  gen->add_option("--out", gen_opts.out, "output folder")->required();
  gen->add_flag("--csv", gen_opts.csv, "also write train.csv and test.csv");
  gen->add_flag("--tsv", gen_opts.tsv, "also write train.tsv and test.tsv");
  gen->add_flag("--force", gen_opts.force, "overwrite a dataset already in --out");
  gen->add_option("--threads", gen_opts.threads, "threads (results do not depend on it)")
      ->capture_default_str();

  FitOptions fit_opts;
  auto* fit = app.add_subcommand("fit", "Train a learner on a folder of .npy files");
  fit->add_option("learner", fit_opts.learner, "learner name")->required();
  fit->add_option("--data", fit_opts.data,
                  "folder with X_train.npy, y_train.npy [, X_test.npy, y_test.npy, task.json], "
                  "or a discrete-training instance .json file")
      ->required();
  fit->add_option("-l,--learner-param", fit_opts.params, "learner parameter key=value");
  fit->add_option("--out", fit_opts.out, "write the fitted model as JSON");
  fit->add_flag("--json", fit_opts.json, "print one JSON object");
  fit->add_option("--seed", fit_opts.seed, "learner seed")->capture_default_str();
  fit->add_option("--threads", fit_opts.threads, "threads")->capture_default_str();
  fit->add_option("--time-limit", fit_opts.time_limit, "learner time budget in seconds (0: none)")
      ->capture_default_str();

  RunOptions run_opts;
  auto* run = app.add_subcommand("run", "Generate an instance, fit a learner, judge the fit");
  run->add_option("problem", run_opts.problem, "problem name")->required();
  run->add_option("learner", run_opts.learner, "learner name")->required();
  run->add_option("-p,--param", run_opts.problem_params, "problem parameter key=value");
  run->add_option("-l,--learner-param", run_opts.learner_params, "learner parameter key=value");
  run->add_option("--seed", run_opts.seed, "run seed")->capture_default_str();
  run->add_option("--n-train", run_opts.n_train, "training samples")->capture_default_str();
  run->add_option("--n-test", run_opts.n_test, "test samples")->capture_default_str();
  run->add_option("--threads", run_opts.threads, "threads (results do not depend on it)")
      ->capture_default_str();
  run->add_option("--time-limit", run_opts.time_limit, "learner time budget in seconds (0: none)")
      ->capture_default_str();
  run->add_flag("--json", run_opts.json, "print one JSON object");
  run->add_option("--db", run_opts.db, "append the run to this SQLite results database");

  DistinguishCliOptions dist_opts;
  dist_opts.run.n_train = 1000;
  auto* dist = app.add_subcommand(
      "distinguish",
      "Turn a learner into a distinguisher: fit it on real and null instances of paired seeds, "
      "threshold its held-out statistic at a level calibrated on further null seeds");
  dist->add_option("problem", dist_opts.run.problem, "problem name (one with a declared null)")
      ->required();
  dist->add_option("learner", dist_opts.run.learner, "learner name")->required();
  dist->add_option("-p,--param", dist_opts.run.problem_params, "problem parameter key=value");
  dist->add_option("-l,--learner-param", dist_opts.run.learner_params,
                   "learner parameter key=value");
  dist->add_option("--trials", dist_opts.options.trials,
                   "T: paired real and null seeds (seed .. seed + T - 1)")
      ->capture_default_str();
  dist->add_option(
          "--calibration", dist_opts.options.calibration,
          "C: null seeds (seed + T ..) the threshold is fixed on; 0 = max(T, ceil(1/alpha) - 1)")
      ->capture_default_str();
  dist->add_option("--alpha", dist_opts.options.alpha,
                   "level: the threshold is the k-th largest calibration statistic, k = "
                   "floor(alpha (C + 1)), "
                   "so a null trial is called planted with probability <= alpha")
      ->capture_default_str();
  dist->add_option("--statistic", dist_opts.options.statistic,
                   "the metric thresholded (default: the problem's null declares it); -NAME when "
                   "smaller means planted");
  dist->add_option("--seed", dist_opts.run.seed, "first trial seed")->capture_default_str();
  dist->add_option("--n-train", dist_opts.run.n_train, "training samples")->capture_default_str();
  dist->add_option("--n-test", dist_opts.run.n_test, "test samples")->capture_default_str();
  dist->add_option("--threads", dist_opts.run.threads, "threads (results do not depend on it)")
      ->capture_default_str();
  dist->add_option("--time-limit", dist_opts.run.time_limit,
                   "time budget of each fit in seconds (0: none)")
      ->capture_default_str();
  dist->add_flag("--json", dist_opts.run.json, "print one JSON object");
  dist->add_option("--db", dist_opts.run.db, "append every fit to this SQLite results database");

  EstimateCliOptions est_opts;
  auto* est = app.add_subcommand(
      "estimate",
      "Predict the cost of the best known attacks on a problem's instance from its parameters");
  est->add_option("problem", est_opts.problem, "problem name (one with a cost model)")->required();
  est->add_option("-p,--param", est_opts.params, "problem parameter key=value");
  est->add_option("--n-train", est_opts.n_train, "samples available to the attacker")
      ->capture_default_str();
  est->add_option("--attack", est_opts.attack, "only this attack model");
  est->add_option("--solve-for", est_opts.solve_for,
                  "an integer parameter: the least value at which the cheapest attack costs at "
                  "least 2^--target-bits; with --attack alone, where that attack stops "
                  "succeeding; with --budget-seconds, where it takes that long here");
  est->add_option("--target-bits", est_opts.target_bits, "the cost target of --solve-for")
      ->capture_default_str()
      ->each([&est_opts](const std::string&) { est_opts.target_given = true; });
  est->add_option("--budget-seconds", est_opts.budget_seconds,
                  "with --solve-for and --attack: the seconds on this machine to reach "
                  "(calibrated attacks only)")
      ->each([&est_opts](const std::string&) { est_opts.budget_given = true; });
  est->add_flag("--json", est_opts.json, "print one JSON object");

  ChallengeCli challenge;
  challenge.attach(app);

  std::string report_db, report_out;
  auto* report =
      app.add_subcommand("report", "Write figures, tables and index.html from a results database");
  report->add_option("--db", report_db, "SQLite results database")->required();
  report->add_option("--out", report_out, "output folder (created if missing)")->required();

  std::string export_db, export_format = "csv", export_out;
  auto* exp = app.add_subcommand("export", "Export a results database as CSV or JSON lines");
  exp->add_option("--db", export_db, "SQLite results database")->required();
  exp->add_option("--format", export_format, "csv or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}))
      ->capture_default_str();
  exp->add_option("--out", export_out, "output file (default: standard output)");
  std::vector<std::string> export_where;
  exp->add_option("--where", export_where,
                  "keep runs with key=value or key!=value (problem, learner, status, seed, "
                  "n_train, n_test, sweep, or a parameter name); repeatable");

  SweepCliOptions sweep_opts;
  auto* sweep = app.add_subcommand("sweep", "Run every planned run of a TOML sweep spec");
  sweep->add_option("spec", sweep_opts.spec, "sweep spec (TOML)")->required();
  sweep->add_option("--db", sweep_opts.db, "SQLite results database (created if missing)");
  sweep->add_option("--jobs", sweep_opts.jobs,
                    "concurrent runs (default: all cores, divided among MPI ranks)");
  sweep->add_flag("--resume", sweep_opts.resume, "finish a sweep whose database holds some runs");
  sweep->add_flag("--dry-run", sweep_opts.dry_run, "list the runs without running them");
  sweep->add_flag("--regenerate", sweep_opts.regenerate,
                  "every run generates its own instance (default: the runs of one problem point, "
                  "seed and sizes share one generation; results are identical)");
  sweep->add_option("--shard", sweep_opts.shard,
                    "I/K: run only the I-th of K disjoint parts of the plan, balanced by "
                    "predicted cost (a job array's task; join the stores with hardnets merge)");

  MergeCliOptions merge_opts;
  auto* merge = app.add_subcommand(
      "merge",
      "Join results databases (e.g. the shards of a sweep) into one, checking that they "
      "are of one spec and agree on every run they share");
  merge
      ->add_option("out", merge_opts.out,
                   "the merged database: created if missing, else appended to (as the first "
                   "input); unchanged when the merge is refused")
      ->required();
  merge->add_option("inputs", merge_opts.inputs, "the databases to merge into OUT")->required();
  merge->add_flag("--keep-first", merge_opts.options.keep_first,
                  "when two databases hold different results for one run, keep the first "
                  "(OUT's, then the inputs' in order) instead of refusing");
  merge->add_flag("--force", merge_opts.options.force,
                  "merge databases whose recorded sweep plans differ (different specs)");

  // Name an unknown command instead of CLI11's generic "subcommand required".
  std::vector<std::string> commands;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    commands.push_back(sub->get_name());
  }
  if (argc > 1 && argv[1][0] != '-' &&
      std::find(commands.begin(), commands.end(), argv[1]) == commands.end()) {
    std::string known;
    for (const auto& c : commands) known += (known.empty() ? "" : ", ") + c;
    std::cerr << "hardnets: error: unknown command '" << argv[1] << "'; commands: " << known
              << "\n";
    return kUserErrorExit;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    if (list->parsed()) cmd_list(list_what);
    if (describe->parsed()) cmd_describe(describe_opts);
    if (cite->parsed()) cmd_cite(cite_bibtex);
    if (gen->parsed()) cmd_gen(gen_opts);
    if (fit->parsed()) return cmd_fit(fit_opts);
    if (run->parsed()) return cmd_run(run_opts);
    if (dist->parsed()) return cmd_distinguish(dist_opts);
    if (est->parsed()) return cmd_estimate(est_opts);
    if (app.got_subcommand("challenge")) return challenge.run();
    if (exp->parsed()) cmd_export(export_db, export_format, export_out, export_where);
    if (merge->parsed()) return cmd_merge(merge_opts);
    if (report->parsed()) {
      write_report(report_db, report_out);
      fmt::print("report: {}\n", (fs::path(report_out) / "index.html").string());
    }
    if (sweep->parsed()) {
      MpiContext mpi(&argc, &argv);
      return cmd_sweep(sweep_opts, mpi);
    }
  } catch (const UserError& e) {
    std::cerr << "hardnets: error: " << e.what() << "\n";
    return kUserErrorExit;
  } catch (const std::exception& e) {
    std::cerr << "hardnets: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
