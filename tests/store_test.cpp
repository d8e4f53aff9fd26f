#include "hardnets/lab/store.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hardnets/core/error.h"
#include "hardnets/lab/provenance.h"

namespace hardnets {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "hardnets_store_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path db() const { return dir_ / "runs.db"; }

  fs::path dir_;
};

StoreOptions read_only() {
  StoreOptions options;
  options.read_only = true;
  return options;
}

RunRecord make_record(const std::string& run_id) {
  RunRecord r;
  r.run_id = run_id;
  r.created_at = "2024-05-01T12:34:56Z";
  r.problem = "teacher";
  r.learner = "sgd";
  r.seed = -42;  // int64 round trip, sign included
  r.n_train = 1000;
  r.n_test = 500;
  r.config = Json{{"problem", {{"width", 8}, {"noise", 0.1}}},
                  {"learner", {{"lr", 0.01}, {"optimizer", "adam"}}},
                  {"threads", 2},
                  {"seed", -42}};
  r.metrics = {{"mse", 0.125}, {"nmse", 0.5}, {"train_loss", 1e-300}};
  r.status = Outcome::diverged;
  r.message = "loss became NaN, at \"epoch\" 7";
  r.seconds = 1.5;
  r.cpu_seconds = 2.75;
  r.peak_mb = 123.25;
  r.provenance = Json{{"host", "test"}, {"git_revision", "abc"}};
  return r;
}

// One integer from a raw SQL query, bypassing Store.
std::int64_t query_int(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW) << sqlite3_errmsg(db);
  const std::int64_t value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no UserError)";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_F(StoreTest, AppendReadBackRoundTripsEveryField) {
  Store store(db());
  const RunRecord a = make_record("a");
  store.append(a);
  ASSERT_TRUE(store.contains("a"));
  EXPECT_FALSE(store.contains("b"));
  EXPECT_EQ(store.size(), 1);
  const auto runs = store.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0], a);
  // Key order in config is kept (ordered_json).
  EXPECT_EQ(runs[0].config.dump(), a.config.dump());
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST_F(StoreTest, FillsTimeAndProvenanceAndKeepsNonFiniteMetrics) {
  Store store(db());
  RunRecord r = make_record("x");
  r.created_at.clear();
  r.provenance = Json::object();
  r.metrics = {{"nan", std::numeric_limits<double>::quiet_NaN()},
               {"inf", std::numeric_limits<double>::infinity()},
               {"ninf", -std::numeric_limits<double>::infinity()}};
  r.seconds = std::numeric_limits<double>::quiet_NaN();
  store.append(r);
  const RunRecord back = store.runs().at(0);
  EXPECT_EQ(back.created_at.size(), 20u);  // 2024-05-01T12:34:56Z
  EXPECT_EQ(back.created_at.back(), 'Z');
  EXPECT_EQ(back.provenance.at("git_revision"), provenance().at("git_revision"));
  EXPECT_TRUE(std::isnan(back.metrics.at("nan")));
  EXPECT_EQ(back.metrics.at("inf"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(back.metrics.at("ninf"), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(back.seconds));
}

TEST_F(StoreTest, RejectsBadRecords) {
  Store store(db());
  store.append(make_record("a"));
  EXPECT_NE(error_of([&] { store.append(make_record("a")); }).find("already holds run 'a'"),
            std::string::npos);
  RunRecord bad = make_record("");
  EXPECT_NE(error_of([&] { store.append(bad); }).find("run_id"), std::string::npos);
  bad = make_record("c");
  bad.config = Json::array();
  EXPECT_NE(error_of([&] { store.append(bad); }).find("config"), std::string::npos);
  EXPECT_EQ(store.size(), 1);
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM metrics"), 3);
}

TEST_F(StoreTest, TwoStoresOnOneFileBothAppend) {
  Store first(db());
  Store second(db());
  first.append(make_record("a"));
  second.append(make_record("b"));
  first.append(make_record("c"));
  EXPECT_TRUE(second.contains("a"));
  EXPECT_TRUE(first.contains("b"));
  std::vector<std::string> ids;
  for (const RunRecord& r : second.runs()) ids.push_back(r.run_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(StoreTest, ReopeningKeepsRows) {
  {
    Store store(db());
    store.append(make_record("a"));
    store.append(make_record("b"));
  }
  Store store(db());
  EXPECT_EQ(store.size(), 2);
  EXPECT_EQ(store.runs().at(1), make_record("b"));
  store.append(make_record("c"));
  Store reader(db(), read_only());
  EXPECT_EQ(reader.size(), 3);
  EXPECT_NE(error_of([&] { reader.append(make_record("d")); }).find("read-only"),
            std::string::npos);
  EXPECT_EQ(query_int(db(), "SELECT value FROM meta WHERE key = 'schema_version'"), 2);
}

void execute_sql(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
  sqlite3_free(error);
  sqlite3_close(db);
}

// Every outcome is stored as its text and read back as itself.
TEST_F(StoreTest, EveryOutcomeRoundTrips) {
  {
    Store store(db());
    for (const OutcomeInfo& info : outcomes()) {
      RunRecord r = make_record(std::string(info.text));
      r.status = info.outcome;
      store.append(r);
    }
  }
  Store store(db(), read_only());
  for (const RunRecord& r : store.runs()) EXPECT_EQ(outcome_text(r.status), r.run_id);
  EXPECT_EQ(store.size(), static_cast<std::int64_t>(outcomes().size()));
}

// A store of schema version 1 (written before iteration_limit existed, its
// CHECK lists five outcomes) is still read and appended to; the one outcome
// it cannot hold is refused with a message, and nothing is written.
TEST_F(StoreTest, VersionOneStoresStillReadAndRefuseOnlyTheNewOutcome) {
  {
    Store store(db());
    store.append(make_record("a"));
  }
  execute_sql(db(), "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  Store store(db());
  EXPECT_EQ(store.runs().at(0), make_record("a"));
  store.append(make_record("b"));
  RunRecord capped = make_record("c");
  capped.status = Outcome::iteration_limit;
  const std::string message = error_of([&] { store.append(capped); });
  EXPECT_NE(message.find("schema version 1"), std::string::npos) << message;
  EXPECT_NE(message.find("iteration_limit"), std::string::npos) << message;
  EXPECT_EQ(store.size(), 2);
}

// A row whose status text no outcome has (an edited file) is a clear error
// naming the store, the run and the text, not a crash.
TEST_F(StoreTest, AnUnknownStoredStatusIsAClearError) {
  {
    Store store(db());
    store.append(make_record("a"));
  }
  execute_sql(db(),
              "PRAGMA ignore_check_constraints = ON; "
              "UPDATE runs SET status = 'crashed' WHERE run_id = 'a'");
  Store store(db(), read_only());
  const std::string message = error_of([&] { (void)store.runs(); });
  EXPECT_NE(message.find("unknown outcome 'crashed'"), std::string::npos) << message;
  EXPECT_NE(message.find("run 'a'"), std::string::npos) << message;
}

TEST_F(StoreTest, NonSqliteFileIsAClearError) {
  const std::string text = "run_id,mse\na,0.5\n" + std::string(200, 'x') + "\n";
  std::ofstream(db()) << text;
  const std::string message = error_of([&] { Store store(db()); });
  EXPECT_NE(message.find(db().string()), std::string::npos) << message;
  EXPECT_NE(message.find("not a SQLite database"), std::string::npos) << message;
  // The file was not touched.
  std::ifstream in(db());
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), text);
}

TEST_F(StoreTest, ForeignDatabaseMissingFileAndDirectoryAreClearErrors) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  std::string message = error_of([&] { Store store(db()); });
  EXPECT_NE(message.find("not a hardnets results store"), std::string::npos) << message;

  const fs::path missing = dir_ / "missing.db";
  message = error_of([&] { Store store(missing, read_only()); });
  EXPECT_NE(message.find("missing.db does not exist"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(missing));

  message = error_of([&] { Store store(dir_ / "no" / "such" / "dir.db"); });
  EXPECT_NE(message.find("cannot open results store"), std::string::npos) << message;
  message = error_of([&] { Store store(dir_); });
  EXPECT_NE(message.find("is a directory"), std::string::npos) << message;
}

// A worker killed between the two inserts of one run must leave a valid
// database with none of that run in either table.
TEST_F(StoreTest, RunKilledMidTransactionLeavesNoPartialRow) {
  {
    Store store(db());
    store.append(make_record("a"));
  }  // closed before fork: SQLite connections must not cross a fork
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    try {
      StoreOptions options;
      options.mid_append_hook = [&] {
        const char ready = 'x';
        if (write(pipe_fds[1], &ready, 1) != 1) _exit(3);
        sleep(60);  // killed here, with the `runs` row written but not committed
        _exit(4);
      };
      Store store(db(), options);
      store.append(make_record("b"));
    } catch (...) {
      _exit(2);
    }
    _exit(5);
  }
  close(pipe_fds[1]);
  char ready = 0;
  const ssize_t got = read(pipe_fds[0], &ready, 1);
  close(pipe_fds[0]);
  ASSERT_EQ(got, 1) << "the child failed before reaching the hook";
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  Store store(db());
  EXPECT_EQ(store.integrity_check(), "ok");
  EXPECT_FALSE(store.contains("b"));
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM runs WHERE run_id = 'b'"), 0);
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM metrics WHERE run_id = 'b'"), 0);
  EXPECT_EQ(store.runs(), std::vector<RunRecord>{make_record("a")});
  // The killed writer's lock is gone: the run can be stored now.
  store.append(make_record("b"));
  EXPECT_EQ(store.size(), 2);
}

// Worker processes racing to create the file and append to it.
TEST_F(StoreTest, ConcurrentProcessesAllAppend) {
  constexpr int kWorkers = 3, kRuns = 15;
  std::vector<pid_t> children;
  for (int w = 0; w < kWorkers; ++w) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      try {
        Store store(db());
        for (int i = 0; i < kRuns; ++i) {
          store.append(make_record("w" + std::to_string(w) + "-" + std::to_string(i)));
        }
      } catch (const std::exception& e) {
        fprintf(stderr, "worker %d: %s\n", w, e.what());
        _exit(1);
      }
      _exit(0);
    }
    children.push_back(child);
  }
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  Store store(db());
  EXPECT_EQ(store.size(), kWorkers * kRuns);
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM metrics"), kWorkers * kRuns * 3);
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST_F(StoreTest, CsvExportHasHeaderAndOneLinePerRun) {
  Store store(db());
  store.append(make_record("a"));
  RunRecord b = make_record("b");
  b.metrics = {{"accuracy", 0.75}, {"seconds", 3.0}};  // "seconds" clashes with a fixed column
  b.status = Outcome::ok;
  b.message = "";
  store.append(b);
  std::ostringstream out;
  store.export_csv(out);
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 3u) << out.str();
  EXPECT_EQ(lines[0],
            "run_id,created_at,problem,learner,seed,n_train,n_test,status,message,seconds,"
            "cpu_seconds,peak_mb,accuracy,mse,nmse,metric.seconds,train_loss,config");
  EXPECT_TRUE(lines[1].starts_with(
      "a,2024-05-01T12:34:56Z,teacher,sgd,-42,1000,500,diverged,\"loss became NaN, at "
      "\"\"epoch\"\" 7\",1.5,2.75,123.25,"))
      << lines[1];
  EXPECT_NE(lines[1].find(",123.25,,0.125,0.5,,1e-300,\"{\"\"problem\"\":"), std::string::npos)
      << lines[1];
  EXPECT_NE(lines[2].find(",ok,,1.5,2.75,123.25,0.75,,,3,,\"{"), std::string::npos) << lines[2];
}

TEST_F(StoreTest, JsonlExportRoundTrips) {
  Store store(db());
  store.append(make_record("a"));
  store.append(make_record("b"));
  std::ostringstream out;
  store.export_jsonl(out);
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(run_record_from_json(Json::parse(lines[0])), make_record("a"));
  EXPECT_EQ(run_record_from_json(Json::parse(lines[1])), make_record("b"));
  EXPECT_EQ(Json::parse(lines[1]).at("metrics").at("nmse"), 0.5);
}

TEST(RunId, DependsOnContentNotKeyOrder) {
  const Json a{{"seed", 1}, {"learner", {{"lr", 0.1}, {"epochs", 5}}}};
  const Json b{{"learner", {{"epochs", 5}, {"lr", 0.1}}}, {"seed", 1}};
  const Json c{{"seed", 2}, {"learner", {{"lr", 0.1}, {"epochs", 5}}}};
  EXPECT_EQ(run_id_for(a), run_id_for(b));
  EXPECT_NE(run_id_for(a), run_id_for(c));
  EXPECT_EQ(run_id_for(a).size(), 16u);
  // The thread count is not part of a run's identity (results do not depend
  // on it, and --resume with other threads must find the runs it has).
  Json threaded = a, more = a;
  threaded["threads"] = 1;
  more["threads"] = 8;
  EXPECT_EQ(run_id_for(threaded), run_id_for(more));
  EXPECT_EQ(run_id_for(threaded), run_id_for(a));
}

TEST(Provenance, NamesBuildLibrariesAndHost) {
  const Json p = provenance();
  for (const char* key :
       {"hardnets_version", "git_revision", "compiler", "build_type", "hostname"}) {
    EXPECT_TRUE(p.at(key).is_string()) << key;
  }
  const Json& libs = p.at("libraries");
  EXPECT_EQ(libs.at("sqlite"), sqlite3_libversion());
  EXPECT_TRUE(libs.at("eigen").get<std::string>().starts_with("3."));
  EXPECT_TRUE(libs.at("fmt").is_string());
  EXPECT_TRUE(libs.at("nlohmann_json").is_string());
  EXPECT_TRUE(p.at("os").at("sysname").is_string());
}

}  // namespace
}  // namespace hardnets
