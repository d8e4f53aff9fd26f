#include "hardnets/estimate/clwe_primal.h"

#include <cmath>

#include <fmt/format.h>

#include "hardnets/core/error.h"

namespace hardnets::estimate {

std::string ClweParameters::validation_error() const {
  if (d < 1) return fmt::format("d must be >= 1, got {}", d);
  if (!(gamma > 0)) return fmt::format("gamma must be > 0, got {}", gamma);
  if (!(beta > 0)) return fmt::format("the noise must be > 0, got {}", beta);
  if (samples < 1) return fmt::format("samples must be >= 1, got {}", samples);
  return "";
}

EmbeddingGeometry clwe_embedding(const ClweParameters& p, long long n) {
  const double m = static_cast<double>(n - p.d);  // null-space constraints
  const double g2 = p.gamma * p.gamma;
  const double r = p.beta / p.gamma;  // 1 / C, C = gamma / beta
  EmbeddingGeometry g;
  g.dimension = static_cast<double>(n) + 1;
  g.planted_norm = std::sqrt(static_cast<double>(n) * (g2 + 1.0 / 3.0) + g2 + m * g2);
  // log(1 + C^2) = log C^2 + log(1 + 1/C^2), without overflow for tiny beta.
  const double log1p_c2 = -2 * std::log(r) + std::log1p(r * r);
  g.log_volume = 0.5 * m * log1p_c2 + 0.5 * std::log(g2 + m / 3.0 / (1.0 + r * r));
  return g;
}

namespace {

// The least block size over n in [d + 1, samples] for one embedding family.
UsvpEstimate search_samples(const ClweParameters& p, const char* who,
                            EmbeddingGeometry (*embedding)(const ClweParameters&, long long)) {
  if (const std::string error = p.validation_error(); !error.empty()) fail("{}: {}", who, error);
  UsvpEstimate out = search_usvp(p.d + 1, p.samples, [&](long long n) { return embedding(p, n); });
  if (!out.feasible) {
    out.reason =
        p.samples <= p.d
            ? fmt::format("the attack needs more than d = {} samples, got {}", p.d, p.samples)
            : fmt::format(
                  "no block size up to the full rank meets the uSVP condition with at "
                  "most {} samples: the noise is too large for this gamma and d",
                  p.samples);
  }
  return out;
}

}  // namespace

UsvpEstimate estimate_clwe_primal(const ClweParameters& p) {
  return search_samples(p, "CLWE primal estimate", clwe_embedding);
}

EmbeddingGeometry label_embedding(const ClweParameters& p, long long n) {
  const double m = static_cast<double>(n - p.d);
  const double g2 = p.gamma * p.gamma;
  const double r = p.beta / p.gamma;  // 1 / C
  EmbeddingGeometry g;
  g.dimension = 2.0 * static_cast<double>(n);
  g.planted_norm =
      std::sqrt(static_cast<double>(n) * (g2 + 1.0 / 12.0) + static_cast<double>(n) + m * g2);
  // log(1 + 13 C^2 / 12) = log(13/12) - 2 log r + log(1 + 12 r^2 / 13), no overflow.
  g.log_volume =
      0.5 * m * (std::log(13.0 / 12.0) - 2 * std::log(r) + std::log1p(12.0 * r * r / 13.0));
  return g;
}

UsvpEstimate estimate_label_attack(const ClweParameters& p) {
  return search_samples(p, "periodic label attack estimate", label_embedding);
}

}  // namespace hardnets::estimate
