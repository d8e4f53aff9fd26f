#include "hardnets/lab/sweep_policy.h"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "hardnets/core/error.h"
#include "hardnets/lab/report.h"

namespace hardnets {

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
  const std::vector<std::size_t> pending = pending_runs(plan, store);
  // The spec's [report] section travels with the results for `hardnets report`.
  if (rank == 0) {
    store.put_meta("report:" + plan.name, plan.report.dump());
    store.put_meta("spec:" + plan.name, plan.source);
  }
  SweepRunSummary summary;
  summary.planned = plan.runs.size();
  summary.pending = pending.size();
  summary.stored = plan.runs.size() - pending.size();
  summary.ranks = ranks;
  // Every rank has read the store before any rank writes to it.
  if (mpi) mpi->barrier();
  if (summary.stored > 0 && !options.resume) {
    fail("sweep: '{}' already holds {} of the {} runs of sweep '{}'; pass --resume to finish it",
         store.path().string(), summary.stored, summary.planned, plan.name);
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
