// `hardnets merge OUT IN...`: results stores joined into one, e.g. the
// shards of a job array (lab/shard.h) into the store one local sweep would
// have written.
//
// OUT is created when absent; when it exists it is the first input and is
// appended to. Nothing is written until every check has passed: the merged
// store is built in a temporary file beside OUT and renamed over it, so a
// refused or failed merge leaves OUT as it was. Refused (UserError):
//   - a file that is not a hardnets store (not SQLite, another application's
//     database, empty), a file named twice, OUT named as an input;
//   - stores of different schema versions;
//   - stores of different specs: every IN must record the same sweeps with
//     the same plan identity ("plan:NAME", see plan_identity), and OUT must
//     agree with them on the sweeps both record (OUT may also hold others:
//     it may be a collection being added to). `force` merges anyway, with a
//     warning each. A store whose runs name a sweep it records no plan for
//     (written before stores recorded plans) is merged with a warning, since
//     it cannot be checked.
// Runs are de-duplicated by run_id. Two records of one run_id that differ in
// status, configuration (threads aside) or a metric that is not a measured
// time or memory (record_differences) are a conflict: reported, and the
// merge is not written unless `keep_first` (then the first input's record
// stays, OUT's before any IN's). Metadata: the first value of each key wins
// (OUT's, then the inputs' in order).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "hardnets/lab/store.h"

namespace hardnets {

struct MergeOptions {
  bool keep_first = false;  // resolve conflicts by keeping the first record
  bool force = false;       // merge stores of different specs
};

struct MergeConflict {
  std::string run_id;
  std::string first, second;             // the stores holding the two records
  std::vector<std::string> differences;  // what differs, in words
};

// How many of a sweep's planned runs the merged store holds.
struct SweepCoverage {
  std::string sweep;
  std::size_t planned = 0;
  std::size_t held = 0;
};

struct MergeSummary {
  std::size_t inputs = 0;           // IN files
  bool out_existed = false;         // OUT was one more input
  std::size_t out_runs_before = 0;  // runs OUT held
  std::size_t runs_read = 0;        // from the IN files
  std::size_t runs_added = 0;       // new to OUT
  std::size_t duplicates = 0;       // identical records of a run already merged
  std::vector<MergeConflict> conflicts;
  std::vector<std::string> warnings;
  std::vector<SweepCoverage> sweeps;  // the sweeps OUT records plans of
  bool written = false;               // OUT holds the merge; false when conflicts stopped it
};

// Merges `inputs` into `out` as described above. Conflicts without
// keep_first are returned (written = false), not thrown, so that the caller
// can report them with the counts.
MergeSummary merge_stores(const std::filesystem::path& out,
                          const std::vector<std::filesystem::path>& inputs,
                          const MergeOptions& options = {});

// Whether a metric measures the machine rather than the result (times,
// peak memory, whether the instance was loaded from the sweep's cache):
// such metrics legitimately differ between two executions of one run.
bool measured_metric(const std::string& name);

// What makes two records of one run differ as results: status, problem,
// learner, seed, sizes, configuration (its thread count aside) and the
// metrics that are not measured_metric (bit for bit, NaN equal to NaN).
// Not compared: created_at, message (it may quote times), seconds,
// cpu_seconds, peak_mb, provenance. Empty when they agree.
std::vector<std::string> record_differences(const RunRecord& a, const RunRecord& b);

}  // namespace hardnets
