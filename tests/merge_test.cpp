// hardnets merge: shards merged equal a local sweep; what it refuses
// (different specs, schema versions, non-hardnets files) with OUT unchanged;
// conflicts reported and refused unless --keep-first; what counts as a
// difference between two records of one run.
#include "hardnets/lab/merge.h"

#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cli_test.h"
#include "hardnets/core/error.h"
#include "hardnets/lab/store.h"
#include "hardnets/lab/sweep_policy.h"
#include "hardnets/lab/sweep_spec.h"

namespace hardnets {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;
using testing::TempDir;

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

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void execute_sql(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
  sqlite3_free(error);
  sqlite3_close(db);
}

// run_id -> status and the metrics that are results (not times), as text.
std::map<std::string, std::string> results(const fs::path& db) {
  std::map<std::string, std::string> out;
  for (const RunRecord& r : Store(db).runs()) {
    Json m = Json::object();
    for (const auto& [k, v] : r.metrics) {
      if (!measured_metric(k)) m[k] = v;
    }
    out[r.run_id] = std::string(outcome_text(r.status)) + " " + m.dump();
  }
  return out;
}

// A sweep of spec text `spec` into `db`, with extra flags.
void sweep(const TempDir& dir, const std::string& spec, const std::string& name,
           const std::string& db, const std::string& flags = "") {
  const fs::path file = dir.path() / name;
  std::ofstream(file) << spec;
  const auto r = run_cli("sweep " + file.string() + " --db " + db + " " + flags);
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

TEST(MergeCli, ShardsMergedEqualALocalSweep) {
  TempDir dir("merge-shards");
  const std::string local = (dir.path() / "local.sqlite").string();
  sweep(dir, kSmallSweep, "s.toml", local, "--jobs 2");
  std::string inputs;
  std::set<std::string> seen;
  for (int i = 1; i <= 3; ++i) {
    const std::string db = (dir.path() / fmt::format("shard_{}.sqlite", i)).string();
    sweep(dir, kSmallSweep, "s.toml", db, fmt::format("--shard {}/3 --jobs {}", i, i % 2 + 1));
    for (const auto& [id, _] : results(db)) EXPECT_TRUE(seen.insert(id).second) << id;
    inputs += " " + db;
  }
  const std::string merged = (dir.path() / "merged.sqlite").string();
  const auto r = run_cli("merge " + merged + inputs);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, fmt::format("merge: 3 input(s) into {} (new)\n"
                                  "  runs read   24\n"
                                  "  runs added  24\n"
                                  "  duplicates  0\n"
                                  "  conflicts   0\n"
                                  "  sweep 'small': 24 of its 24 planned runs\n",
                                  merged));
  EXPECT_EQ(results(merged), results(local));
  EXPECT_EQ(results(merged).size(), 24u);
  {
    const Store store(merged);
    EXPECT_EQ(store.get_meta("plan:small"), Store(local).get_meta("plan:small"));
    EXPECT_EQ(store.get_meta("report:small"), "{}");
    EXPECT_EQ(store.integrity_check(), "ok");
  }
  // OUT exists: it is the first input, and a shard merged again only adds
  // duplicates.
  const auto again = run_cli("merge " + merged + " " + (dir.path() / "shard_2.sqlite").string());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("(which held 24 runs)\n  runs read   8\n  runs added  0\n"
                              "  duplicates  8\n  conflicts   0\n"),
            std::string::npos)
      << again.output;
  EXPECT_EQ(results(merged), results(local));
  // And merging into an existing OUT appends: the local store into a shard.
  const fs::path one = dir.path() / "shard_1.sqlite";
  const auto append = run_cli("merge " + one.string() + " " + local);
  ASSERT_EQ(append.exit_code, 0) << append.output;
  EXPECT_NE(append.output.find("runs added  16\n  duplicates  8\n"), std::string::npos)
      << append.output;
  EXPECT_EQ(results(one), results(local));
  EXPECT_FALSE(fs::exists(one.string() + "-wal"));
}

TEST(MergeCli, RefusesStoresOfDifferentSpecs) {
  TempDir dir("merge-specs");
  const std::string a = (dir.path() / "a.sqlite").string(), b = (dir.path() / "b.sqlite").string();
  sweep(dir, kSmallSweep, "a.toml", a, "--shard 1/2");
  std::string other = kSmallSweep;
  other.replace(other.find("seeds = [1, 2]"), 14, "seeds = [1, 3]");
  sweep(dir, other, "b.toml", b, "--shard 2/2");
  const fs::path out = dir.path() / "out.sqlite";
  const auto r = run_cli("merge " + out.string() + " " + a + " " + b);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("hardnets: error: merge: the stores are not of one spec; OUT is "
                          "unchanged (--force merges them anyway):\n  sweep 'small': " +
                          a + " plans 24 runs, sha256 "),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(out));
  // A store of another sweep altogether is another spec too.
  const std::string c = (dir.path() / "c.sqlite").string();
  std::string renamed = kSmallSweep;
  renamed.replace(renamed.find("name = \"small\""), 14, "name = \"large\"");
  sweep(dir, renamed, "c.toml", c, "--shard 1/4");
  const auto r2 = run_cli("merge " + out.string() + " " + a + " " + c);
  EXPECT_EQ(r2.exit_code, 2) << r2.output;
  EXPECT_NE(r2.output.find("sweep 'large' is recorded by " + c + " but not by " + a),
            std::string::npos)
      << r2.output;
  EXPECT_FALSE(fs::exists(out));
  // --force merges them, with a warning.
  const auto forced = run_cli("merge --force " + out.string() + " " + a + " " + b);
  EXPECT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_NE(forced.output.find("hardnets: warning: --force: sweep 'small': "), std::string::npos)
      << forced.output;
  // An existing OUT may hold other sweeps (a collection): only the sweeps it
  // shares with the inputs must agree.
  const auto collection = run_cli("merge " + c + " " + a);
  EXPECT_EQ(collection.exit_code, 0) << collection.output;
  EXPECT_NE(collection.output.find("sweep 'large': 6 of its 24 planned runs\n  sweep 'small': 12 "
                                   "of its 24 planned runs"),
            std::string::npos)
      << collection.output;
}

TEST(MergeCli, RefusesOtherSchemaVersionsAndForeignFilesLeavingOutUnchanged) {
  TempDir dir("merge-refuse");
  const std::string a = (dir.path() / "a.sqlite").string(), b = (dir.path() / "b.sqlite").string();
  sweep(dir, kSmallSweep, "s.toml", a, "--shard 1/2");
  sweep(dir, kSmallSweep, "s.toml", b, "--shard 2/2");
  const fs::path out = dir.path() / "out.sqlite";
  ASSERT_EQ(run_cli("merge " + out.string() + " " + a).exit_code, 0);
  const std::string before = read_bytes(out);

  const fs::path old = dir.path() / "old.sqlite";
  fs::copy_file(b, old);
  execute_sql(old, "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  const auto versions = run_cli("merge " + out.string() + " " + old.string());
  EXPECT_EQ(versions.exit_code, 2) << versions.output;
  EXPECT_EQ(versions.output,
            fmt::format("hardnets: error: merge: the stores have different schema versions; "
                        "merge stores written by one version:\n  {}: schema version 2\n  {}: "
                        "schema version 1\n",
                        out.string(), old.string()));

  const fs::path text = dir.path() / "notes.txt";
  std::ofstream(text) << "not a database\n";
  const auto not_db = run_cli("merge " + out.string() + " " + b + " " + text.string());
  EXPECT_EQ(not_db.exit_code, 2) << not_db.output;
  EXPECT_NE(not_db.output.find(text.string() + " is not a SQLite database, so not a hardnets "
                                               "results store"),
            std::string::npos)
      << not_db.output;

  const fs::path foreign = dir.path() / "foreign.sqlite";
  execute_sql(foreign, "CREATE TABLE t (x); INSERT INTO t VALUES (1)");
  const std::string foreign_before = read_bytes(foreign);
  const auto other_app = run_cli("merge " + out.string() + " " + foreign.string());
  EXPECT_EQ(other_app.exit_code, 2) << other_app.output;
  EXPECT_EQ(other_app.output, "hardnets: error: " + foreign.string() +
                                  " is a SQLite database of another application, not a hardnets "
                                  "results store\n");
  // A foreign OUT is refused before anything is written to it.
  const auto foreign_out = run_cli("merge " + foreign.string() + " " + a);
  EXPECT_EQ(foreign_out.exit_code, 2) << foreign_out.output;
  EXPECT_EQ(read_bytes(foreign), foreign_before);

  const auto twice = run_cli("merge " + out.string() + " " + b + " " + b);
  EXPECT_EQ(twice.exit_code, 2) << twice.output;
  EXPECT_NE(twice.output.find("is named twice"), std::string::npos) << twice.output;
  const auto self = run_cli("merge " + out.string() + " " + out.string());
  EXPECT_EQ(self.exit_code, 2) << self.output;
  EXPECT_NE(self.output.find("is OUT itself"), std::string::npos) << self.output;
  const auto missing = run_cli("merge " + out.string() + " " + (dir.path() / "no.sqlite").string());
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("does not exist"), std::string::npos) << missing.output;
  for (const auto* result : {&versions, &not_db, &other_app, &twice, &self, &missing}) {
    EXPECT_EQ(result->output.find("internal error"), std::string::npos) << result->output;
  }
  EXPECT_EQ(read_bytes(out), before);
  // No temporary file is left beside OUT.
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().string().find(".merging-"), std::string::npos) << entry.path();
  }
}

TEST(MergeCli, ReportsConflictsAndRefusesThemUnlessKeepFirst) {
  TempDir dir("merge-conflict");
  const std::string a = (dir.path() / "a.sqlite").string();
  sweep(dir, kSmallSweep, "s.toml", a, "--shard 1/2");
  const fs::path edited = dir.path() / "edited.sqlite";
  fs::copy_file(a, edited);
  std::string id;
  double nmse = 0;
  for (const RunRecord& r : Store(a).runs()) {
    if (r.learner == "ridge") {
      id = r.run_id;
      nmse = r.metrics.at("nmse");
      break;
    }
  }
  ASSERT_FALSE(id.empty());
  // A different result (and a different time, which is no conflict).
  execute_sql(edited, fmt::format("UPDATE metrics SET value = 0.5 WHERE run_id = '{}' AND name = "
                                  "'nmse'; UPDATE runs SET seconds = 99, peak_mb = 1 WHERE "
                                  "run_id = '{}'; UPDATE metrics SET value = 99 WHERE name = "
                                  "'seconds'",
                                  id, id));
  const fs::path out = dir.path() / "out.sqlite";
  const auto r = run_cli("merge " + out.string() + " " + a + " " + edited.string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(fmt::format("hardnets: conflict: run {}: {} vs {}: metric nmse {} vs "
                                      "0.5\n",
                                      id, a, edited.string(), nmse)),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("  conflicts   1\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(fmt::format("hardnets: error: merge: 1 conflicting run(s); {} is "
                                      "unchanged (--keep-first keeps the first record of each)",
                                      out.string())),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(out));
  const auto kept = run_cli("merge --keep-first " + out.string() + " " + a + " " + edited.string());
  EXPECT_EQ(kept.exit_code, 0) << kept.output;
  EXPECT_NE(kept.output.find("  duplicates  11\n  conflicts   1 (kept the first)\n"),
            std::string::npos)
      << kept.output;
  EXPECT_EQ(results(out), results(a));
}

// ---- the library ----

RunRecord record(const std::string& id, const std::string& sweep = "syn") {
  RunRecord r;
  r.run_id = id;
  r.created_at = "2024-05-01T12:00:00Z";
  r.problem = "teacher";
  r.learner = "mean";
  r.seed = 1;
  r.n_train = 10;
  r.n_test = 5;
  r.config = Json{{"problem", "teacher"}, {"learner", "mean"}, {"seed", 1}, {"threads", 1}};
  if (!sweep.empty()) r.config["sweep"] = sweep;
  r.metrics = {{"nmse", 0.25},
               {"seconds", 0.1},
               {"generate_seconds", 0.01},
               {"instance_loaded", 0},
               {"peak_mb", 10}};
  r.seconds = 0.1;
  r.provenance = Json{{"host", "a"}};
  return r;
}

TEST(Merge, OnlyResultsMakeADifference) {
  const RunRecord a = record("r");
  RunRecord b = a;
  b.created_at = "2025-01-01T00:00:00Z";
  b.message = "killed after 1.3 s";
  b.seconds = b.cpu_seconds = b.peak_mb = 7;
  b.metrics["seconds"] = b.metrics["generate_seconds"] = b.metrics["peak_mb"] = 7;
  b.metrics["instance_loaded"] = 1;
  b.provenance = Json{{"host", "b"}};
  b.config["threads"] = 8;  // results never depend on it
  EXPECT_TRUE(record_differences(a, b).empty());
  RunRecord nan_a = a, nan_b = b;
  nan_a.metrics["cosine"] = nan_b.metrics["cosine"] = NAN;
  EXPECT_TRUE(record_differences(nan_a, nan_b).empty());
  b.status = Outcome::time_limit;
  b.metrics["nmse"] = 0.5;
  b.metrics["extra"] = 1;
  b.config["learner_params"] = Json{{"lambda", 1}};
  EXPECT_EQ(
      record_differences(a, b),
      (std::vector<std::string>{"status ok vs timeout", "config (learner_params)",
                                "metric extra only in the second", "metric nmse 0.25 vs 0.5"}));
  EXPECT_TRUE(measured_metric("lll_seconds"));
  EXPECT_TRUE(measured_metric("peak_mb"));
  EXPECT_FALSE(measured_metric("nmse"));
  EXPECT_FALSE(measured_metric("matrix_mb"));  // a size, computed
}

TEST(Merge, StoresWithoutAPlanMergeWithAWarning) {
  TempDir dir("merge-legacy");
  const fs::path a = dir.path() / "a.sqlite", b = dir.path() / "b.sqlite";
  {
    Store store(a);
    store.put_meta("plan:syn", R"({"runs":3,"sha256":"00"})");
    store.append(record("r1"));
  }
  {
    Store store(b);  // written before stores recorded plans
    store.append(record("r2"));
    store.append(record("r3", ""));  // a `hardnets run --db`: no sweep, nothing to check
  }
  const MergeSummary s = merge_stores(dir.path() / "out.sqlite", {a, b});
  EXPECT_TRUE(s.written);
  EXPECT_EQ(s.runs_read, 3u);
  EXPECT_EQ(s.runs_added, 3u);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0], b.string() +
                               " holds runs of sweep 'syn' but records no plan of it (written "
                               "before stores recorded plans), so it cannot be checked to be of "
                               "the same spec; merged as it is");
  ASSERT_EQ(s.sweeps.size(), 1u);
  EXPECT_EQ(s.sweeps[0].planned, 3u);
  EXPECT_EQ(s.sweeps[0].held, 2u);
  const Store out(dir.path() / "out.sqlite");
  EXPECT_EQ(out.size(), 3);
  // Records cross unchanged: times, provenance and creation time included.
  EXPECT_EQ(out.runs().at(0), record("r1"));
}

TEST(Merge, ThePlanIdentityIsOfTheWholePlan) {
  const SweepPlan plan = parse_sweep(kSmallSweep, "s.toml");
  const Json identity = Json::parse(plan_identity(plan));
  EXPECT_EQ(identity["runs"], 24);
  EXPECT_EQ(identity["sha256"].get<std::string>().size(), 64u);
  // The order of the spec's entries does not change it; its runs do.
  std::string reordered = kSmallSweep;
  reordered.replace(reordered.find("d = [3, 6]"), 10, "d = [6, 3]");
  EXPECT_EQ(plan_identity(parse_sweep(reordered, "r.toml")), plan_identity(plan));
  std::string other = kSmallSweep;
  other.replace(other.find("n_test = 300"), 12, "n_test = 301");
  EXPECT_NE(plan_identity(parse_sweep(other, "o.toml")), plan_identity(plan));
}

}  // namespace
}  // namespace hardnets
