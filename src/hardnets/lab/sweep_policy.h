// Running a sweep against a results database: the policy around
// execute_sweep that `hardnets sweep` and the Python `hardnets.sweep` share.
//
// The plan's [report] section is checked first (before anything is paid
// for); the spec and its [report] section are written to the store's
// metadata (what `hardnets report` draws from); every rank reads which runs
// the store already holds before any rank writes; a store that holds some of
// the plan's runs is refused unless `resume` (then exactly the missing runs
// are run); the pending runs are dealt among MPI ranks (the k-th pending run
// to rank k mod ranks), each rank runs its share with a pool of child
// processes, and the ranks' counts are summed. Results do not depend on jobs
// or ranks (each run is a pure function of its configuration).
//
// With a shard (lab/shard.h) the plan is cut down to that shard's runs
// first, and everything above applies to them; shards and MPI ranks do not
// combine. The store records the whole plan's identity under "plan:NAME"
// (plan_identity), whichever shard ran into it, so `hardnets merge` can tell
// stores of one spec from stores of another.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "hardnets/lab/mpi.h"
#include "hardnets/lab/shard.h"
#include "hardnets/lab/store.h"
#include "hardnets/lab/sweep.h"
#include "hardnets/lab/sweep_spec.h"

namespace hardnets {

struct SweepRunOptions {
  int jobs = 0;                 // child processes per rank; 0: the cores divided among the ranks
  bool resume = false;          // finish a sweep of which the store holds some runs
  bool share_instances = true;  // runs of one instance share its generation
  bool progress = false;        // a progress line on stderr (rank 0)
  std::optional<ShardChoice> shard;  // run only this part of the plan
};

struct SweepRunSummary {
  std::size_t planned = 0;   // runs in the plan (in the shard, with one)
  std::size_t stored = 0;    // already in the store when it started
  std::size_t pending = 0;   // to run (all ranks)
  int jobs = 1;              // child processes per rank
  int ranks = 1;             // MPI ranks
  std::size_t executed = 0;  // run (all ranks)
  std::size_t failed = 0;    // of those, with a status other than ok
  double seconds = 0;        // this rank's wall time running
};

// The meta key under which a store records a sweep's plan identity, and
// that identity: {"runs": N, "sha256": digest of the plan's run ids, sorted,
// one a line}. Two plans with the same identity plan the same runs.
std::string plan_meta_key(const std::string& sweep_name);
std::string plan_identity(const SweepPlan& plan);

// UserError listing the plan's [report] section's errors (report.py's own
// check); nothing when it is empty or right.
void check_report_section(const SweepPlan& plan);

// Runs `plan` into `store` as described above. `mpi` (nullptr: one process)
// gives the rank and the collectives; `on_start` is called once on rank 0
// with the counts known before running (planned, stored, pending, jobs,
// ranks), e.g. to print them. UserError when the store holds some of the
// runs and `resume` is false, when jobs < 0, or for a shard with MPI ranks.
SweepRunSummary run_sweep(const SweepPlan& plan, Store& store, const SweepRunOptions& options,
                          const MpiContext* mpi = nullptr,
                          const std::function<void(const SweepRunSummary&)>& on_start = {});

}  // namespace hardnets
