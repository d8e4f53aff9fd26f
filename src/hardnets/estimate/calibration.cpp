#include "hardnets/estimate/calibration.h"

#include <cmath>
#include <stdexcept>

#include "hardnets/core/json.h"
#include "hardnets/estimate/attack_code_hash.h"
#include "hardnets/estimate/calibration_data.h"

namespace hardnets::estimate {

double SecondsModel::seconds(int dimension, int beta) const {
  return std::exp(c0 + c1 * beta + c2 * std::log(static_cast<double>(dimension)));
}

double LllSecondsModel::seconds(int dimension) const {
  return std::exp(a + b * std::log(static_cast<double>(dimension)));
}

bool SecondsModel::measured(int dimension, int beta) const {
  return beta >= beta_lo && beta <= beta_hi && dimension >= dimension_lo &&
         dimension <= dimension_hi;
}

Calibration parse_calibration(const std::string& json_text, const std::string& built_sha256) {
  Calibration c;
  try {
    const Json j = Json::parse(json_text);
    for (const Json& p : j.at("delta"))
      c.delta.push_back({p.at("beta").get<int>(), p.at("delta").get<double>(),
                         p.at("runs").get<int>(), p.at("max_residual").get<double>()});
    const Json& s = j.at("seconds");
    c.seconds.c0 = s.at("c0").get<double>();
    c.seconds.c1 = s.at("c1").get<double>();
    c.seconds.c2 = s.at("c2").get<double>();
    c.seconds.from_beta = s.at("from_beta").get<int>();
    c.seconds.rms_log_residual = s.at("rms_log_residual").get<double>();
    c.seconds.max_ratio = s.at("max_ratio").get<double>();
    c.seconds.beta_lo = static_cast<int>(s.at("beta_range").at(0).get<double>());
    c.seconds.beta_hi = static_cast<int>(s.at("beta_range").at(1).get<double>());
    c.seconds.dimension_lo = s.at("dimension_range").at(0).get<int>();
    c.seconds.dimension_hi = s.at("dimension_range").at(1).get<int>();
    const Json& l = j.at("lll_seconds");
    c.lll_seconds.a = l.at("a").get<double>();
    c.lll_seconds.b = l.at("b").get<double>();
    c.lll_seconds.rms_log_residual = l.at("rms_log_residual").get<double>();
    c.lll_seconds.max_ratio = l.at("max_ratio").get<double>();
    c.code_sha256 = j.at("code_sha256").get<std::string>();
    for (const Json& r : j.at("git_revisions"))
      c.git_revisions += (c.git_revisions.empty() ? "" : ", ") + r.get<std::string>();
  } catch (const Json::exception& e) {
    throw std::invalid_argument(std::string("estimate calibration: ") + e.what());
  }
  for (std::size_t i = 1; i < c.delta.size(); ++i)
    if (c.delta[i].beta <= c.delta[i - 1].beta)
      throw std::invalid_argument("estimate calibration: delta's block sizes must increase");
  c.built_code_sha256 = built_sha256;
  c.stale = c.code_sha256 != built_sha256;
  return c;
}

const Calibration& calibration() {
  static const Calibration c = [] {
    try {
      return parse_calibration(std::string(generated::kCalibrationJson),
                               std::string(generated::kAttackCodeSha256));
    } catch (const std::invalid_argument& e) {
      throw std::logic_error(std::string("the embedded ") + e.what());
    }
  }();
  return c;
}

}  // namespace hardnets::estimate
