// The predicted cost of one planned run, in seconds: what shards are
// balanced by (lab/shard.h), and what an MPI deal can order runs by.
//
// The estimator's calibrated seconds (lab/estimate.h) where it has a model
// of this problem whose attack this learner runs and that model gives
// seconds (so far lll_primal on lwe and exact_relu on teacher), capped at
// the run's time budget (the run is stopped there); else the time budget;
// else 1 s, so that runs nobody can predict count alike. A pure function of
// the planned run (the estimator is arithmetic on the parameters, a few
// microseconds a run), independent of any store.
#pragma once

#include "hardnets/lab/sweep_spec.h"

namespace hardnets {

double predicted_run_seconds(const PlannedRun& run);

}  // namespace hardnets
