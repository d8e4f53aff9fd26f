#include "hardnets/estimate/goldreich.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "hardnets/core/error.h"

namespace hardnets::estimate {

double uncovered_bits(std::int64_t n, std::int64_t k, double m) {
  if (k < 1 || k > n) fail("XOR elimination model: need 1 <= k <= n, got n = {}, k = {}", n, k);
  if (k == n) return 0;
  return static_cast<double>(n) * std::exp(m * std::log1p(-static_cast<double>(k) / n));
}

double xor_recovery_probability(std::int64_t n, std::int64_t k, std::int64_t m) {
  const double free_bits = std::exp(-uncovered_bits(n, k, static_cast<double>(m)) / 2);
  // (2^n - 1) 2^-m = 2^(n - m) (1 - 2^-n), kept finite for large n - m.
  const double kernel = std::exp2(static_cast<double>(n - m)) * -std::expm1(-n * std::log(2.0));
  return free_bits / (1 + kernel);
}

std::int64_t xor_recovery_samples(std::int64_t n, std::int64_t k, double p) {
  if (!(p > 0 && p < 1)) fail("xor_recovery_samples: p must be in (0, 1), got {}", p);
  // The probability increases with m: double, then bisect.
  std::int64_t lo = 0, hi = std::max<std::int64_t>(n, 1);
  while (xor_recovery_probability(n, k, hi) < p) lo = hi, hi *= 2;
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (xor_recovery_probability(n, k, mid) < p ? lo : hi) = mid;
  }
  return hi;
}

double p5_guesses(std::int64_t n, double m, double collisions) {
  if (n < 5 || !(m >= 1)) fail("P5 guess model: need n >= 5 and m >= 1, got n = {}, m = {}", n, m);
  const double nn = static_cast<double>(n);
  return std::max(0.0, kP5GreedyFactor * nn * (nn - collisions) / (2 * m + nn));
}

namespace {

// C(n, j) as a double (lgamma: only its magnitude matters here).
double binomial(std::int64_t n, int j) {
  const double nn = static_cast<double>(n);
  return std::exp(std::lgamma(nn + 1) - std::lgamma(j + 1.0) - std::lgamma(nn - j + 1));
}

}  // namespace

double linearization_unknowns(std::int64_t n, const std::vector<int>& monomials, double m) {
  double unknowns = 0;
  for (int j = 1; j < static_cast<int>(monomials.size()); ++j) {
    if (monomials[static_cast<std::size_t>(j)] == 0) continue;
    const double all = binomial(n, j);
    unknowns += all * -std::expm1(-m * monomials[static_cast<std::size_t>(j)] / all);
  }
  return unknowns;
}

double linearization_samples(std::int64_t n, std::int64_t k, const std::vector<int>& monomials) {
  if (k < 1 || k > n) fail("linearization model: need 1 <= k <= n, got n = {}, k = {}", n, k);
  const auto short_of = [&](double m) { return m < linearization_unknowns(n, monomials, m); };
  double lo = 0, hi = 1;
  double limit = 0;  // U(m) never exceeds the monomials of every degree present
  for (int j = 1; j < static_cast<int>(monomials.size()); ++j)
    if (monomials[static_cast<std::size_t>(j)] > 0) limit += binomial(n, j);
  while (short_of(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 2 * limit + 2) return std::numeric_limits<double>::infinity();
  }
  for (int step = 0; step < 200 && hi - lo > 1e-6 * hi; ++step) {
    const double mid = 0.5 * (lo + hi);
    (short_of(mid) ? lo : hi) = mid;
  }
  const double nn = static_cast<double>(n);
  const double covered = nn / static_cast<double>(k) * std::log(2 * nn);
  return std::max(std::ceil(hi), std::ceil(covered));
}

double p5_pairings(std::int64_t n, double m) {
  return 4.5 * m * std::max(0.0, m - 1) / static_cast<double>(n);
}

}  // namespace hardnets::estimate
