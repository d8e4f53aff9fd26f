#include "hardnets/lab/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <ostream>
#include <set>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "hardnets/core/build_info.h"
#include "hardnets/core/error.h"
#include "hardnets/core/rng.h"
#include "hardnets/lab/provenance.h"

namespace hardnets {

namespace {

// "HNET" in the SQLite header: marks the file as a hardnets store.
constexpr std::int32_t kApplicationId = 0x484E4554;
// Version 2 added the outcome iteration_limit to the status CHECK; version
// 1 stores are still read and appended to (any other outcome).
constexpr int kSchemaVersion = 2;

constexpr const char* kSchema = R"sql(
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  problem TEXT NOT NULL,
  learner TEXT NOT NULL,
  seed INTEGER NOT NULL,
  n_train INTEGER NOT NULL,
  n_test INTEGER NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('ok', 'diverged', 'timeout', 'iteration_limit', 'oom', 'error')),
  message TEXT NOT NULL,
  seconds REAL,
  cpu_seconds REAL,
  peak_mb REAL,
  config TEXT NOT NULL,
  metrics TEXT NOT NULL,
  provenance TEXT NOT NULL
);
CREATE INDEX runs_problem_learner ON runs (problem, learner);
CREATE TABLE metrics (
  run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value REAL,
  PRIMARY KEY (run_id, name)
) WITHOUT ROWID;
CREATE INDEX metrics_name ON metrics (name, value);
)sql";

constexpr const char* kRunColumns =
    "run_id, created_at, problem, learner, seed, n_train, n_test, status, message, seconds, "
    "cpu_seconds, peak_mb, config, metrics, provenance";

// A prepared statement, finalised on scope exit. Every failure becomes a
// UserError naming the store file and quoting SQLite.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& path, std::string_view sql)
      : db_(db), path_(path), sql_(sql) {
    if (sqlite3_prepare_v2(db_, sql_.data(), static_cast<int>(sql_.size()), &stmt_, nullptr) !=
        SQLITE_OK) {
      fail("results store {}: cannot prepare '{}': {}", path_, sql_, sqlite3_errmsg(db_));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int index, const std::string& value) {
    check(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                            SQLITE_TRANSIENT));
  }
  void bind(int index, std::int64_t value) { check(sqlite3_bind_int64(stmt_, index, value)); }
  // SQLite stores NaN as NULL; column_real() turns it back into NaN.
  void bind(int index, double value) {
    check(std::isnan(value) ? sqlite3_bind_null(stmt_, index)
                            : sqlite3_bind_double(stmt_, index, value));
  }

  // True when a row is ready, false when the statement is done.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail("results store {}: '{}' failed: {}", path_, sql_, sqlite3_errmsg(db_));
  }
  void run() {
    while (step()) {
    }
  }
  void reset() {
    sqlite3_reset(stmt_);  // returns the last step's error, already reported
    check(sqlite3_clear_bindings(stmt_));
  }

  std::string column_text(int index) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
    return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)))
                : std::string();
  }
  std::int64_t column_int(int index) const { return sqlite3_column_int64(stmt_, index); }
  double column_real(int index) const {
    return sqlite3_column_type(stmt_, index) == SQLITE_NULL
               ? std::numeric_limits<double>::quiet_NaN()
               : sqlite3_column_double(stmt_, index);
  }

 private:
  void check(int rc) const {
    if (rc != SQLITE_OK) {
      fail("results store {}: binding '{}' failed: {}", path_, sql_, sqlite3_errmsg(db_));
    }
  }

  sqlite3* db_;
  std::string path_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

void execute(sqlite3* db, const std::string& path, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error ? error : sqlite3_errmsg(db);
    sqlite3_free(error);
    fail("results store {}: '{}' failed: {}", path, sql, message);
  }
}

// A transaction rolled back on scope exit unless committed, so an exception
// halfway through an append leaves nothing behind.
class Transaction {
 public:
  // "BEGIN IMMEDIATE" takes the write lock up front (waiting on the busy
  // timeout) so a writer never fails later on lock upgrade; "BEGIN" is a read
  // snapshot.
  Transaction(sqlite3* db, const std::string& path, const char* begin) : db_(db), path_(path) {
    execute(db_, path_, begin);
  }
  ~Transaction() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit() {
    execute(db_, path_, "COMMIT");
    open_ = false;
  }

 private:
  sqlite3* db_;
  std::string path_;
  bool open_ = true;
};

std::string dump(const Json& json) {
  // Replace invalid UTF-8 rather than throwing halfway through a run's append.
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json parse_column(const std::string& text, const std::string& path, const std::string& run_id,
                  const char* column) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    fail("results store {}: run '{}' has malformed {} JSON: {}", path, run_id, column, e.what());
  }
}

constexpr std::string_view kBitsPrefix = "f64:";

Json number(double value, NumberForm form = NumberForm::export_json) {
  if (std::isfinite(value)) return Json(value);
  if (form == NumberForm::export_json) return Json(nullptr);
  return fmt::format("{}{:016x}", kBitsPrefix, std::bit_cast<std::uint64_t>(value));
}

double number_from(const Json& json, const char* field) {
  if (!json.contains(field) || json[field].is_null()) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  const Json& value = json[field];
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    std::uint64_t bits = 0;
    const char* digits = text.data() + kBitsPrefix.size();
    if (text.size() == kBitsPrefix.size() + 16 && text.starts_with(kBitsPrefix) &&
        std::from_chars(digits, text.data() + text.size(), bits, 16).ptr ==
            text.data() + text.size()) {
      return std::bit_cast<double>(bits);
    }
    fail("run record: field '{}' must be a number or \"f64:\" and 16 hex digits, got '{}'", field,
         escaped(text));
  }
  if (!value.is_number()) fail("run record: field '{}' must be a number", field);
  return value.get<double>();
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string csv_number(double value) {
  return fmt::format("{}", value);
}

}  // namespace

std::string utc_now_iso() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::string run_id_for(const Json& config) {
  // nlohmann::json (unlike ordered_json) keeps object keys sorted.
  nlohmann::json canonical = nlohmann::json::parse(dump(config));
  // Results never depend on the thread count, so neither does the id: a
  // sweep resumed with other `threads` finds the runs it already has.
  if (canonical.is_object()) canonical.erase("threads");
  return fmt::format("{:016x}", stream_id(canonical.dump()));
}

Json to_json(const RunRecord& record, NumberForm form) {
  Json metrics = Json::object();
  for (const auto& [name, value] : record.metrics) metrics[name] = number(value, form);
  return Json{{"run_id", record.run_id},
              {"created_at", record.created_at},
              {"problem", record.problem},
              {"learner", record.learner},
              {"seed", record.seed},
              {"n_train", record.n_train},
              {"n_test", record.n_test},
              {"status", std::string(outcome_text(record.status))},
              {"message", record.message},
              {"seconds", number(record.seconds, form)},
              {"cpu_seconds", number(record.cpu_seconds, form)},
              {"peak_mb", number(record.peak_mb, form)},
              {"metrics", std::move(metrics)},
              {"config", record.config},
              {"provenance", record.provenance}};
}

RunRecord run_record_from_json(const Json& json) {
  if (!json.is_object()) fail("run record: expected a JSON object, got {}", json.type_name());
  const auto text = [&](const char* field) {
    if (!json.contains(field) || !json[field].is_string()) {
      fail("run record: field '{}' must be a string", field);
    }
    return json[field].get<std::string>();
  };
  const auto integer = [&](const char* field) {
    if (!json.contains(field) || !json[field].is_number_integer()) {
      fail("run record: field '{}' must be an integer", field);
    }
    return json[field].get<std::int64_t>();
  };
  RunRecord record;
  record.run_id = text("run_id");
  record.created_at = text("created_at");
  record.problem = text("problem");
  record.learner = text("learner");
  record.seed = integer("seed");
  record.n_train = integer("n_train");
  record.n_test = integer("n_test");
  record.status = parse_outcome_or_fail(text("status"), "run record: field 'status'");
  record.message = text("message");
  record.seconds = number_from(json, "seconds");
  record.cpu_seconds = number_from(json, "cpu_seconds");
  record.peak_mb = number_from(json, "peak_mb");
  if (json.contains("metrics")) {
    const Json& metrics = json["metrics"];
    if (!metrics.is_object()) fail("run record: field 'metrics' must be an object");
    for (const auto& [name, value] : metrics.items()) {
      record.metrics[name] = number_from(metrics, name.c_str());
    }
  }
  record.config = json.value("config", Json::object());
  record.provenance = json.value("provenance", Json::object());
  return record;
}

void Store::Closer::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

Store::Store(const std::filesystem::path& path, StoreOptions options)
    : path_(path), options_(std::move(options)) {
  open();
  create_or_check_schema();
}

Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

void Store::open() {
  const std::string file = path_.string();
  std::error_code ec;
  if (options_.read_only && !std::filesystem::exists(path_, ec)) {
    fail("results store {} does not exist", file);
  }
  if (std::filesystem::is_directory(path_, ec)) {
    fail("results store {} is a directory, not a database file", file);
  }
  sqlite3* raw = nullptr;
  const int flags =
      options_.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  db_.reset(raw);  // closed even when opening failed
  if (rc != SQLITE_OK) {
    fail("cannot open results store {}: {}", file, raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
  }
  sqlite3_extended_result_codes(raw, 1);
  if (sqlite3_busy_timeout(raw, options_.busy_timeout_ms) != SQLITE_OK) {
    fail("results store {}: cannot set busy timeout: {}", file, sqlite3_errmsg(raw));
  }
  // SQLite reads nothing until the first statement: this is where a file
  // that is not a database shows up.
  {
    sqlite3_stmt* probe = nullptr;
    int code = sqlite3_prepare_v2(raw, "PRAGMA schema_version", -1, &probe, nullptr);
    if (code == SQLITE_OK) code = sqlite3_step(probe);
    sqlite3_finalize(probe);
    if (code != SQLITE_ROW && code != SQLITE_DONE) {
      if ((code & 0xff) == SQLITE_NOTADB) {
        fail("{} is not a SQLite database, so not a hardnets results store ({})", file,
             sqlite3_errmsg(raw));
      }
      fail("cannot read results store {}: {}", file, sqlite3_errmsg(raw));
    }
  }
  execute(raw, file, "PRAGMA foreign_keys = ON");
  if (options_.read_only) return;
  // In WAL mode NORMAL makes every committed run survive the process being
  // killed (kill -9, OOM killer); only a power cut or kernel crash can lose
  // the last commits, which --resume then re-runs. FULL would add an fsync per
  // run, which dominates the cost of storing small runs.
  execute(raw, file, "PRAGMA synchronous = NORMAL");
  // Switching to WAL needs an exclusive lock, and SQLite does not always call
  // the busy handler for it, so retry by hand while another process holds
  // the file (two workers creating the same new store, say).
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.busy_timeout_ms);
  while (true) {
    sqlite3_stmt* stmt = nullptr;
    int code = sqlite3_prepare_v2(raw, "PRAGMA journal_mode = WAL", -1, &stmt, nullptr);
    std::string mode;
    if (code == SQLITE_OK) {
      code = sqlite3_step(stmt);
      if (code == SQLITE_ROW) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        mode = text ? text : "";
      }
    }
    sqlite3_finalize(stmt);
    if (code == SQLITE_ROW) {
      if (mode != "wal") {
        fail("results store {}: cannot switch to WAL mode (journal mode stays '{}')", file, mode);
      }
      break;
    }
    if ((code & 0xff) != SQLITE_BUSY && (code & 0xff) != SQLITE_LOCKED) {
      fail("results store {}: cannot switch to WAL mode: {}", file, sqlite3_errmsg(raw));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      fail("results store {}: still locked by another process after {} ms", file,
           options_.busy_timeout_ms);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void Store::create_or_check_schema() {
  sqlite3* db = db_.get();
  const std::string file = path_.string();
  // Under the write lock, so two processes creating the same store do not
  // both create the tables.
  Transaction tx(db, file, options_.read_only ? "BEGIN" : "BEGIN IMMEDIATE");
  const auto scalar = [&](const char* sql) {
    Statement query(db, file, sql);
    if (!query.step()) fail("results store {}: '{}' returned no row", file, sql);
    return query.column_int(0);
  };
  const std::int64_t table_count =
      scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table'");
  const std::int64_t application_id = scalar("PRAGMA application_id");

  if (table_count == 0 && application_id == 0) {
    if (options_.read_only) fail("results store {} is empty (no runs were ever stored)", file);
    execute(db, file, kSchema);
    execute(db, file, fmt::format("PRAGMA application_id = {}", kApplicationId).c_str());
    {
      Statement meta(db, file, "INSERT INTO meta (key, value) VALUES (?1, ?2)");
      const std::pair<std::string, std::string> rows[] = {
          {"schema_version", std::to_string(kSchemaVersion)},
          {"created_at", utc_now_iso()},
          {"created_by", fmt::format("hardnets {}", build_info::kVersion)}};
      for (const auto& [key, value] : rows) {
        meta.bind(1, key);
        meta.bind(2, value);
        meta.run();
        meta.reset();
      }
    }
    tx.commit();
    schema_version_ = kSchemaVersion;
    return;
  }
  if (application_id != kApplicationId) {
    fail("{} is a SQLite database of another application, not a hardnets results store", file);
  }
  std::string text;
  {
    Statement version(db, file, "SELECT value FROM meta WHERE key = 'schema_version'");
    if (!version.step()) fail("results store {} has no schema version in its meta table", file);
    text = version.column_text(0);
  }
  if (text != "1" && text != std::to_string(kSchemaVersion)) {
    fail("results store {} has schema version {}; this hardnets reads versions 1 to {}", file,
         escaped(text), kSchemaVersion);
  }
  schema_version_ = std::stoi(text);
  tx.commit();
}

std::vector<int> readable_schema_versions() {
  std::vector<int> out;
  for (int v = 1; v <= kSchemaVersion; ++v) out.push_back(v);
  return out;
}

void Store::append(const RunRecord& record) {
  const std::string file = path_.string();
  if (options_.read_only) fail("results store {} was opened read-only", file);
  if (record.run_id.empty()) fail("results store {}: a run needs a non-empty run_id", file);
  if (schema_version_ < 2 && record.status == Outcome::iteration_limit) {
    // Version 1's CHECK constraint lists the five outcomes older builds had.
    fail(
        "results store {} has schema version 1, which cannot hold outcome '{}' (run '{}'); "
        "store the run in a new results store",
        file, outcome_text(record.status), record.run_id);
  }
  if (!record.config.is_object()) {
    fail("results store {}: run '{}' config must be a JSON object", file, record.run_id);
  }
  if (!record.provenance.is_object() && !record.provenance.is_null()) {
    fail("results store {}: run '{}' provenance must be a JSON object", file, record.run_id);
  }
  const Json provenance_json =
      record.provenance.is_null() || record.provenance.empty() ? provenance() : record.provenance;
  Json metrics_json = Json::object();
  for (const auto& [name, value] : record.metrics) metrics_json[name] = number(value);

  sqlite3* db = db_.get();
  Transaction tx(db, file, "BEGIN IMMEDIATE");
  // Checked under the write lock so the message is clear even when two
  // workers race to store the same run.
  if (contains(record.run_id)) {
    fail("results store {} already holds run '{}'", file, record.run_id);
  }
  {
    Statement insert(db, file,
                     "INSERT INTO runs (run_id, created_at, problem, learner, seed, n_train, "
                     "n_test, status, message, seconds, cpu_seconds, peak_mb, config, metrics, "
                     "provenance) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                     "?13, ?14, ?15)");
    insert.bind(1, record.run_id);
    insert.bind(2, record.created_at.empty() ? utc_now_iso() : record.created_at);
    insert.bind(3, record.problem);
    insert.bind(4, record.learner);
    insert.bind(5, record.seed);
    insert.bind(6, record.n_train);
    insert.bind(7, record.n_test);
    insert.bind(8, std::string(outcome_text(record.status)));
    insert.bind(9, record.message);
    insert.bind(10, record.seconds);
    insert.bind(11, record.cpu_seconds);
    insert.bind(12, record.peak_mb);
    insert.bind(13, dump(record.config));
    insert.bind(14, dump(metrics_json));
    insert.bind(15, dump(provenance_json));
    insert.run();
  }
  if (options_.mid_append_hook) options_.mid_append_hook();
  {
    Statement insert(db, file, "INSERT INTO metrics (run_id, name, value) VALUES (?1, ?2, ?3)");
    for (const auto& [name, value] : record.metrics) {
      insert.bind(1, record.run_id);
      insert.bind(2, name);
      insert.bind(3, value);
      insert.run();
      insert.reset();
    }
  }
  tx.commit();
}

bool Store::contains(const std::string& run_id) const {
  Statement query(db_.get(), path_.string(), "SELECT 1 FROM runs WHERE run_id = ?1");
  query.bind(1, run_id);
  return query.step();
}

void Store::put_meta(const std::string& key, const std::string& value) {
  if (options_.read_only) fail("results store {} is open read-only", path_.string());
  Statement query(db_.get(), path_.string(),
                  "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                  "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  query.bind(1, key);
  query.bind(2, value);
  query.run();
}

std::optional<std::string> Store::get_meta(const std::string& key) const {
  Statement query(db_.get(), path_.string(), "SELECT value FROM meta WHERE key = ?1");
  query.bind(1, key);
  if (!query.step()) return std::nullopt;
  return query.column_text(0);
}

std::map<std::string, std::string> Store::all_meta() const {
  Statement query(db_.get(), path_.string(), "SELECT key, value FROM meta ORDER BY key");
  std::map<std::string, std::string> out;
  while (query.step()) out.emplace(query.column_text(0), query.column_text(1));
  return out;
}

std::int64_t Store::size() const {
  Statement query(db_.get(), path_.string(), "SELECT count(*) FROM runs");
  query.step();
  return query.column_int(0);
}

namespace {

// The rows of `runs` in append order, each with its metrics; the caller holds
// the read transaction.
void visit_runs(sqlite3* db, const std::string& file,
                const std::function<void(const RunRecord&)>& visit) {
  Statement rows(db, file, fmt::format("SELECT {} FROM runs ORDER BY id", kRunColumns));
  Statement metrics(db, file, "SELECT name, value FROM metrics WHERE run_id = ?1");
  while (rows.step()) {
    RunRecord record;
    record.run_id = rows.column_text(0);
    record.created_at = rows.column_text(1);
    record.problem = rows.column_text(2);
    record.learner = rows.column_text(3);
    record.seed = rows.column_int(4);
    record.n_train = rows.column_int(5);
    record.n_test = rows.column_int(6);
    record.status = parse_outcome_or_fail(
        rows.column_text(7), fmt::format("results store {}: run '{}' status", file, record.run_id));
    record.message = rows.column_text(8);
    record.seconds = rows.column_real(9);
    record.cpu_seconds = rows.column_real(10);
    record.peak_mb = rows.column_real(11);
    record.config = parse_column(rows.column_text(12), file, record.run_id, "config");
    record.provenance = parse_column(rows.column_text(14), file, record.run_id, "provenance");
    metrics.bind(1, record.run_id);
    while (metrics.step()) record.metrics[metrics.column_text(0)] = metrics.column_real(1);
    metrics.reset();
    visit(record);
  }
}

}  // namespace

std::vector<RunRecord> Store::runs() const {
  std::vector<RunRecord> out;
  for_each_run([&](const RunRecord& record) { out.push_back(record); });
  return out;
}

void Store::for_each_run(const std::function<void(const RunRecord&)>& visit) const {
  const std::string file = path_.string();
  Transaction snapshot(db_.get(), file, "BEGIN");
  visit_runs(db_.get(), file, visit);
  snapshot.commit();
}

void Store::export_csv(std::ostream& out, const RunFilter& keep) const {
  static constexpr const char* kFixed[] = {
      "run_id", "created_at", "problem", "learner",     "seed",    "n_train", "n_test",
      "status", "message",    "seconds", "cpu_seconds", "peak_mb", "config"};
  sqlite3* db = db_.get();
  const std::string file = path_.string();
  // The metric columns and the rows must come from the same snapshot.
  Transaction snapshot(db, file, "BEGIN");
  std::vector<std::string> names;
  {
    Statement query(db, file, "SELECT DISTINCT name FROM metrics ORDER BY name");
    while (query.step()) names.push_back(query.column_text(0));
  }
  for (std::size_t i = 0; i + 1 < std::size(kFixed); ++i) out << kFixed[i] << ',';
  for (const std::string& name : names) {
    const bool clash = std::any_of(std::begin(kFixed), std::end(kFixed),
                                   [&](const char* fixed) { return name == fixed; });
    out << csv_field(clash ? "metric." + name : name) << ',';
  }
  out << "config\n";
  visit_runs(db, file, [&](const RunRecord& r) {
    if (keep && !keep(r)) return;
    out << csv_field(r.run_id) << ',' << csv_field(r.created_at) << ',' << csv_field(r.problem)
        << ',' << csv_field(r.learner) << ',' << r.seed << ',' << r.n_train << ',' << r.n_test
        << ',' << csv_field(std::string(outcome_text(r.status))) << ',' << csv_field(r.message)
        << ',' << csv_number(r.seconds) << ',' << csv_number(r.cpu_seconds) << ','
        << csv_number(r.peak_mb) << ',';
    for (const std::string& name : names) {
      auto it = r.metrics.find(name);
      if (it != r.metrics.end()) out << csv_number(it->second);
      out << ',';
    }
    out << csv_field(dump(r.config)) << '\n';
  });
  snapshot.commit();
}

void Store::export_jsonl(std::ostream& out, const RunFilter& keep) const {
  for_each_run([&](const RunRecord& record) {
    if (!keep || keep(record)) out << dump(to_json(record)) << '\n';
  });
}

std::string Store::integrity_check() const {
  Statement query(db_.get(), path_.string(), "PRAGMA integrity_check");
  std::string result;
  while (query.step()) {
    if (!result.empty()) result += '\n';
    result += query.column_text(0);
  }
  return result;
}

}  // namespace hardnets
