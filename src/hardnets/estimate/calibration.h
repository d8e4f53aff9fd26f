// The estimator's calibration: constants measured on this lab's own attack
// code (experiments/estimate_calibration.toml, fitted by
// scripts/calibrate-estimates into experiments/estimate_calibration.json,
// which the build embeds; docs/estimates.md, "Calibration").
//
//   - delta(beta) of BKZ 2.0 for the small block sizes where Chen's formula
//     does not hold (the lattice models interpolate between these points
//     and the formula at beta = 50);
//   - the seconds of a progressive BKZ 2.0 reduction up to beta on a lattice
//     of dimension d, log t = c0 + c1 beta + c2 log d, fitted for
//     beta >= from_beta on the dimensions and block sizes measured.
//
// `stale` is true when the attack code the build contains is not the code
// the calibration runs were made with (their SHA-256 fingerprints differ):
// estimates then say so.
#pragma once

#include <string>
#include <vector>

namespace hardnets::estimate {

struct DeltaPoint {
  int beta = 0;
  double delta = 0;
  int runs = 0;
  double max_residual = 0;  // the largest |measured - fitted| of its runs
};

struct SecondsModel {
  double c0 = 0, c1 = 0, c2 = 0;
  int from_beta = 0;
  double rms_log_residual = 0;  // natural-log RMS of the fit's residuals
  double max_ratio = 1;         // the largest measured/predicted ratio (either way)
  int beta_lo = 0, beta_hi = 0, dimension_lo = 0, dimension_hi = 0;
  double seconds(int dimension, int beta) const;
  // Whether (dimension, beta) is inside the measured ranges.
  bool measured(int dimension, int beta) const;
};

// LLL's seconds, log t = a + b log d (fitted on the runs at beta = 2).
struct LllSecondsModel {
  double a = 0, b = 0;
  double rms_log_residual = 0, max_ratio = 1;
  double seconds(int dimension) const;
};

struct Calibration {
  std::vector<DeltaPoint> delta;  // increasing beta
  SecondsModel seconds;
  LllSecondsModel lll_seconds;
  std::string code_sha256;  // of the attack code the runs were made with
  std::string built_code_sha256;
  bool stale = false;
  std::string git_revisions;  // of the runs, comma-separated
};

// Parsed once from the embedded file. The file is the repository's, checked
// by tests: a malformed one is a build defect (std::logic_error).
const Calibration& calibration();

// A calibration parsed from JSON text (for tests); std::invalid_argument
// naming what is missing.
Calibration parse_calibration(const std::string& json_text, const std::string& built_sha256);

}  // namespace hardnets::estimate
