#include "hardnets/lab/merge.h"

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <system_error>
#include <unordered_map>

#include <fmt/format.h>

#include "hardnets/core/error.h"
#include "hardnets/lab/sweep_policy.h"

namespace hardnets {

namespace fs = std::filesystem;

namespace {

// One store's content, read in one go (read-only: refusing an input never
// changes it).
struct Source {
  fs::path path;
  bool is_out = false;
  int schema_version = 0;
  std::map<std::string, std::string> meta;
  std::vector<RunRecord> runs;
};

Source read_source(const fs::path& path, bool is_out) {
  StoreOptions options;
  options.read_only = true;
  const Store store(path, options);
  return Source{path, is_out, store.schema_version(), store.all_meta(), store.runs()};
}

// sweep name -> plan identity, from the "plan:NAME" keys.
std::map<std::string, std::string> plans_of(const Source& source) {
  const std::string prefix = plan_meta_key("");
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : source.meta) {
    if (key.starts_with(prefix)) out.emplace(key.substr(prefix.size()), value);
  }
  return out;
}

// "12 runs, sha256 0123abcd…", or the raw text when it is not an identity.
std::string describe_plan(const std::string& identity) {
  try {
    const Json j = Json::parse(identity);
    return fmt::format("{} runs, sha256 {}…", j.at("runs").get<std::size_t>(),
                       j.at("sha256").get<std::string>().substr(0, 12));
  } catch (const std::exception&) {
    return "'" + escaped(identity) + "'";
  }
}

std::size_t planned_runs(const std::string& identity) {
  try {
    return Json::parse(identity).at("runs").get<std::size_t>();
  } catch (const std::exception&) {
    return 0;
  }
}

void check_arguments(const fs::path& out, const std::vector<fs::path>& inputs) {
  if (inputs.empty()) fail("merge: name at least one input store after OUT");
  const fs::path parent = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) {
    fail("merge: the folder of OUT '{}' does not exist", out.string());
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!fs::exists(inputs[i], ec)) fail("merge: input '{}' does not exist", inputs[i].string());
    if (fs::exists(out, ec) && fs::equivalent(out, inputs[i], ec)) {
      fail("merge: input '{}' is OUT itself; an existing OUT is always merged, as the first input",
           inputs[i].string());
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (fs::equivalent(inputs[i], inputs[j], ec)) {
        fail("merge: '{}' is named twice (also as '{}')", inputs[i].string(), inputs[j].string());
      }
    }
  }
}

void check_schema_versions(const std::vector<Source>& sources) {
  std::string list;
  bool differ = false;
  for (const Source& s : sources) {
    differ = differ || s.schema_version != sources.front().schema_version;
    list += fmt::format("\n  {}: schema version {}", s.path.string(), s.schema_version);
  }
  if (differ) {
    fail(
        "merge: the stores have different schema versions; merge stores written by one "
        "version:{}",
        list);
  }
}

// The differences between two stores' plans, one line each.
void compare_plans(const Source& a, const Source& b, bool only_shared,
                   std::vector<std::string>& issues) {
  const auto plans_a = plans_of(a), plans_b = plans_of(b);
  std::set<std::string> names;
  for (const auto& [name, _] : plans_a) names.insert(name);
  for (const auto& [name, _] : plans_b) names.insert(name);
  for (const std::string& name : names) {
    const auto ia = plans_a.find(name), ib = plans_b.find(name);
    if (ia == plans_a.end() || ib == plans_b.end()) {
      if (only_shared) continue;
      const Source& has = ia == plans_a.end() ? b : a;
      const Source& lacks = ia == plans_a.end() ? a : b;
      issues.push_back(fmt::format("sweep '{}' is recorded by {} but not by {}", name,
                                   has.path.string(), lacks.path.string()));
    } else if (ia->second != ib->second) {
      issues.push_back(fmt::format("sweep '{}': {} plans {}, {} plans {}", name, a.path.string(),
                                   describe_plan(ia->second), b.path.string(),
                                   describe_plan(ib->second)));
    }
  }
}

// Refuses stores of different specs (see merge.h) unless `force`; warns
// about stores whose runs cannot be checked.
void check_specs(const std::vector<Source>& sources, const MergeOptions& options,
                 MergeSummary& summary) {
  std::vector<std::string> issues;
  const Source* reference = nullptr;  // the first IN that records plans
  for (const Source& s : sources) {
    const auto plans = plans_of(s);
    std::set<std::string> unchecked;
    for (const RunRecord& r : s.runs) {
      const Json& sweep = r.config.contains("sweep") ? r.config["sweep"] : Json();
      if (sweep.is_string() && !plans.contains(sweep.get<std::string>())) {
        unchecked.insert(sweep.get<std::string>());
      }
    }
    for (const std::string& name : unchecked) {
      summary.warnings.push_back(fmt::format(
          "{} holds runs of sweep '{}' but records no plan of it (written before stores "
          "recorded plans), so it cannot be checked to be of the same spec; merged as it is",
          s.path.string(), name));
    }
    if (s.is_out || plans.empty()) continue;
    if (reference) compare_plans(*reference, s, false, issues);
    if (!reference) reference = &s;
  }
  // OUT agrees with the inputs on the sweeps both record.
  if (sources.front().is_out) {
    for (const Source& s : sources) {
      if (!s.is_out) compare_plans(sources.front(), s, true, issues);
    }
  }
  if (issues.empty()) return;
  std::string list;
  for (const std::string& issue : issues) list += "\n  " + issue;
  if (!options.force) {
    fail(
        "merge: the stores are not of one spec; OUT is unchanged (--force merges them "
        "anyway):{}",
        list);
  }
  for (const std::string& issue : issues) summary.warnings.push_back("--force: " + issue);
}

// The canonical form of a configuration for comparison: keys sorted, the
// thread count left out (results do not depend on it).
nlohmann::json comparable_config(const Json& config) {
  nlohmann::json out = nlohmann::json::parse(config.dump());
  if (out.is_object()) out.erase("threads");
  return out;
}

bool same_number(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

// The temporary file the merge is built in, removed (with SQLite's side
// files) unless it was moved into place.
class TemporaryStoreFile {
 public:
  explicit TemporaryStoreFile(const fs::path& out)
      : path_(out.string() + fmt::format(".merging-{}", static_cast<long>(::getpid()))) {
    remove();
  }
  ~TemporaryStoreFile() {
    if (!moved_) remove();
  }
  TemporaryStoreFile(const TemporaryStoreFile&) = delete;
  TemporaryStoreFile& operator=(const TemporaryStoreFile&) = delete;
  const fs::path& path() const { return path_; }
  void move_to(const fs::path& out) {
    std::error_code ec;
    fs::rename(path_, out, ec);
    if (ec) fail("merge: cannot move {} to {}: {}", path_.string(), out.string(), ec.message());
    moved_ = true;
  }

 private:
  void remove() const {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      fs::remove(path_.string() + suffix, ignored);
    }
  }
  fs::path path_;
  bool moved_ = false;
};

// The metadata of the merged store: the first value of each key, OUT's
// creation notes only (a new OUT has its own).
std::map<std::string, std::string> merged_meta(const std::vector<Source>& sources,
                                               MergeSummary& summary) {
  std::map<std::string, std::string> meta;
  std::map<std::string, std::string> from;
  for (const Source& s : sources) {
    for (const auto& [key, value] : s.meta) {
      if (key == "schema_version") continue;
      if (!s.is_out && (key == "created_at" || key == "created_by")) continue;
      const auto [it, fresh] = meta.emplace(key, value);
      if (fresh) {
        from[key] = s.path.string();
      } else if (it->second != value && key.starts_with("report:")) {
        summary.warnings.push_back(
            fmt::format("{}: the [report] section of sweep '{}' differs from {}'s, which is kept",
                        s.path.string(), key.substr(7), from[key]));
      }
    }
  }
  return meta;
}

// Writes the merged store over `out` (see merge.h).
void write_merged(const fs::path& out, bool out_existed,
                  const std::map<std::string, std::string>& meta,
                  const std::vector<const RunRecord*>& runs) {
  TemporaryStoreFile temporary(out);
  {
    Store target(temporary.path());
    for (const auto& [key, value] : meta) target.put_meta(key, value);
    for (const RunRecord* record : runs) target.append(*record);
  }  // closed: its write-ahead log is folded into the file
  if (out_existed) {
    // Closing the last connection to OUT folds its log in; a log still there
    // means another process has OUT open, and replacing the file under it
    // would lose what it writes.
    { const Store release(out); }
    std::error_code ec;
    if (fs::exists(out.string() + "-wal", ec)) {
      fail("merge: {} is open in another process (a sweep writing to it?); OUT is unchanged",
           out.string());
    }
  }
  temporary.move_to(out);
}

}  // namespace

bool measured_metric(const std::string& name) {
  return name.find("seconds") != std::string::npos || name.find("time") != std::string::npos ||
         name == "peak_mb" || name == "instance_loaded";
}

std::vector<std::string> record_differences(const RunRecord& a, const RunRecord& b) {
  std::vector<std::string> out;
  if (a.status != b.status) {
    out.push_back(fmt::format("status {} vs {}", outcome_text(a.status), outcome_text(b.status)));
  }
  if (a.problem != b.problem) out.push_back(fmt::format("problem {} vs {}", a.problem, b.problem));
  if (a.learner != b.learner) out.push_back(fmt::format("learner {} vs {}", a.learner, b.learner));
  if (a.seed != b.seed) out.push_back(fmt::format("seed {} vs {}", a.seed, b.seed));
  if (a.n_train != b.n_train || a.n_test != b.n_test) {
    out.push_back(fmt::format("sizes {}/{} vs {}/{}", a.n_train, a.n_test, b.n_train, b.n_test));
  }
  const nlohmann::json ca = comparable_config(a.config), cb = comparable_config(b.config);
  if (ca != cb) {
    std::string keys;
    for (const auto& [key, value] : ca.items()) {
      if (!cb.contains(key) || cb[key] != value) keys += (keys.empty() ? "" : ", ") + key;
    }
    for (const auto& [key, value] : cb.items()) {
      if (!ca.contains(key)) keys += (keys.empty() ? "" : ", ") + key;
    }
    out.push_back("config (" + keys + ")");
  }
  std::set<std::string> names;
  for (const auto& [name, _] : a.metrics) names.insert(name);
  for (const auto& [name, _] : b.metrics) names.insert(name);
  for (const std::string& name : names) {
    if (measured_metric(name)) continue;
    const auto ia = a.metrics.find(name), ib = b.metrics.find(name);
    if (ia == a.metrics.end() || ib == b.metrics.end()) {
      out.push_back(fmt::format("metric {} only in the {}", name,
                                ia == a.metrics.end() ? "second" : "first"));
    } else if (!same_number(ia->second, ib->second)) {
      out.push_back(fmt::format("metric {} {} vs {}", name, ia->second, ib->second));
    }
  }
  return out;
}

MergeSummary merge_stores(const fs::path& out, const std::vector<fs::path>& inputs,
                          const MergeOptions& options) {
  check_arguments(out, inputs);
  MergeSummary summary;
  summary.inputs = inputs.size();
  std::error_code ec;
  // An empty file is no store yet (what a failed `touch`-then-fill leaves).
  summary.out_existed =
      fs::exists(out, ec) && !(fs::is_regular_file(out, ec) && fs::file_size(out, ec) == 0);
  std::vector<Source> sources;
  if (summary.out_existed) sources.push_back(read_source(out, true));
  for (const fs::path& input : inputs) sources.push_back(read_source(input, false));
  check_schema_versions(sources);
  check_specs(sources, options, summary);

  std::unordered_map<std::string, std::size_t> position;  // run_id -> index in merged
  std::vector<const RunRecord*> merged;
  std::vector<const Source*> origin;
  for (const Source& s : sources) {
    for (const RunRecord& r : s.runs) {
      if (s.is_out) {
        ++summary.out_runs_before;
      } else {
        ++summary.runs_read;
      }
      const auto [it, fresh] = position.emplace(r.run_id, merged.size());
      if (fresh) {
        merged.push_back(&r);
        origin.push_back(&s);
        if (!s.is_out) ++summary.runs_added;
        continue;
      }
      std::vector<std::string> differences = record_differences(*merged[it->second], r);
      if (differences.empty()) {
        ++summary.duplicates;
      } else {
        summary.conflicts.push_back(
            {r.run_id, origin[it->second]->path.string(), s.path.string(), std::move(differences)});
      }
    }
  }
  const std::map<std::string, std::string> meta = merged_meta(sources, summary);
  for (const auto& [key, value] : meta) {
    if (!key.starts_with(plan_meta_key(""))) continue;
    SweepCoverage coverage{key.substr(plan_meta_key("").size()), planned_runs(value), 0};
    for (const RunRecord* r : merged) {
      if (r->config.value("sweep", Json()) == coverage.sweep) ++coverage.held;
    }
    summary.sweeps.push_back(coverage);
  }
  if (!summary.conflicts.empty() && !options.keep_first) return summary;
  write_merged(out, summary.out_existed, meta, merged);
  summary.written = true;
  return summary;
}

}  // namespace hardnets
