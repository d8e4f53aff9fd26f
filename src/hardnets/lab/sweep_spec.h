// Sweep specifications: a TOML file that expands into a list of runs.
//
//   [sweep]
//   name = "depth2"                 # required: names the sweep in the store
//   seeds = [1, 2, 3]               # or: repeats = 3 (seeds 1..3); default [1]
//   n_train = "200*d"               # int, grid, range or expression
//   n_test = 2000
//   threads = 1                     # threads inside each run
//   budget = { seconds = 60, memory_mb = 4096 }
//   distinguish = { trials = 10 }   # optional: every learner as a distinguisher
//
//   [[problems]]
//   name = "teacher"
//   label = "wide"                  # optional: learners' `problems` may name it
//   params = { d = [8, 16, 32], width = "d/2", sigma = { log = [0.01, 1], num = 3 } }
//   zip = { depth = [2, 3], tau = [0.0, 0.1] }   # varied together, not crossed
//
//   [[learners]]
//   name = "sgd"
//   params = { width = "4*d", epochs = 20 }      # may refer to problem parameters
//   budget = { seconds = 30 }                    # overrides the sweep budget
//   problems = ["teacher"]                       # only these problems or labels (default: all)
//   distinguish = { trials = 10, calibration = 10, alpha = 0.05, statistic = "found" }
//
// A distinguishing learner (its own `distinguish` table or the sweep's)
// runs, at each problem and learner point, the experiment of `hardnets
// distinguish` (lab/distinguish.h): calibration null seeds, then T paired
// real / null seeds, from the table's `seed` or else the sweep's one seed
// (seeds = [s]; several seeds and no `seed` are an error, since experiments
// from s and s + 1 would share trials). Each
// trial is a stored run whose configuration carries "distinguish"; the
// report's `advantage` figures recombine them.
//
//   [report]                                     # figures for `hardnets report`
//
// Every (problem point, seed) instance is shared by all learner points: the
// instance is a pure function of (problem, params, seed, sizes), so each
// learner sees identical data. Arrays are grid axes (crossed), `{log|lin =
// [a, b], num = k}` are spaced ranges, strings given for numeric parameters
// are expressions over the other parameters (circular definitions are
// errors). The whole spec is validated before anything runs; errors name the
// file, line and key and say what was expected.
#pragma once

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "hardnets/core/json.h"
#include "hardnets/lab/run.h"

namespace hardnets {

// A sweep's budgets are run budgets; each planned run is resolved once, when
// the spec is parsed (its configuration carries "sweep" = the sweep's name).
using SweepBudget = RunBudget;
using PlannedRun = ResolvedRun;

struct SweepPlan {
  std::string name;
  std::string source;  // the spec file
  std::vector<PlannedRun> runs;
  Json report = Json::object();  // the [report] section
};

SweepPlan load_sweep(const std::filesystem::path& path);
// Parses spec text; `source` names it in error messages.
SweepPlan parse_sweep(const std::string& text, const std::string& source);

}  // namespace hardnets
