// The results store: one SQLite file that collects every run of a study.
//
// Each run is one row of the `runs` table (scalar fields as columns; config,
// metrics and provenance as JSON text) plus one row per metric in the
// `metrics` table (run_id, name, value), so that plain SQL can ask e.g.
//   SELECT r.learner, avg(m.value) FROM runs r JOIN metrics m USING (run_id)
//   WHERE m.name = 'nmse' GROUP BY r.learner;
// A `meta` table records the schema version; the SQLite header carries an
// application id so a foreign database is refused instead of written into.
//
// Several processes (sweep workers, MPI ranks on one node) may append to the
// same file at once: the database is in WAL mode and waits on a busy timeout,
// and each run is written in a single transaction, so a process killed while
// appending leaves the database valid and without any part of that run. WAL
// needs shared memory between the writers, so the file must be on a local
// file system, not NFS.
//
// A Store is one connection: use one per thread. Every SQLite failure is a
// UserError naming the file and quoting SQLite's message.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hardnets/core/json.h"
#include "hardnets/core/metrics.h"
#include "hardnets/core/outcome.h"

struct sqlite3;

namespace hardnets {

struct RunRecord {
  std::string run_id;      // unique within a store; see run_id_for()
  std::string created_at;  // UTC ISO 8601 ("2024-05-01T12:34:56Z"); empty: time of append
  std::string problem;
  std::string learner;
  std::int64_t seed = 0;
  std::int64_t n_train = 0;
  std::int64_t n_test = 0;
  Json config = Json::object();  // problem and learner params, sizes, threads, seed
  Metrics metrics;
  Outcome status = Outcome::ok;  // stored as its text form (outcome_text)
  std::string message;           // why, when status is not ok
  double seconds = 0;
  double cpu_seconds = 0;
  double peak_mb = 0;
  Json provenance = Json::object();  // empty object or null: provenance() at append

  bool operator==(const RunRecord&) const = default;
};

// The current UTC time, "YYYY-MM-DDTHH:MM:SSZ".
std::string utc_now_iso();
// A run id derived from a configuration: 16 hex digits hashing its canonical
// JSON (keys sorted), so the same configuration always gets the same id
// whatever order its keys were inserted in (what --resume relies on). The
// top-level "threads" is left out: results do not depend on it.
std::string run_id_for(const Json& config);

// How a record's numbers are written as JSON, which has no NaN or infinity.
enum class NumberForm {
  // Non-finite numbers become null: the JSONL export format, for other tools.
  export_json,
  // Every double bit for bit: finite ones as JSON numbers (their shortest
  // form that reads back to the same double), non-finite ones as the string
  // "f64:" + the 16 hex digits of their IEEE-754 bits (+inf is
  // "f64:7ff0000000000000"). What a sweep worker sends its parent, so a run
  // stores the same values whichever command ran it.
  lossless,
};

// The record as one JSON object.
Json to_json(const RunRecord& record, NumberForm form = NumberForm::export_json);
// Inverse of to_json, for either form; a null metric or time reads back as
// NaN. Missing or mistyped fields are a UserError.
RunRecord run_record_from_json(const Json& json);

using RunFilter = std::function<bool(const RunRecord&)>;

// The schema versions this build reads (1 to the current one), for the
// report script's check.
std::vector<int> readable_schema_versions();

struct StoreOptions {
  // Open an existing store for reading only (export): never creates the file
  // or changes it, and append() is refused.
  bool read_only = false;
  // How long to wait for another process's transaction before giving up.
  int busy_timeout_ms = 60000;
  // Test-only: called inside append()'s transaction after the `runs` row is
  // written and before the `metrics` rows, so a test can kill the process
  // with half a run written and check that none of it survives.
  std::function<void()> mid_append_hook;
};

class Store {
 public:
  // Opens `path`, creating the file and schema if it does not exist (or is an
  // empty file). A file that cannot be opened, is not a SQLite database, is
  // another application's database or has a newer schema is a UserError.
  explicit Store(const std::filesystem::path& path, StoreOptions options = {});
  ~Store();
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Of the open store: 1 (five outcomes) or 2.
  int schema_version() const { return schema_version_; }

  // Writes the run (both tables) in one BEGIN IMMEDIATE ... COMMIT
  // transaction. An empty run_id, an unknown status, a config or provenance
  // that is not an object, or a run_id already in the store is a UserError.
  void append(const RunRecord& record);
  bool contains(const std::string& run_id) const;
  // Number of runs.
  std::int64_t size() const;
  // All runs, in the order they were appended. Metrics are read from the
  // `metrics` table, so NaN and infinities survive the round trip.
  std::vector<RunRecord> runs() const;
  // Streams the runs in append order without holding them all in memory; the
  // whole walk sees one consistent snapshot even while others append.
  void for_each_run(const std::function<void(const RunRecord&)>& visit) const;

  // CSV (RFC 4180 quoting) with a header row and one line per run: run_id,
  // created_at, problem, learner, seed, n_train, n_test, status, message,
  // seconds, cpu_seconds, peak_mb, then one column per metric name found in
  // the store (sorted; a run without that metric leaves the cell empty; a
  // metric named like a fixed column is headed "metric.NAME"), then config
  // as JSON text.
  // Only runs for which `keep` returns true (all runs when `keep` is empty).
  void export_csv(std::ostream& out, const RunFilter& keep = {}) const;
  // One to_json(record) object per line.
  void export_jsonl(std::ostream& out, const RunFilter& keep = {}) const;

  // Key/value notes kept with the runs (e.g. "report:NAME", a sweep's
  // [report] section as JSON, read by `hardnets report`).
  void put_meta(const std::string& key, const std::string& value);
  std::optional<std::string> get_meta(const std::string& key) const;
  // Every key/value note, sorted by key.
  std::map<std::string, std::string> all_meta() const;

  // SQLite's integrity check: "ok", or the problems it found.
  std::string integrity_check() const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  void open();
  void create_or_check_schema();

  std::filesystem::path path_;
  StoreOptions options_;
  int schema_version_ = 0;  // of the open store: 1 (five outcomes) or 2
  std::unique_ptr<sqlite3, Closer> db_;
};

}  // namespace hardnets
