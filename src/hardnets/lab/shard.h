// Shards: the I-th of K disjoint parts of a sweep's plan, for batch
// schedulers without MPI (a job array runs `hardnets sweep SPEC --shard I/K
// --db shard_I.sqlite` as its I-th task, `hardnets merge` joins the files).
//
// The parts are balanced by predicted cost (predicted_run_seconds) with the
// longest-processing-time-first greedy: the heaviest item goes to the
// lightest shard, ties broken by plan index and then by shard number. The
// items are the plan's instance groups (the runs of one problem point, seed
// and sizes, which then share one generation in their shard), except that a
// group predicted to cost more than a quarter of a shard's share is split
// into its runs: so no item outweighs a quarter share and no shard exceeds
// the even share by more than that. Costs are rounded to whole milliseconds
// (at least 1) and summed as integers, so the assignment is a pure function
// of the spec and K, the same in every task of the job array.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hardnets/lab/sweep_spec.h"

namespace hardnets {

struct ShardChoice {
  int index = 1;  // 1..count
  int count = 1;
  std::string text() const;  // "I/K"
};

// Parses "I/K" (1 <= I <= K); a UserError naming what is wrong otherwise.
ShardChoice parse_shard(const std::string& text);

// The LPT greedy on weighted items: the shard (0-based) of each item.
// Items are taken in order of decreasing cost, equal costs in the order
// given; each goes to the shard with the least load so far, ties to the
// one with fewer items, then to the lowest number.
std::vector<int> assign_lpt(const std::vector<std::int64_t>& costs, int shards);

struct Shard {
  std::vector<std::size_t> runs;      // plan indices, in plan order
  double predicted_seconds = 0;       // of these runs (rounded costs)
  double plan_predicted_seconds = 0;  // of the whole plan
};

// Shard `choice` of the plan.
Shard shard_runs(const SweepPlan& plan, const ShardChoice& choice);

}  // namespace hardnets
