#include "hardnets/lab/sweep.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <list>
#include <map>
#include <new>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "hardnets/core/error.h"
#include "hardnets/core/resources.h"
#include "hardnets/lab/instance_cache.h"

namespace hardnets {
namespace {

using Clock = std::chrono::steady_clock;

// The hard wall-time limit: the learner gets the budget as its own soft
// limit (so it can stop and report); past this margin it is killed.
double hard_limit_seconds(double budget) {
  return budget * 1.25 + 1.0;
}

struct Child {
  pid_t pid = -1;
  int fd = -1;
  std::size_t index = 0;
  Clock::time_point start;
  std::string output;
};

void write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

RunRecord failed_record(const PlannedRun& run, Outcome status, const std::string& message,
                        double seconds, double peak_mb) {
  RunRecord r;
  r.run_id = run.run_id;
  r.problem = run.instance.problem->name();
  r.learner = run.learner->name();
  r.seed = static_cast<std::int64_t>(run.instance.seed);
  r.n_train = run.instance.sizes.n_train;
  r.n_test = run.instance.sizes.n_test;
  r.config = run.config;
  r.status = status;
  r.message = message;
  r.seconds = seconds;
  r.peak_mb = peak_mb;
  r.metrics[metric::kSeconds] = seconds;
  r.metrics[metric::kPeakMb] = peak_mb;
  return r;
}

// Which run to start next so that each instance is generated once: a run
// whose instance is ready (stored in the cache, or its generator finished
// without storing it) first; else the first run of an instance nobody
// generates yet, which then generates and stores it. Runs whose instance is
// being generated wait for it. In a sweep's order, each instance's first run
// generates it, whatever the number of jobs.
class InstanceSchedule {
 public:
  // `share` false: every run generates its own instance, in plan order.
  InstanceSchedule(const SweepPlan& plan, const std::vector<std::size_t>& indices, bool share,
                   const InstanceCache& cache)
      : share_(share), cache_(cache), waiting_(indices.begin(), indices.end()) {
    for (std::size_t i : indices) {
      const std::string& key =
          key_.emplace(i, InstanceCache::key_of(plan.runs[i].config)).first->second;
      state_.emplace(key, State::kUnstarted);
      ++remaining_[key];
    }
  }
  bool empty() const { return waiting_.empty(); }
  // Runs wait for an instance being generated (the caller polls sooner).
  bool blocked() const { return blocked_; }

  struct Start {
    std::size_t index;  // into the plan
    bool share;         // it generates an instance that other runs will load
  };
  // The run to start now, removed from the waiting list; none when every
  // waiting run waits for an instance being generated.
  std::optional<Start> next() {
    if (!share_ && !waiting_.empty()) {
      const std::size_t index = waiting_.front();
      waiting_.pop_front();
      return Start{index, false};
    }
    auto pick = waiting_.end();
    blocked_ = false;
    for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
      const std::string& key = key_.at(*it);
      State& state = state_.at(key);
      // Ready as soon as its generator has stored it, before its fit ends.
      if (state == State::kGenerating && cache_.contains(key)) state = State::kReady;
      blocked_ = blocked_ || state == State::kGenerating;
      if (state == State::kReady) {
        pick = it;
        break;
      }
      if (state == State::kUnstarted && pick == waiting_.end()) pick = it;
    }
    if (pick == waiting_.end()) return std::nullopt;
    const std::size_t index = *pick;
    waiting_.erase(pick);
    const std::string& key = key_.at(index);
    State& state = state_.at(key);
    // An instance no other run needs is not written to the cache at all.
    if (state != State::kUnstarted || remaining_.at(key) == 1) return Start{index, false};
    state = State::kGenerating;
    generator_[key] = index;
    return Start{index, true};
  }

  // Records that a run finished; returns its instance's key when no other
  // run needs that instance any more (the caller removes it from the cache).
  std::optional<std::string> finished(std::size_t index) {
    const std::string& key = key_.at(index);
    if (state_.at(key) == State::kGenerating && generator_.at(key) == index) {
      state_.at(key) = State::kReady;
    }
    if (--remaining_.at(key) == 0) return key;
    return std::nullopt;
  }

 private:
  enum class State { kUnstarted, kGenerating, kReady };
  bool share_;
  const InstanceCache& cache_;
  bool blocked_ = false;  // the last next() left runs waiting for a generation
  std::list<std::size_t> waiting_;
  std::map<std::size_t, std::string> key_;  // plan index -> instance key
  std::map<std::string, State> state_;
  std::map<std::string, std::size_t> remaining_;  // runs not finished yet
  std::map<std::string, std::size_t> generator_;
};

// The sweep's instance cache: a fresh folder under the temporary directory,
// removed with everything in it when the sweep ends (or throws).
class TemporaryCache {
 public:
  TemporaryCache()
      : dir_((remove_orphans(), base()) /
             fmt::format("{}{}-{}", kPrefix, static_cast<long>(::getpid()), counter()++)),
        cache_(dir_) {}
  ~TemporaryCache() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  TemporaryCache(const TemporaryCache&) = delete;
  TemporaryCache& operator=(const TemporaryCache&) = delete;
  const InstanceCache& cache() const { return cache_; }

 private:
  // $TMPDIR when set; else /dev/shm, a memory file system on Linux, where
  // storing and loading an instance cost a copy instead of a disk write.
  static std::filesystem::path base() {
    if (std::getenv("TMPDIR") == nullptr && ::access("/dev/shm", W_OK | X_OK) == 0) {
      return "/dev/shm";
    }
    return std::filesystem::temp_directory_path();
  }
  static constexpr std::string_view kPrefix = "hardnets-instances-";
  // The caches of sweeps killed before they could remove theirs (kill -9):
  // folders whose process no longer exists. In /dev/shm they would hold
  // memory until the next reboot.
  static void remove_orphans() {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(base(), error)) {
      const std::string name = entry.path().filename().string();
      if (!name.starts_with(kPrefix)) continue;
      const long pid = std::strtol(name.c_str() + kPrefix.size(), nullptr, 10);
      if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
        std::filesystem::remove_all(entry.path(), error);
      }
    }
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path dir_;
  InstanceCache cache_;
};

[[noreturn]] void child_main(const PlannedRun& run, int fd, const InstanceCache* cache,
                             bool share) {
  // Die with the parent: a killed sweep leaves no orphans writing nothing.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (run.budget.memory_mb > 0) {
    const auto bytes = static_cast<rlim_t>(run.budget.memory_mb * 1024.0 * 1024.0);
    rlimit limit{bytes, bytes};
    setrlimit(RLIMIT_AS, &limit);
  }
  // The record crosses the pipe losslessly: ±inf and NaN stay what they are.
  const auto lossless = [](const RunRecord& record) {
    return to_json(record, NumberForm::lossless).dump();
  };
  std::string text;
  try {
    text = lossless(execute_planned_run(run, cache, share));
  } catch (const std::bad_alloc&) {
    text = lossless(failed_record(run, Outcome::oom, "out of memory (budget memory_mb exceeded)", 0,
                                  peak_rss_mb()));
  } catch (const std::exception& e) {
    text = lossless(failed_record(run, Outcome::error, e.what(), 0, peak_rss_mb()));
  }
  write_all(fd, text);
  ::close(fd);
  std::fflush(nullptr);
  _exit(0);
}

class ProgressLine {
 public:
  ProgressLine(bool enabled, std::size_t total)
      : enabled_(enabled), total_(total), start_(Clock::now()) {}
  void update(std::size_t done, std::size_t failed, bool final = false) {
    if (!enabled_) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const double eta =
        done > 0 ? elapsed / static_cast<double>(done) * static_cast<double>(total_ - done) : 0;
    std::fprintf(stderr, "\r  %zu/%zu runs, %zu failed, %.0fs elapsed, ETA %.0fs   %s", done,
                 total_, failed, elapsed, eta, final ? "\n" : "");
    std::fflush(stderr);
  }

 private:
  bool enabled_;
  std::size_t total_;
  Clock::time_point start_;
};

}  // namespace

std::vector<std::size_t> pending_runs(const SweepPlan& plan, const Store& store) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    if (!store.contains(plan.runs[i].run_id)) out.push_back(i);
  }
  return out;
}

RunRecord execute_planned_run(const PlannedRun& run, const InstanceCache* cache, bool share) {
  try {
    return make_record(execute_run(run, cache, share));
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    return failed_record(run, Outcome::error, e.what(), 0, peak_rss_mb());
  }
}

SweepSummary execute_sweep(const SweepPlan& plan, const std::vector<std::size_t>& indices,
                           Store& store, const SweepOptions& options) {
  SweepSummary summary;
  const auto sweep_start = Clock::now();
  ProgressLine progress(options.progress, indices.size());
  std::vector<Child> running;
  const TemporaryCache instances;
  InstanceSchedule schedule(plan, indices, options.share_instances, instances.cache());
  const int jobs = std::max(1, options.jobs);

  auto finish = [&](Child& child, int wait_status, const rusage& usage, bool timed_out) {
    const PlannedRun& run = plan.runs[child.index];
    const double seconds = std::chrono::duration<double>(Clock::now() - child.start).count();
    const double peak_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
    RunRecord record;
    if (timed_out) {
      record = failed_record(
          run, Outcome::time_limit,
          fmt::format("killed after {:.1f} s (budget {} s)", seconds, run.budget.seconds), seconds,
          peak_mb);
    } else if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0 && !child.output.empty()) {
      try {
        record = run_record_from_json(Json::parse(child.output));
      } catch (const std::exception& e) {
        record = failed_record(run, Outcome::error, std::string("unreadable result: ") + e.what(),
                               seconds, peak_mb);
      }
    } else if (WIFSIGNALED(wait_status)) {
      const int sig = WTERMSIG(wait_status);
      const bool near_limit = run.budget.memory_mb > 0 && peak_mb >= 0.8 * run.budget.memory_mb;
      record = failed_record(run, near_limit ? Outcome::oom : Outcome::error,
                             fmt::format("run killed by signal {} ({})", sig, strsignal(sig)),
                             seconds, peak_mb);
    } else {
      record = failed_record(run, Outcome::error, "run exited without a result", seconds, peak_mb);
    }
    store.append(record);
    ++summary.executed;
    if (record.status != Outcome::ok) ++summary.failed;
    progress.update(summary.executed, summary.failed);
  };

  while (!schedule.empty() || !running.empty()) {
    while (static_cast<int>(running.size()) < jobs) {
      const auto start = schedule.next();
      if (!start) break;
      int fds[2];
      if (pipe(fds) != 0) fail("sweep: cannot create a pipe: {}", std::strerror(errno));
      std::fflush(nullptr);
      const pid_t pid = fork();
      if (pid < 0) fail("sweep: cannot fork a worker: {}", std::strerror(errno));
      if (pid == 0) {
        ::close(fds[0]);
        for (const Child& c : running) ::close(c.fd);
        child_main(plan.runs[start->index], fds[1],
                   options.share_instances ? &instances.cache() : nullptr, start->share);
      }
      ::close(fds[1]);
      running.push_back({pid, fds[0], start->index, Clock::now(), {}});
    }

    // Wait for output or the nearest deadline.
    std::vector<pollfd> fds;
    // Runs waiting for an instance being generated look again soon.
    double wait_ms = schedule.blocked() ? 20 : 1000;
    for (const Child& c : running) {
      fds.push_back({c.fd, POLLIN, 0});
      const double budget = plan.runs[c.index].budget.seconds;
      if (std::isfinite(budget)) {
        const double left = hard_limit_seconds(budget) -
                            std::chrono::duration<double>(Clock::now() - c.start).count();
        wait_ms = std::min(wait_ms, std::max(0.0, left * 1000.0));
      }
    }
    const int ready = poll(fds.data(), fds.size(), static_cast<int>(std::ceil(wait_ms)));
    if (ready < 0 && errno != EINTR) fail("sweep: poll failed: {}", std::strerror(errno));

    for (std::size_t k = running.size(); k-- > 0;) {
      Child& c = running[k];
      bool done = false, timed_out = false;
      if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) {
        char buffer[65536];
        const ssize_t n = ::read(c.fd, buffer, sizeof buffer);
        if (n > 0) {
          c.output.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
          done = true;
        }
      }
      const double budget = plan.runs[c.index].budget.seconds;
      if (!done && std::isfinite(budget) &&
          std::chrono::duration<double>(Clock::now() - c.start).count() >
              hard_limit_seconds(budget)) {
        ::kill(c.pid, SIGKILL);
        done = timed_out = true;
      }
      if (!done) continue;
      int status = 0;
      rusage usage{};
      while (wait4(c.pid, &status, 0, &usage) < 0 && errno == EINTR) {
      }
      ::close(c.fd);
      finish(c, status, usage, timed_out);
      if (const auto unused = schedule.finished(c.index)) instances.cache().remove(*unused);
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
    }
  }
  progress.update(summary.executed, summary.failed, true);
  summary.seconds = std::chrono::duration<double>(Clock::now() - sweep_start).count();
  return summary;
}

}  // namespace hardnets
