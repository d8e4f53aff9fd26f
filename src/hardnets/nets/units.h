// The hidden units of a depth-2 ReLU network, normalised, and how far a
// recovered set of units is from a teacher's: what the moment method
// (`tensor`) outputs and what `teacher`'s judge scores. In nets/, below both
// problems and learners.
#pragma once

#include "hardnets/core/json.h"
#include "hardnets/core/metrics.h"
#include "hardnets/nets/relu_net.h"

namespace hardnets::units {

// The first `m` hidden units of a depth-2 net, normalised to
// (a‖w‖, w/‖w‖, b/‖w‖) (a zero row stays as it is).
struct Units {
  Matrix W;
  Vector b, a;
};
Units normalised_units(const ReluNet& net, Eigen::Index m);

// {"w": unit rows, "b", "a"}: the form parameter_error reads.
Json units_json(const Units& u);

// Parameter error of a recovered network {"w": [[...]...], "b": [...], "a": [...]}
// (a Fit.output of `tensor`, or its "refined" part) against a depth-2 teacher.
// Teacher units are normalised to (a‖w‖, w/‖w‖, b/‖w‖), recovered rows too.
// Units are matched to maximise Σ|cos| (all permutations when both have the
// same width m ≤ 8, greedy on |cos| otherwise); a recovered unit matched
// with cos < 0 is compared to (a, -w, -b) (the w ↦ -w ambiguity). Reports
//   param_sin_max / param_sin_mean   sin of the angle between matched rows
//   param_a_max / param_a_mean       |â - a| / |a|
//   param_b_max / param_b_mean       |b̂ - b| / max(|b|, 1)
//   param_error                      the largest of the three maxima
//   param_unmatched                  |m_teacher - m_recovered|
// UserError when the teacher is not depth 2 or the output is malformed.
Metrics parameter_error(const ReluNet& teacher, const Json& fit_output);

}  // namespace hardnets::units
