#include "hardnets/estimate/lattice_usvp.h"

#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "hardnets/core/error.h"

namespace hardnets::estimate {

namespace {

double asymptotic_root_hermite(double beta) {
  const double pi = std::numbers::pi, e = std::numbers::e;
  return std::pow(std::pow(pi * beta, 1.0 / beta) * beta / (2 * pi * e), 1.0 / (2 * (beta - 1)));
}

}  // namespace

double root_hermite_factor(int beta) {
  if (beta < 2) fail("root_hermite_factor: block size {} < 2", beta);
  if (beta >= kAsymptoticFrom) return asymptotic_root_hermite(beta);
  const double lo = std::log(kLllRootHermite);
  const double hi = std::log(asymptotic_root_hermite(kAsymptoticFrom));
  const double t = static_cast<double>(beta - 2) / (kAsymptoticFrom - 2);
  return std::exp(lo + t * (hi - lo));
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

bool usvp_condition(const LweParameters& p, int beta, long long m) {
  const double d = static_cast<double>(m) + p.n + 1;
  if (beta > d) return false;
  const double xi = p.sigma_e / p.sigma_s;  // Bai-Galbraith scaling of the secret
  const double log_volume = static_cast<double>(m) * std::log(p.q) + p.n * std::log(xi);
  const double lhs = std::log(p.sigma_e * std::sqrt(static_cast<double>(beta)));
  const double rhs = (2.0 * beta - d) * std::log(root_hermite_factor(beta)) + log_volume / d;
  return lhs <= rhs;
}

UsvpEstimate estimate_primal_usvp(const LweParameters& p) {
  if (const std::string error = p.validation_error(); !error.empty()) {
    fail("primal uSVP estimate: {}", error);
  }
  UsvpEstimate out;
  const long long max_dimension = p.samples + p.n + 1;
  for (long long beta = 2; beta <= max_dimension; ++beta) {
    for (long long m = 1; m <= p.samples; ++m) {
      if (!usvp_condition(p, static_cast<int>(beta), m)) continue;
      out.feasible = true;
      out.block_size = static_cast<int>(beta);
      out.samples_used = m;
      out.dimension = static_cast<int>(m + p.n + 1);
      out.delta = root_hermite_factor(out.block_size);
      out.log2_core_svp = 0.292 * beta;
      out.log2_core_svp_quantum = 0.265 * beta;
      return out;
    }
  }
  out.reason = fmt::format(
      "no block size up to the full dimension {} meets the uSVP condition with at most {} "
      "samples: the error is too large for this modulus and dimension",
      max_dimension, p.samples);
  return out;
}

}  // namespace hardnets::estimate
