#include "hardnets/learners/prg_decode.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "hardnets/core/error.h"

namespace hardnets::prg_decode {
namespace {

constexpr const char* kDepth3Family = "prg_depth3";
constexpr const char* kDepth2Family = "prg_depth2_smoothed";

// S(x) from the signs of the relevant coordinates (the encoding of
// prg_network.h); false when an index repeats.
bool decode_tuple(const NetworkTask& t, const double* x, std::int32_t* tuple) {
  bool distinct = true;
  for (int j = 0; j < t.k; ++j) {
    std::int32_t index = 0;
    for (int l = 0; l < t.L; ++l) {
      if (x[j * t.L + l] > 0.0) index |= std::int32_t{1} << l;
    }
    tuple[j] = index;
    for (int u = 0; u < j; ++u) distinct &= tuple[u] != index;
  }
  return distinct;
}

// min_c |x_c| and Σ_c |x_c| over the relevant coordinates, in coordinate
// order (so that u_S(x) = Σ|x_c| − (R − 1) is the same double the problem's
// clean_rows computes).
std::pair<double, double> magnitudes(const NetworkTask& t, const double* x) {
  double lo = std::numeric_limits<double>::infinity(), sum = 0;
  for (int c = 0; c < t.R; ++c) {
    lo = std::min(lo, std::abs(x[c]));
    sum += std::abs(x[c]);
  }
  return {lo, sum};
}

// P(ŝ_S) of a distinct tuple.
int seed_bit(const NetworkTask& t, const std::int32_t* tuple, const std::vector<std::uint8_t>& s) {
  return t.prg.predicate(goldreich::pattern({tuple, static_cast<std::size_t>(t.k)}, s));
}

}  // namespace

bool is_network_task(const Json& task) {
  if (!task.is_object() || !task.contains("family") || !task["family"].is_string()) return false;
  const std::string family = task["family"].get<std::string>();
  return family == kDepth3Family || family == kDepth2Family;
}

NetworkTask NetworkTask::from_json(const Json& task, const std::string& who) {
  if (!is_network_task(task)) {
    fail("{}: needs a lifted PRG network task (family = prg_depth3 or prg_depth2_smoothed), got {}",
         who, task.is_object() && task.contains("family") ? task["family"].dump() : "no family");
  }
  NetworkTask t;
  Json prg;
  try {
    t.family = task.at("family").get<std::string>();
    t.kind = t.family == kDepth3Family ? Kind::kDepth3 : Kind::kDepth2;
    t.n = task.at("n").get<int>();
    t.k = task.at("k").get<int>();
    t.L = task.at("L").get<int>();
    t.R = task.at("R").get<int>();
    t.d = task.at("d").get<int>();
    t.tau = task.at("tau").get<double>();
    if (t.kind == Kind::kDepth3) {
      t.delta = task.at("delta").get<double>();
      t.gate = task.at("gate").get<double>();
    }
    prg = Json{{"family", "goldreich"},
               {"n", t.n},
               {"k", t.k},
               {"predicate", task.at("predicate").get<std::string>()},
               {"table", task.at("table").get<std::string>()},
               {"encoding", "index"}};
  } catch (const Json::exception& e) {
    fail("{}: malformed {} task: {}", who, t.family, e.what());
  }
  if (t.L < 1 || t.L > 30 || t.n != (1 << t.L)) {
    fail("{}: a {} task needs n = 2^L (L sign bits per index), got n = {}, L = {}", who, t.family,
         t.n, t.L);
  }
  if (t.k < 1 || t.k > goldreich::kMaxArity || t.R != t.k * t.L || t.d < t.R) {
    fail(
        "{}: a {} task needs R = kL relevant coordinates among d, got k = {}, L = {}, R = {}, d = "
        "{}",
        who, t.family, t.k, t.L, t.R, t.d);
  }
  if (t.kind == Kind::kDepth3 && !(t.delta > 0)) {
    fail("{}: a prg_depth3 task needs delta > 0, got {}", who, t.delta);
  }
  t.prg = goldreich::Task::from_json(prg, who);
  return t;
}

const char* case_name(RowCase c) {
  switch (c) {
    case RowCase::kClean:
      return "clean";
    case RowCase::kRepeated:
      return "repeated";
    case RowCase::kBand:
      return "band";
    case RowCase::kAnnulus:
      return "annulus";
    case RowCase::kWeak:
      return "weak";
    case RowCase::kOtherPattern:
      return "other_pattern";
    case RowCase::kLabelMargin:
      return "label_margin";
  }
  return "?";
}

RowCase decode_row(const NetworkTask& t, const double* x, double y, std::int32_t* tuple,
                   std::uint8_t& bit) {
  if (!decode_tuple(t, x, tuple)) return RowCase::kRepeated;
  const auto [lo, sum] = magnitudes(t, x);
  // The gap g between the label's two values and the decision point g/2.
  double gap = 1.0;
  if (t.kind == Kind::kDepth3) {
    if (lo <= t.delta) return RowCase::kBand;
    if (lo <= 2 * t.delta) return RowCase::kAnnulus;
  } else {
    gap = sum - (t.R - 1.0);  // u_S(x)
    if (gap <= 0.5) return RowCase::kWeak;
    if (sum - 2 * lo > t.R - 1.0) return RowCase::kOtherPattern;
  }
  if (std::abs(y - gap / 2) < kLabelMargin * gap) return RowCase::kLabelMargin;
  bit = y > gap / 2 ? 1 : 0;
  return RowCase::kClean;
}

void DecodeStats::record(Kind kind, Metrics& stats) const {
  stats["decode_rows"] = static_cast<double>(rows);
  stats["decode_decoded"] = static_cast<double>(decoded);
  stats["decode_fraction"] = rows ? static_cast<double>(decoded) / static_cast<double>(rows) : 0.0;
  const std::vector<RowCase> cases =
      kind == Kind::kDepth3 ? std::vector<RowCase>{RowCase::kRepeated, RowCase::kBand,
                                                   RowCase::kAnnulus, RowCase::kLabelMargin}
                            : std::vector<RowCase>{RowCase::kRepeated, RowCase::kWeak,
                                                   RowCase::kOtherPattern, RowCase::kLabelMargin};
  for (RowCase c : cases) {
    stats[std::string("decode_skipped_") + case_name(c)] =
        static_cast<double>(skipped[static_cast<int>(c)]);
  }
}

Decoded decode(const NetworkTask& t, const Dataset& train, const std::string& who) {
  if (train.X.cols() != t.d) {
    fail("{}: a {} row has d = {} coordinates (R = {} relevant + {} padding), got {}", who,
         t.family, t.d, t.R, t.d - t.R, train.X.cols());
  }
  Decoded out;
  const Eigen::Index rows = train.X.rows();
  out.stats.rows = rows;
  out.challenges.X.resize(rows, t.k);
  out.challenges.y.resize(rows);
  std::int32_t tuple[goldreich::kMaxArity];
  Eigen::Index m = 0;
  for (Eigen::Index i = 0; i < rows; ++i) {
    std::uint8_t bit = 0;
    const RowCase c = decode_row(t, train.X.row(i).data(), train.y[i], tuple, bit);
    if (c != RowCase::kClean) {
      ++out.stats.skipped[static_cast<int>(c)];
      continue;
    }
    for (int j = 0; j < t.k; ++j) out.challenges.X(m, j) = tuple[j];
    out.challenges.y[m] = bit;
    ++m;
  }
  out.stats.decoded = m;
  out.challenges.X.conservativeResize(m, t.k);
  out.challenges.y.conservativeResize(m);
  return out;
}

Vector NetworkSeedPredictor::predict(const Matrix& X) const {
  const NetworkTask& t = task_;
  if (X.cols() != t.d) {
    fail("network seed predictor: a {} row has d = {} coordinates, got {}", t.family, t.d,
         X.cols());
  }
  Vector out(X.rows());
  std::int32_t tuple[goldreich::kMaxArity];
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    const double* x = X.row(i).data();
    if (!decode_tuple(t, x, tuple)) {
      out[i] = 0.0;
      continue;
    }
    double unit = 0;
    if (t.kind == Kind::kDepth3) {
      double Q = 0;
      for (int c = 0; c < t.R; ++c) Q += std::clamp(2.0 - std::abs(x[c]) / t.delta, 0.0, 1.0);
      unit = 1.0 - t.gate * Q;
    } else {
      unit = magnitudes(t, x).second - (t.R - 1.0);
    }
    out[i] = seed_bit(t, tuple, seed_) * std::max(unit, 0.0);
  }
  return out;
}

Json NetworkSeedPredictor::to_json() const {
  return Json{{"kind", "prg_network_seed"},
              {"family", task_.family},
              {"prg", task_.prg.to_json()},
              {"seed", goldreich::seed_to_string(seed_)}};
}

Fit decode_then_attack(const std::string& who, const Dataset& train, const LearnerContext& ctx,
                       const Attack& attack) {
  const NetworkTask t = NetworkTask::from_json(ctx.task, who);
  const Decoded decoded = decode(t, train, who);
  Fit fit;
  if (decoded.stats.decoded == 0) {
    fit.message = fmt::format(
        "{}: none of the {} training rows of the {} task decoded to a clean PRG challenge; "
        "nothing to attack",
        who, decoded.stats.rows, t.family);
    fit.output["seed"] = goldreich::seed_to_string(std::vector<std::uint8_t>(t.n, 0));
    fit.output["found"] = false;
    fit.stats["found"] = 0.0;
  } else {
    LearnerContext inner = ctx;
    inner.task = t.prg.to_json();
    fit = attack(decoded.challenges, inner);
  }
  decoded.stats.record(t.kind, fit.stats);
  if (fit.output.contains("seed")) {
    fit.predictor = std::make_shared<NetworkSeedPredictor>(
        t, goldreich::seed_from_string(fit.output["seed"].get<std::string>(), t.n, who));
  }
  return fit;
}

}  // namespace hardnets::prg_decode
