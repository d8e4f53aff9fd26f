// `hardnets report`: a tiny sweep drawn with every figure kind, checked on
// disk and in a headless browser (do the images the page references load?),
// plus the empty, all-failed, missing and foreign databases.
#include "hardnets/lab/report.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include <sys/wait.h>

#include <gtest/gtest.h>

#include "cli_test.h"
#include "hardnets/core/error.h"
#include "hardnets/lab/store.h"
#include "test_util.h"

namespace hardnets {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;
using testing::TempDir;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string first_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Runs a shell command, returning its stdout.
std::string capture(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  return out;
}

// Teacher at d = 4, 8 with n_train crossed (so a phase figure has two axes),
// mean and ridge, two seeds; one figure of each kind.
constexpr const char* kSpec = R"toml(
[sweep]
name = "tiny"
seeds = [1, 2]
n_train = [20, 40]
n_test = 50

[[problems]]
name = "teacher"
params = { d = [4, 8], width = 2 }

[[learners]]
name = "mean"
[[learners]]
name = "ridge"
params = { lambda = 1e-3 }

[report]
figures = [
  { kind = "line", x = "d", metric = "nmse", logy = true },
  { kind = "phase", x = "d", y = "n_train", metric = "nmse" },
  { kind = "scaling", x = "d" },
  { kind = "threshold", x = "d", y = "n_train", metric = "nmse", direction = "above", logy = false },
]
)toml";

// One sweep and its report, shared by the tests that only read them.
class ReportTest : public ::testing::Test {
 protected:
  // Failures here are kept for SetUp to report, as gtest runs the tests even
  // when the suite's setup fails.
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>("report");
    std::ofstream(dir_->path() / "tiny.toml") << kSpec;
    const auto r = run_cli("sweep " + (dir_->path() / "tiny.toml").string() + " --db " +
                           db().string() + " --jobs 1");
    if (r.exit_code != 0) {
      setup_error_ = "hardnets sweep failed:\n" + r.output;
      return;
    }
    try {
      write_report(db(), out());
    } catch (const std::exception& e) {
      setup_error_ = std::string("write_report failed: ") + e.what();
    }
  }
  static void TearDownTestSuite() { dir_.reset(); }
  void SetUp() override {
    ASSERT_EQ(setup_error_, "");
    ASSERT_TRUE(fs::exists(out() / "index.html"));
  }
  static fs::path db() { return dir_->path() / "runs.db"; }
  static fs::path out() { return dir_->path() / "report"; }

  static std::unique_ptr<TempDir> dir_;
  static std::string setup_error_;
};
std::unique_ptr<TempDir> ReportTest::dir_;
std::string ReportTest::setup_error_;

std::vector<std::string> image_sources(const std::string& html) {
  std::vector<std::string> sources;
  const std::regex img("<img src='([^']+)'");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), img); it != std::sregex_iterator();
       ++it) {
    sources.push_back((*it)[1]);
  }
  return sources;
}

TEST_F(ReportTest, EveryFigureExistsAsPngAndSvg) {
  const std::string html = read_file(out() / "index.html");
  const auto sources = image_sources(html);
  ASSERT_EQ(sources.size(), 4u) << html;  // one per [report] figure
  for (const auto& src : sources) {
    ASSERT_EQ(fs::path(src).extension(), ".png") << src;
    EXPECT_GT(fs::file_size(out() / src), 1000u) << src;
    fs::path svg = out() / src;
    svg.replace_extension(".svg");
    ASSERT_TRUE(fs::exists(svg)) << svg;
    EXPECT_NE(read_file(svg).find("<svg"), std::string::npos) << svg;
    EXPECT_NE(html.find("href='" + fs::path(src).replace_extension(".svg").string() + "'"),
              std::string::npos)
        << "no link to the SVG of " << src;
  }
  for (const char* kind : {"-line-", "-phase-", "-scaling-", "-threshold-"}) {
    EXPECT_NE(html.find(kind), std::string::npos) << kind;
  }
  // Captions name the problem, the seeds and the git revision.
  EXPECT_NE(html.find("teacher: nmse vs d"), std::string::npos);
  EXPECT_NE(html.find("2 seeds"), std::string::npos);
  EXPECT_NE(html.find("git "), std::string::npos);
  EXPECT_NE(html.find("exponent"), std::string::npos);  // the scaling fit in the legend
  EXPECT_NE(html.find("Student-t"), std::string::npos);
  // Each figure's data is written beside it and linked; its complete
  // configuration is collapsed below the short caption, which names only
  // the fixed parameters off their defaults (width = 2, lambda = 1e-3).
  for (const auto& src : sources) {
    const std::string csv = fs::path(src).replace_extension(".csv").string();
    EXPECT_EQ(first_line(out() / csv), "series,x,n,value,low,high") << csv;
    EXPECT_NE(html.find("href='" + csv + "'>data (CSV)"), std::string::npos) << csv;
  }
  EXPECT_NE(html.find("<details><summary>configuration</summary>fixed: "), std::string::npos);
  EXPECT_NE(html.find("not at their defaults: width=2"), std::string::npos);
  EXPECT_EQ(html.find("not at their defaults: weights="), std::string::npos);  // a default
}

// A rate (success: 0 or 1 per run) is drawn with Wilson intervals, inside
// [0, 1], and its figure's data says so; a layout that would leave most
// cells of a heatmap empty is refused with the spec entry named.
TEST(Report, RatesHaveWilsonIntervalsInsideTheUnitInterval) {
  TempDir dir("report-rates");
  std::ofstream(dir.path() / "rates.toml") << R"toml(
[sweep]
name = "rates"
seeds = [1, 2, 3, 4, 5]
n_train = [14, 16, 17, 24]
n_test = 20

[[problems]]
name = "sparse_parity"
params = { n = 16, k = 3 }

[[learners]]
name = "gf2"

[report]
figures = [ { kind = "line", x = "n_train", metric = "success" } ]
)toml";
  const fs::path db = dir.path() / "runs.db";
  ASSERT_EQ(run_cli("sweep " + (dir.path() / "rates.toml").string() + " --db " + db.string() +
                    " --jobs 1")
                .exit_code,
            0);
  write_report(db, dir.path() / "report");
  const std::string html = read_file(dir.path() / "report" / "index.html");
  EXPECT_NE(html.find("Wilson"), std::string::npos);
  const auto sources = image_sources(html);
  ASSERT_FALSE(sources.empty());
  std::ifstream csv(dir.path() / "report" / fs::path(sources[0]).replace_extension(".csv"));
  std::string line;
  std::getline(csv, line);
  int rows = 0;
  while (std::getline(csv, line)) {
    std::stringstream s(line);
    std::string series, x, n, value, low, high;
    std::getline(s, series, ',');
    std::getline(s, x, ',');
    std::getline(s, n, ',');
    std::getline(s, value, ',');
    std::getline(s, low, ',');
    std::getline(s, high, ',');
    EXPECT_EQ(n, "5") << line;
    EXPECT_LE(0.0, std::stod(low)) << line;
    EXPECT_LE(std::stod(low), std::stod(value)) << line;
    EXPECT_LE(std::stod(value), std::stod(high)) << line;
    EXPECT_LE(std::stod(high), 1.0) << line;
    ++rows;
  }
  EXPECT_EQ(rows, 4);
}

TEST_F(ReportTest, WritesCsvTablesWithHeaders) {
  const std::string runs = first_line(out() / "tables" / "runs.csv");
  EXPECT_EQ(runs.rfind("run_id,created_at,sweep,problem,learner,seed", 0), 0u) << runs;
  EXPECT_NE(runs.find("metric.nmse"), std::string::npos) << runs;
  const std::string summary = first_line(out() / "tables" / "summary-tiny.csv");
  EXPECT_EQ(summary.rfind("problem,learner,", 0), 0u) << summary;
  for (const char* col : {"problem.d", "n_train", "not_ok", "nmse_mean", "nmse_ci_low"}) {
    EXPECT_NE(summary.find(col), std::string::npos) << col << " in " << summary;
  }
  // 16 runs; 2 learners x 2 d x 2 n_train = 8 summary rows, plus the headers.
  std::ifstream in(out() / "tables" / "runs.csv");
  EXPECT_EQ(std::count(std::istreambuf_iterator<char>(in), {}, '\n'), 17);
  std::ifstream sin(out() / "tables" / "summary-tiny.csv");
  EXPECT_EQ(std::count(std::istreambuf_iterator<char>(sin), {}, '\n'), 9);
  EXPECT_NE(read_file(out() / "index.html").find("tables/summary-tiny.csv"), std::string::npos);
}

// A page per paper whose problems the runs cover (the teacher cites
// Daniely and Vardi 2020): the claim, a verdict computed from the runs, the
// figures of its problems, and a link from the index.
TEST_F(ReportTest, WritesAPagePerPaperWithAVerdictFromTheRuns) {
  const fs::path page = out() / "paper-daniely2020natural.html";
  ASSERT_TRUE(fs::exists(page));
  const std::string html = read_file(page);
  EXPECT_NE(html.find("Hardness of Learning Neural Networks with Natural Weights"),
            std::string::npos);
  EXPECT_NE(html.find("The claim"), std::string::npos);
  // 2 learners x 2 d x 2 n_train x 2 seeds = 16 runs, nmse per learner.
  EXPECT_NE(html.find("teacher (16 runs; d = 4…8, n_train = 20…40): mean: nmse "),
            std::string::npos)
      << html;
  EXPECT_EQ(image_sources(html).size(), 4u);
  EXPECT_NE(html.find("What this scale does not reach"), std::string::npos);
  EXPECT_NE(read_file(out() / "index.html").find("href='paper-daniely2020natural.html'"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(out() / "paper-li2025hardness.html"));  // no CLWE runs here
  // Each sweep's section lists what its problems and learners cite.
  const std::string index = read_file(out() / "index.html");
  EXPECT_NE(index.find("<summary>References: what these problems and learners follow"),
            std::string::npos);
  EXPECT_NE(index.find("<code>teacher</code> — natural (random) weights: Daniely, Vardi (2020)"),
            std::string::npos);
}

// The page in headless Chromium at a 1280-px window: its load script's counts.
std::string browser_dom(const fs::path& page) {
  TempDir profile("chromium-profile");
  const std::string command =
      "timeout 60 /usr/bin/chromium"
      " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
      " --disable-background-networking --disable-component-update --disable-sync"
      " --window-size=1280,900 --user-data-dir=" +
      profile.str() + " --virtual-time-budget=5000 --dump-dom 'file://" +
      fs::absolute(page).string() + "' 2>/dev/null";
  return capture(command);
}

TEST_F(ReportTest, ImagesLoadInHeadlessChromium) {
  const fs::path chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) GTEST_SKIP() << "no " << chromium << ": the browser check is skipped";
  // The paper page: its images load too.
  const std::string paper = browser_dom(out() / "paper-daniely2020natural.html");
  EXPECT_NE(paper.find("data-images-total=\"4\""), std::string::npos) << paper.substr(0, 1000);
  EXPECT_NE(paper.find("data-images-failed=\"0\""), std::string::npos);
  const std::string dom = browser_dom(out() / "index.html");
  std::smatch m;
  const auto attr = [&](const std::string& name) {
    const std::regex re("data-" + name + "=\"(\\d+)\"");
    return std::regex_search(dom, m, re) ? std::stoi(m[1]) : -1;
  };
  const int total = attr("images-total"), loaded = attr("images-loaded"),
            failed = attr("images-failed");
  ASSERT_GE(total, 0) << "the page's load script did not run; DOM:\n" << dom.substr(0, 2000);
  EXPECT_EQ(total, 4);
  EXPECT_EQ(loaded, total);
  EXPECT_EQ(failed, 0);
  // No table is wider than a 1280-pixel window (the page's own measure).
  EXPECT_EQ(attr("window-width"), 1280);
  const int widest = attr("tables-widest");
  EXPECT_GT(widest, 0);
  EXPECT_LE(widest, 1280);
}

// The threshold figure's two computations, on inputs with a known answer:
// locating the crossing of the success rate, and fitting the one free
// constant of a model (points generated from c = 0.035 must give it back).
TEST(Report, ThresholdLocationAndModelFit) {
  const std::string script = std::string(HARDNETS_SOURCE_DIR) + "/scripts";
  const std::string code =
      "import sys; sys.path.insert(0, '" + script +
      "'); import report as r\n"
      "print(r.locate_threshold([(1e-9, 1.0), (1e-6, 0.9), (1e-3, 0.2), (1e-1, 0.0)], 'below'))\n"
      "print(r.locate_threshold([(1e-9, 1.0), (1e-6, 1.0)], 'below'))\n"
      "print(r.locate_threshold([(1e-9, 0.0), (1e-6, 0.0)], 'below'))\n"
      "print(r.locate_threshold([(10, 0.0), (20, 0.4), (40, 1.0), (80, 1.0)], 'above'))\n"
      "m = '2**(-(d*log2(gamma*(d+1)**0.5) + c*(d+1)**2))'\n"
      "pts = [({'d': d, 'gamma': 2*d**0.5}, 2**(-(d*r.math.log2(2*d**0.5*(d+1)**0.5) + "
      "0.035*(d+1)**2))) for d in (4, 8, 16, 24)]\n"
      "c, res = r.fit_model(m, pts, 0.0, 0.2)\n"
      "print(round(c, 6), res < 1e-12)\n";
  const fs::path file = fs::temp_directory_path() / "hardnets_threshold_test.py";
  std::ofstream(file) << code;
  const std::string out = capture("/usr/bin/python3 " + file.string() + " 2>&1");
  fs::remove(file);
  EXPECT_EQ(out,
            "(3.1622776601683795e-05, '')\n"  // between 1e-6 (0.9 >= 0.5) and 1e-3
            "(1e-06, 'above')\n"              // every value succeeds
            "(1e-09, 'below')\n"              // none does
            "(28.284271247461902, '')\n"      // success above: between 20 and 40
            "0.035 True\n");
}

// Series: a parameter that is an expression of the x axis within each series
// (clauses = 2*vars for one source, 0.6*vars for the other) names no series
// of its own; an independent one (seed-like `tau`) still splits.
TEST(Report, SeriesSkipParametersDeterminedByTheAxisAndOtherSeries) {
  const std::string script = std::string(HARDNETS_SOURCE_DIR) + "/scripts";
  const std::string code =
      "import sys; sys.path.insert(0, '" + script +
      "'); import report as r\n"
      "class R:\n"
      "    def __init__(self, p): self.params = p\n"
      "runs = [R({'vars': v, 'source': s, 'clauses': round(f*v), 'tau': t})\n"
      "        for s, f in (('nae', 2.0), ('one', 0.6)) for v in (8, 16, 32) for t in (0, 1)]\n"
      "print(r.series_keys(runs, ['vars']))\n"
      "print(r.series_keys([x for x in runs if x.params['tau'] == 0], ['vars']))\n";
  const fs::path file = fs::temp_directory_path() / "hardnets_series_test.py";
  std::ofstream(file) << code;
  const std::string out = capture("/usr/bin/python3 " + file.string() + " 2>&1");
  fs::remove(file);
  EXPECT_EQ(out,
            "['source', 'tau']\n"
            "['source']\n");
}

TEST(Report, LogAxisLeavesOutNonPositiveValuesAndSaysSo) {
  // tau = 0 (no smoothing) cannot sit on a log axis: it is left out of the
  // figure and named in the footer, not squeezed against the axis.
  TempDir dir("report-logx");
  std::ofstream(dir.path() / "spec.toml") << R"toml(
[sweep]
name = "logx"
n_train = 20
n_test = 20
[[problems]]
name = "teacher"
params = { d = 2, width = 1, tau = [0.0, 0.01, 0.1] }
[[learners]]
name = "mean"
[report]
figures = [ { kind = "line", x = "tau", metric = "nmse", logx = true } ]
)toml";
  const fs::path db = dir.path() / "runs.db";
  const auto r = run_cli("sweep " + (dir.path() / "spec.toml").string() + " --db " + db.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  write_report(db, dir.path() / "report");
  const std::string html = read_file(dir.path() / "report" / "index.html");
  EXPECT_NE(html.find("tau = 0 not shown (log axis)"), std::string::npos) << html;
}

TEST(Report, EmbeddedScriptIsTheSourceFile) {
  EXPECT_EQ(std::string(report_script()),
            read_file(fs::path(HARDNETS_SOURCE_DIR) / "scripts" / "report.py"));
}

// Bad input stops the report with a message naming the problem, and leaves
// the output folder as it was (the report is moved there only when complete):
// an empty database, one of an unknown schema version, a [report] entry
// naming a metric or parameter no run has.
TEST(Report, BadDatabasesAndSpecsLeaveTheOutputFolderAsItWas) {
  TempDir dir("report-refused");
  const fs::path out = dir.path() / "out";
  fs::create_directories(out);
  std::ofstream(out / "index.html") << "the previous report";
  { Store store(dir.path() / "empty.db"); }
  EXPECT_CONTAINS(testing::user_error([&] { write_report(dir.path() / "empty.db", out); }),
                  "holds no runs");
  EXPECT_EQ(read_file(out / "index.html"), "the previous report");
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".partial-"), std::string::npos)
        << "a staging folder was left behind: " << e.path();

  std::ofstream(dir.path() / "bad.toml") << R"toml(
[sweep]
name = "bad"
n_train = [20, 40]
n_test = 10
[[problems]]
name = "teacher"
params = { d = 4 }
[[learners]]
name = "mean"
[report]
figures = [ { kind = "line", x = "n_train", metric = "nmsee" } ]
)toml";
  const fs::path db = dir.path() / "bad.db";
  ASSERT_EQ(
      run_cli("sweep " + (dir.path() / "bad.toml").string() + " --db " + db.string() + " --jobs 1")
          .exit_code,
      0);
  EXPECT_CONTAINS(testing::user_error([&] { write_report(db, out); }),
                  "[report] figure 1 (line): metric 'nmsee' is not recorded for teacher");
  EXPECT_EQ(read_file(out / "index.html"), "the previous report");

  // A store of a later schema version (as a newer hardnets would write it).
  { Store store(dir.path() / "future.db"); }
  ASSERT_EQ(std::system(("sqlite3 " + (dir.path() / "future.db").string() +
                         " \"UPDATE meta SET value = '9' WHERE key = 'schema_version'\"")
                            .c_str()),
            0);
  EXPECT_CONTAINS(testing::user_error([&] { write_report(dir.path() / "future.db", out); }),
                  "schema version 9");
  EXPECT_EQ(read_file(out / "index.html"), "the previous report");
}

TEST(Report, OnlyFailedRunsAreCountedNotDrawn) {
  TempDir dir("report-failed");
  {
    Store store(dir.path() / "failed.db");
    int i = 0;
    for (const Outcome status : {Outcome::time_limit, Outcome::time_limit, Outcome::diverged}) {
      RunRecord r;
      r.problem = "teacher";
      r.learner = "sgd";
      r.seed = ++i;
      r.n_train = 10;
      r.n_test = 10;
      r.status = status;
      r.message = "test";
      r.config = {{"problem", "teacher"},
                  {"problem_params", {{"d", 4}}},
                  {"learner", "sgd"},
                  {"learner_params", Json::object()},
                  {"seed", i},
                  {"n_train", 10},
                  {"n_test", 10},
                  {"threads", 1},
                  {"sweep", "broken"}};
      r.run_id = run_id_for(r.config);
      store.append(r);
    }
  }
  write_report(dir.path() / "failed.db", dir.path() / "out");
  const std::string html = read_file(dir.path() / "out" / "index.html");
  EXPECT_NE(html.find("3 of 3 runs not ok (2 timeout, 1 diverged)"), std::string::npos) << html;
  EXPECT_TRUE(image_sources(html).empty());
  const std::string summary = read_file(dir.path() / "out" / "tables" / "summary-broken.csv");
  EXPECT_NE(summary.find("2 timeout; 1 diverged"), std::string::npos) << summary;
}

// A figure's `include = ["ok", "time_limit"]` counts the judged runs that
// stopped at their time limit, and its caption says how many; without it
// they are left out and counted as not ok.
TEST(Report, IncludeCountsTimeLimitedRunsWithAModelAndSaysSo) {
  TempDir dir("report-include");
  {
    Store store(dir.path() / "runs.db");
    int i = 0;
    for (const Outcome status :
         {Outcome::ok, Outcome::time_limit, Outcome::ok, Outcome::time_limit}) {
      RunRecord r;
      r.problem = "teacher";
      r.learner = "sgd";
      r.seed = ++i;
      r.n_train = i <= 2 ? 10 : 20;
      r.n_test = 10;
      r.status = status;
      r.message = "test";
      r.metrics = {{"nmse", 0.5}};
      r.config = {{"problem", "teacher"},
                  {"problem_params", {{"d", 4}}},
                  {"learner", "sgd"},
                  {"learner_params", Json::object()},
                  {"seed", i},
                  {"n_train", r.n_train},
                  {"n_test", 10},
                  {"threads", 1},
                  {"sweep", "limited"}};
      r.run_id = run_id_for(r.config);
      store.append(r);
    }
    store.put_meta("report:limited", R"({"figures": [
      {"kind": "line", "x": "n_train", "metric": "nmse", "include": ["ok", "time_limit"]},
      {"kind": "line", "x": "n_train", "metric": "nmse", "name": "plain"}]})");
  }
  write_report(dir.path() / "runs.db", dir.path() / "out");
  const std::string html = read_file(dir.path() / "out" / "index.html");
  EXPECT_NE(html.find("2 runs stopped at their time or iteration limit are included"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("2 of 4 runs not ok (2 timeout) — excluded from the statistics"),
            std::string::npos);
}

// The CSV field `column` of the first row of `csv` whose learner is `learner`.
std::string csv_field(const std::string& csv, const std::string& learner,
                      const std::string& column) {
  std::istringstream in(csv);
  std::string line;
  std::vector<std::string> head;
  auto split = [](const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    for (std::string cell; std::getline(ss, cell, ',');) out.push_back(cell);
    return out;
  };
  std::getline(in, line);
  head = split(line);
  const auto col = std::find(head.begin(), head.end(), column) - head.begin();
  while (std::getline(in, line)) {
    const auto cells = split(line);
    if (cells.size() > 1 && cells[1] == learner && col < static_cast<long>(cells.size()))
      return cells[static_cast<std::size_t>(col)];
  }
  return "<missing>";
}

// The report recombines stored distinguishing trials into the experiment
// `hardnets distinguish` scored: the same threshold, rates and interval (the
// interval to 1e-6, as the script's normal quantile has 7 digits).
TEST(Report, DistinguishingExperimentsScoreAsTheCliDoes) {
  TempDir dir("report-distinguish");
  const std::string db = (dir.path() / "d.db").string();
  Json cli;
  for (const char* learner : {"mean", "ridge"}) {
    const auto r =
        run_cli(std::string("distinguish teacher ") + learner +
                " -p d=4 -p sigma=0.1 --trials 5 --calibration 4 --alpha 0.2 --n-train 100 "
                "--n-test 100 --json --db " +
                db);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    cli[learner] = Json::parse(r.output)["metrics"];
  }
  std::ofstream(dir.path() / "s.toml") << R"(
[sweep]
name = "dist"
n_train = 60
n_test = 60
distinguish = { trials = 2 }
[[problems]]
name = "teacher"
params = { d = [3, 4] }
[[learners]]
name = "mean"
[report]
figures = [{ kind = "advantage", x = "d", name = "adv" }]
)";
  const auto sweep = run_cli("sweep " + (dir.path() / "s.toml").string() + " --db " + db);
  ASSERT_EQ(sweep.exit_code, 0) << sweep.output;
  write_report(db, dir.path() / "out");
  const std::string csv = read_file(dir.path() / "out" / "tables" / "distinguish-no-sweep.csv");
  for (const char* learner : {"mean", "ridge"}) {
    const Json& m = cli[learner];
    for (const char* exact : {"advantage", "true_positive_rate", "false_positive_rate", "threshold",
                              "trials", "calibration"}) {
      EXPECT_DOUBLE_EQ(std::stod(csv_field(csv, learner, exact)), m[exact].get<double>())
          << learner << " " << exact;
    }
    for (const char* bound : {"advantage_low", "advantage_high"}) {
      EXPECT_NEAR(std::stod(csv_field(csv, learner, bound)), m[bound].get<double>(), 1e-6)
          << learner << " " << bound;
    }
    EXPECT_EQ(csv_field(csv, learner, "fits"), "14.0");  // 2 T + C
  }
  EXPECT_TRUE(fs::exists(dir.path() / "out" / "figures" / "dist" / "adv.png"));
  const std::string html = read_file(dir.path() / "out" / "index.html");
  EXPECT_CONTAINS(html, "Distinguishing experiments");
  // The sweep's two points: one experiment each, 19 + 2 * 2 fits.
  const std::string sweep_csv = read_file(dir.path() / "out" / "tables" / "distinguish-dist.csv");
  EXPECT_EQ(std::count(sweep_csv.begin(), sweep_csv.end(), '\n'), 3) << sweep_csv;
  EXPECT_EQ(csv_field(sweep_csv, "mean", "fits"), "23.0");
}

TEST(Report, BadInputIsAUserError) {
  TempDir dir("report-bad");
  try {
    write_report(dir.path() / "missing.db", dir.path() / "out");
    FAIL() << "a missing database was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("no such database file"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("missing.db"), std::string::npos) << e.what();
  }
  std::ofstream(dir.path() / "notes.db") << "not a database at all, just text\n";
  try {
    write_report(dir.path() / "notes.db", dir.path() / "out");
    FAIL() << "a text file was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("not a hardnets results database"), std::string::npos)
        << e.what();
  }
  // The CLI's exit status for a UserError is 2, as is the script's own.
  const std::string python = "/usr/bin/python3";
  if (fs::exists(python)) {
    fs::path script = dir.path() / "report.py";
    std::ofstream(script) << report_script();
    const int status = std::system((python + " " + script.string() + " --db " +
                                    (dir.path() / "missing.db").string() + " --out " +
                                    (dir.path() / "o").string() + " 2>/dev/null")
                                       .c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status;
  }
}

TEST(Report, MissingPythonNamesTheDebianPackage) {
  TempDir dir("report-nopython");
  setenv("HARDNETS_PYTHON", "/nonexistent/python3", 1);
  try {
    write_report(dir.path() / "x.db", dir.path() / "out");
    ADD_FAILURE() << "ran without a Python";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("python3-matplotlib"), std::string::npos) << e.what();
  }
  unsetenv("HARDNETS_PYTHON");
}

}  // namespace
}  // namespace hardnets
