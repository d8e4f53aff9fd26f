#include "hardnets/estimate/lattice_usvp.h"

#include <cmath>
#include <limits>
#include <numbers>

#include <fmt/format.h>

#include "hardnets/core/error.h"
#include "hardnets/estimate/calibration.h"

namespace hardnets::estimate {

namespace {

double asymptotic_root_hermite(double beta) {
  const double pi = std::numbers::pi, e = std::numbers::e;
  return std::pow(std::pow(pi * beta, 1.0 / beta) * beta / (2 * pi * e), 1.0 / (2 * (beta - 1)));
}

}  // namespace

double root_hermite_factor(int beta, const std::vector<DeltaPoint>& measured) {
  if (beta < 2) fail("root_hermite_factor: block size {} < 2", beta);
  if (beta >= kAsymptoticFrom) return asymptotic_root_hermite(beta);
  // The measured points below kAsymptoticFrom, then the formula there.
  std::vector<std::pair<double, double>> knots;  // (beta, log delta)
  for (const DeltaPoint& p : measured)
    if (p.beta < kAsymptoticFrom) knots.emplace_back(p.beta, std::log(p.delta));
  knots.emplace_back(kAsymptoticFrom, std::log(asymptotic_root_hermite(kAsymptoticFrom)));
  if (beta <= knots.front().first) return std::exp(knots.front().second);
  std::size_t k = 1;
  while (knots[k].first < beta) ++k;
  const auto [b0, l0] = knots[k - 1];
  const auto [b1, l1] = knots[k];
  return std::exp(l0 + (beta - b0) / (b1 - b0) * (l1 - l0));
}

double root_hermite_factor(int beta) {
  return root_hermite_factor(beta, calibration().delta);
}

std::string LweParameters::validation_error() const {
  if (n < 1) return fmt::format("n must be >= 1, got {}", n);
  if (!(q >= 2)) return fmt::format("q must be >= 2, got {}", q);
  if (!(sigma_s > 0)) return fmt::format("sigma_s must be > 0, got {}", sigma_s);
  if (!(sigma_e > 0)) {
    return fmt::format(
        "sigma_e must be > 0 for a lattice estimate (got {}): without noise "
        "the secret follows from n samples by linear algebra",
        sigma_e);
  }
  if (samples < 1) return fmt::format("samples must be >= 1, got {}", samples);
  return "";
}

double usvp_margin(const EmbeddingGeometry& g, int beta) {
  const double d = g.dimension;
  constexpr double kNo = -std::numeric_limits<double>::infinity();
  if (beta > d) return kNo;
  // The premise of uSVP: the planted vector is shorter than the Gaussian
  // heuristic's lambda_1 = sqrt(d / (2 pi e)) vol^(1/d). Without it (few
  // samples: at n = 10 the ADPS16 inequality alone picks m = 1, an
  // underdetermined system) other vectors are as short and finding "a"
  // short vector does not find the secret.
  const double log_gh =
      0.5 * std::log(d / (2 * std::numbers::pi * std::numbers::e)) + g.log_volume / d;
  if (std::log(g.planted_norm) >= log_gh) return kNo;
  // The planted vector's projection on the last beta Gram-Schmidt
  // directions, each coordinate of the same size: norm sqrt(beta / d) of it.
  const double lhs = std::log(g.planted_norm * std::sqrt(beta / d));
  const double rhs = (2.0 * beta - d) * std::log(root_hermite_factor(beta)) + g.log_volume / d;
  return rhs - lhs;
}

EmbeddingGeometry lwe_embedding(const LweParameters& p, long long m) {
  EmbeddingGeometry g;
  g.dimension = static_cast<double>(m) + p.n + 1;
  const double xi = p.sigma_e / p.sigma_s;  // Bai-Galbraith scaling of the secret
  g.log_volume = static_cast<double>(m) * std::log(p.q) + p.n * std::log(xi);
  g.planted_norm = p.sigma_e * std::sqrt(g.dimension);
  return g;
}

double usvp_margin(const LweParameters& p, int beta, long long m) {
  return usvp_margin(lwe_embedding(p, m), beta);
}

bool usvp_condition(const LweParameters& p, int beta, long long m) {
  return usvp_margin(p, beta, m) >= 0.0;
}

UsvpEstimate search_usvp(long long m_lo, long long m_hi,
                         const std::function<EmbeddingGeometry(long long m)>& geometry) {
  UsvpEstimate out;
  if (m_hi < m_lo) return out;
  const long long max_dimension = static_cast<long long>(geometry(m_hi).dimension);
  std::vector<EmbeddingGeometry> shapes;
  for (long long m = m_lo; m <= m_hi; ++m) shapes.push_back(geometry(m));
  for (long long beta = 2; beta <= max_dimension && !out.feasible; ++beta) {
    // Among the m that meet the condition at this beta, the one with the
    // widest margin (every m ties when some m meets it at beta = 2; the
    // fewest would leave the attack the least room).
    double best_margin = -std::numeric_limits<double>::infinity();
    for (long long m = m_lo; m <= m_hi; ++m) {
      const EmbeddingGeometry& g = shapes[static_cast<std::size_t>(m - m_lo)];
      const double margin = usvp_margin(g, static_cast<int>(beta));
      if (!(margin >= 0.0) || margin <= best_margin) continue;
      best_margin = margin;
      out.feasible = true;
      out.block_size = static_cast<int>(beta);
      out.samples_used = m;
      out.dimension = static_cast<int>(g.dimension);
    }
  }
  if (out.feasible) {
    out.delta = root_hermite_factor(out.block_size);
    out.log2_core_svp = 0.292 * out.block_size;
    out.log2_core_svp_quantum = 0.265 * out.block_size;
  }
  return out;
}

UsvpEstimate estimate_primal_usvp(const LweParameters& p) {
  if (const std::string error = p.validation_error(); !error.empty()) {
    fail("primal uSVP estimate: {}", error);
  }
  UsvpEstimate out = search_usvp(1, p.samples, [&](long long m) { return lwe_embedding(p, m); });
  if (!out.feasible) {
    out.reason = fmt::format(
        "no block size up to the full dimension {} meets the uSVP condition with at most {} "
        "samples: the error is too large for this modulus and dimension",
        p.samples + p.n + 1, p.samples);
  }
  return out;
}

}  // namespace hardnets::estimate
