// Executing a sweep: every planned run in its own child process.
//
// A worker pool of `jobs` child processes (fork per run) keeps budgets
// enforceable and failures contained: the child gets an address-space limit
// (the memory budget) and is killed when it passes its wall-time budget; a
// crash, an out-of-memory error or a timeout is stored as that run's status
// (`error`, `oom`, `timeout`) and the sweep goes on. The parent is the only
// writer of its rank's results: each finished run is appended to the store
// in one transaction, so a sweep killed at any moment leaves complete rows
// only, and `--resume` re-runs exactly the runs that are missing.
//
// Results never depend on `jobs` (or MPI ranks): each run is a pure function
// of its configuration. Runs that share an instance (problem point, seed,
// sizes) share its generation: the first of them generates it into the
// sweep's temporary instance cache and the others load it (the others are
// started only once it is there); the file is deleted when the last of them
// has finished. The cache lives in $TMPDIR when that is set, else in
// /dev/shm (memory: writing and reading cost a copy), else in /tmp.
#pragma once

#include <cstddef>
#include <filesystem>
#include <vector>

#include "hardnets/lab/store.h"
#include "hardnets/lab/sweep_spec.h"

namespace hardnets {

struct SweepOptions {
  int jobs = 1;                 // concurrent child processes
  bool progress = false;        // draw a progress line on stderr
  bool share_instances = true;  // runs of one instance share its generation (see above)
};

struct SweepSummary {
  std::size_t executed = 0;  // run by this process
  std::size_t failed = 0;    // executed with a status other than ok
  double seconds = 0;
};

// Indices of planned runs that the store does not hold yet.
std::vector<std::size_t> pending_runs(const SweepPlan& plan, const Store& store);

// Runs `indices` of the plan with a pool of child processes, appending every
// result to `store`. Never throws for a failing run.
SweepSummary execute_sweep(const SweepPlan& plan, const std::vector<std::size_t>& indices,
                           Store& store, const SweepOptions& options);

// Executes one planned run in this process and returns its store record
// (status error with the message when it throws). Used by the child process,
// with the sweep's instance cache (see execute_run).
RunRecord execute_planned_run(const PlannedRun& run, const InstanceCache* cache = nullptr,
                              bool share = false);

}  // namespace hardnets
