#include "hardnets/lab/sweep_policy.h"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "hardnets/core/error.h"
#include "hardnets/core/sha256.h"
#include "hardnets/lab/report.h"

namespace hardnets {

std::string plan_meta_key(const std::string& sweep_name) {
  return "plan:" + sweep_name;
}

std::string plan_identity(const SweepPlan& plan) {
  std::vector<std::string> ids;
  for (const PlannedRun& run : plan.runs) ids.push_back(run.run_id);
  std::sort(ids.begin(), ids.end());
  std::string lines;
  for (const std::string& id : ids) lines += id + "\n";
  return Json{{"runs", ids.size()}, {"sha256", sha256_hex(lines)}}.dump();
}

void check_report_section(const SweepPlan& plan) {
  if (plan.report.empty()) return;
  std::string errors;
  for (const std::string& e : report_spec_errors(plan.report)) errors += "\n  " + e;
  if (!errors.empty()) fail("{}: the [report] section has errors:{}", plan.source, errors);
}

namespace {

// The k-th pending run goes to rank k mod ranks: an even share whatever the
// order of the plan, and every rank can compute its own without talking.
std::vector<std::size_t> share_of_rank(const std::vector<std::size_t>& pending, int rank,
                                       int ranks) {
  std::vector<std::size_t> mine;
  for (std::size_t k = 0; k < pending.size(); ++k) {
    if (static_cast<int>(k % static_cast<std::size_t>(ranks)) == rank) mine.push_back(pending[k]);
  }
  return mine;
}

}  // namespace

SweepRunSummary run_sweep(const SweepPlan& plan, Store& store, const SweepRunOptions& options,
                          const MpiContext* mpi,
                          const std::function<void(const SweepRunSummary&)>& on_start) {
  check_report_section(plan);
  if (options.jobs < 0) fail("--jobs must be at least 1, got {}", options.jobs);
  const int rank = mpi ? mpi->rank : 0;
  const int ranks = mpi ? mpi->size : 1;
  if (options.shard && ranks > 1) {
    fail(
        "--shard {} cannot be combined with {} MPI ranks: run the shards as separate jobs, or "
        "all of the sweep on the ranks",
        options.shard->text(), ranks);
  }
  std::vector<std::size_t> chosen;
  if (options.shard) {
    chosen = shard_runs(plan, *options.shard).runs;
  } else {
    chosen.resize(plan.runs.size());
    for (std::size_t i = 0; i < chosen.size(); ++i) chosen[i] = i;
  }
  std::vector<std::size_t> pending;
  for (std::size_t i : chosen) {
    if (!store.contains(plan.runs[i].run_id)) pending.push_back(i);
  }
  // The spec's [report] section travels with the results for `hardnets report`;
  // the plan's identity lets `hardnets merge` check that stores are of one spec.
  if (rank == 0) {
    store.put_meta("report:" + plan.name, plan.report.dump());
    store.put_meta("spec:" + plan.name, plan.source);
    store.put_meta(plan_meta_key(plan.name), plan_identity(plan));
  }
  SweepRunSummary summary;
  summary.planned = chosen.size();
  summary.pending = pending.size();
  summary.stored = chosen.size() - pending.size();
  summary.ranks = ranks;
  // Every rank has read the store before any rank writes to it.
  if (mpi) mpi->barrier();
  if (summary.stored > 0 && !options.resume) {
    fail("sweep: '{}' already holds {} of the {} runs of sweep '{}'{}; pass --resume to finish it",
         store.path().string(), summary.stored, summary.planned, plan.name,
         options.shard ? " shard " + options.shard->text() : "");
  }
  SweepOptions pool;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  pool.jobs = options.jobs > 0 ? options.jobs : std::max(1, cores / ranks);
  pool.progress = rank == 0 && options.progress;
  pool.share_instances = options.share_instances;
  summary.jobs = pool.jobs;
  if (rank == 0 && on_start) on_start(summary);
  const SweepSummary done = execute_sweep(plan, share_of_rank(pending, rank, ranks), store, pool);
  summary.executed = mpi ? mpi->sum(done.executed) : done.executed;
  summary.failed = mpi ? mpi->sum(done.failed) : done.failed;
  summary.seconds = done.seconds;
  return summary;
}

}  // namespace hardnets
