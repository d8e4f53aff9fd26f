#include "hardnets/lab/report.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hardnets/core/error.h"
#include "hardnets/lab/challenge.h"
#include "hardnets/lab/papers.h"
#include "hardnets/lab/report_script.h"
#include "hardnets/lab/store.h"
#include "hardnets/learners/learner.h"
#include "hardnets/problems/problem.h"

namespace hardnets {
namespace {

constexpr const char* kDefaultPython = "/usr/bin/python3";
constexpr const char* kInstallHint =
    "install Debian's Python and matplotlib: apt-get install python3 python3-matplotlib";

// A private temporary folder for the script, removed on every way out. A
// folder of its own (rather than a file in /tmp) keeps Python from importing
// whatever else lies next to the script, as the script's folder is first on
// sys.path.
class ScriptDir {
 public:
  ScriptDir() {
    std::string templ =
        (std::filesystem::temp_directory_path() / "hardnets-report-XXXXXX").string();
    if (!mkdtemp(templ.data())) {
      fail("report: cannot create a temporary folder in {}: {}",
           std::filesystem::temp_directory_path().string(), std::strerror(errno));
    }
    path_ = templ;
  }
  ~ScriptDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScriptDir(const ScriptDir&) = delete;
  ScriptDir& operator=(const ScriptDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

struct ChildResult {
  int wait_status = 0;
  std::string err;  // the child's stderr
};

// Runs argv[0] with the arguments; stdout is inherited (the script's progress
// lines reach the user), stderr is captured for the error message. fork+exec
// rather than a shell, so paths need no quoting.
ChildResult run_child(const std::vector<std::string>& args) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0)
    fail("report: cannot create a pipe: {}", std::strerror(errno));
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::cout.flush();
  std::fflush(stdout);

  const pid_t pid = fork();
  if (pid < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    fail("report: cannot start {}: {}", args[0], std::strerror(errno));
  }
  if (pid == 0) {
    dup2(pipe_fds[1], STDERR_FILENO);
    // Matplotlib must not look for a display.
    setenv("MPLBACKEND", "Agg", 1);
    execv(argv[0], argv.data());
    const std::string msg =
        std::string("cannot run ") + args[0] + ": " + std::strerror(errno) + "\n";
    [[maybe_unused]] auto n = write(STDERR_FILENO, msg.data(), msg.size());
    _exit(127);
  }
  close(pipe_fds[1]);
  ChildResult result;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n > 0) {
      result.err.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(pipe_fds[0]);
  while (waitpid(pid, &result.wait_status, 0) < 0 && errno == EINTR) {
  }
  return result;
}

}  // namespace

std::string_view report_script() {
  return generated::kReportScript;
}

namespace {

std::string report_python() {
  const char* env_python = std::getenv("HARDNETS_PYTHON");
  return env_python && *env_python ? env_python : kDefaultPython;
}

// Writes the embedded script into `dir` and runs it with `args`.
ChildResult run_report_script(const std::string& python, const ScriptDir& dir,
                              const std::vector<std::string>& args) {
  const std::filesystem::path script = dir.path() / "report.py";
  {
    std::ofstream out(script, std::ios::binary);
    out << report_script();
    if (!out.flush()) fail("report: cannot write {}", script.string());
  }
  std::vector<std::string> argv{python, script.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_child(argv);
}

}  // namespace

std::vector<std::string> report_spec_errors(const Json& report) {
  const std::string python = report_python();
  if (access(python.c_str(), X_OK) != 0) return {};  // `report` will say what is missing
  const ScriptDir dir;
  const std::filesystem::path spec = dir.path() / "report-spec.json";
  {
    std::ofstream out(spec);
    out << report.dump();
    if (!out.flush()) fail("report: cannot write {}", spec.string());
  }
  const ChildResult child = run_report_script(python, dir, {"--check-spec", spec.string()});
  std::vector<std::string> errors;
  if (!WIFEXITED(child.wait_status) || WEXITSTATUS(child.wait_status) != 1) return errors;
  std::string line;
  for (std::istringstream in(child.err); std::getline(in, line);) {
    if (!line.empty()) errors.push_back(line);
  }
  return errors;
}

namespace {

// The challenge scoreboard, before the script, so that the index links to
// it. A database the store cannot open is left to the script, whose message
// names the problem for every kind of bad input alike.
void write_scoreboard(const std::filesystem::path& db, const std::filesystem::path& out_dir) {
  if (!std::filesystem::exists(db)) return;
  std::vector<ScoreboardRow> rows;
  try {
    rows = challenge_scoreboard(db);
  } catch (const UserError&) {
    return;
  }
  std::error_code ec;
  if (rows.empty()) {
    std::filesystem::remove(out_dir / "scoreboard.html", ec);  // a previous report's
    return;
  }
  std::filesystem::create_directories(out_dir, ec);
  std::ofstream(out_dir / "scoreboard.html") << scoreboard_html(rows);
}

// Every problem's and learner's declared defaults, written for the script
// (--defaults): a caption lists only the fixed parameters that differ; and
// the papers (lab/papers.h) for the report's page per paper.
std::filesystem::path write_defaults(const ScriptDir& dir) {
  Json problems = Json::object(), learners = Json::object(), references = Json::object();
  for (const std::string& name : problem_registry().names()) {
    const ParamSpec& spec = problem_registry().get(name).spec();
    problems[name] = spec.defaults().to_json();
    references[name] = citations_json(spec.references());
  }
  for (const std::string& name : learner_registry().names()) {
    const ParamSpec& spec = learner_registry().get(name).spec();
    learners[name] = spec.defaults().to_json();
    references[name] = citations_json(spec.references());
  }
  const std::filesystem::path file = dir.path() / "defaults.json";
  std::ofstream out(file);
  out << Json{{"problem", problems},
              {"learner", learners},
              {"references", references},
              {"papers", papers_json()},
              {"schema_versions", readable_schema_versions()}}
             .dump();
  if (!out.flush()) fail("report: cannot write {}", file.string());
  return file;
}

}  // namespace

namespace {

// Runs the script on `db`, writing the report into `dir`; UserError with the
// script's message when it fails.
void run_report(const std::string& python, const std::filesystem::path& db,
                const std::filesystem::path& dir) {
  write_scoreboard(db, dir);
  const ScriptDir script_dir;
  const ChildResult child = run_report_script(python, script_dir,
                                              {"--db", db.string(), "--out", dir.string(),
                                               "--defaults", write_defaults(script_dir).string()});
  const std::string err = trim(child.err);
  if (WIFEXITED(child.wait_status) && WEXITSTATUS(child.wait_status) == 0) {
    if (!err.empty()) std::cerr << err << "\n";  // warnings from the script or matplotlib
    return;
  }
  if (WIFSIGNALED(child.wait_status)) {
    fail("report: {} was killed by signal {} ({}){}{}", python, WTERMSIG(child.wait_status),
         strsignal(WTERMSIG(child.wait_status)), err.empty() ? "" : ":\n", err);
  }
  const int code = WEXITSTATUS(child.wait_status);
  if (code == 127 && err.rfind("cannot run", 0) == 0) fail("report: {}; {}", err, kInstallHint);
  if (err.empty()) fail("report: the report script failed with exit status {}", code);
  // The script's own messages already start with "report:".
  throw UserError(err.rfind("report:", 0) == 0 ? err : "report: " + err);
}

// Moves every entry of `from` into `to`, replacing entries of the same name.
void move_entries(const std::filesystem::path& from, const std::filesystem::path& to) {
  namespace fs = std::filesystem;
  fs::create_directories(to);
  for (const fs::directory_entry& e : fs::directory_iterator(from)) {
    const fs::path target = to / e.path().filename();
    fs::remove_all(target);
    fs::rename(e.path(), target);
  }
}

}  // namespace

void write_report(const std::filesystem::path& db, const std::filesystem::path& out_dir) {
  namespace fs = std::filesystem;
  const std::string python = report_python();
  if (access(python.c_str(), X_OK) != 0) {
    fail("report: needs Python 3 with matplotlib, but {} {}; {}", python,
         errno == ENOENT ? "does not exist" : "cannot be run", kInstallHint);
  }
  if (fs::exists(out_dir) && !fs::is_directory(out_dir))
    fail("report: --out {} exists and is not a folder", out_dir.string());
  // The report is written into a fresh folder beside out_dir and moved into
  // it only when complete: a report that fails leaves out_dir as it was,
  // never half-written.
  const fs::path parent = fs::absolute(out_dir).parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  const fs::path staging =
      parent / fmt::format(".{}.partial-{}", fs::absolute(out_dir).filename().string(), getpid());
  fs::remove_all(staging, ec);
  if (!fs::create_directory(staging, ec))
    fail("report: cannot create a folder beside {}: {}", out_dir.string(), ec.message());
  try {
    run_report(python, db, staging);
    move_entries(staging, out_dir);
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
  fs::remove_all(staging, ec);
}

}  // namespace hardnets
