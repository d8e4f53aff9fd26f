#include "hardnets/estimate/parity.h"

#include <cmath>

#include "hardnets/core/error.h"

namespace hardnets::estimate {

double full_rank_probability(std::int64_t m, std::int64_t n) {
  if (n < 0 || m < 0) fail("full_rank_probability: negative size (m = {}, n = {})", m, n);
  if (m < n) return 0.0;
  // Factors with j - m < -60 are 1 to double precision: only the last ones count.
  double log_p = 0;
  for (std::int64_t j = std::max<std::int64_t>(0, n - 64); j < n; ++j) {
    log_p += std::log1p(-std::exp2(static_cast<double>(j - m)));
  }
  return std::exp(log_p);
}

std::int64_t rows_for_full_rank(std::int64_t n, double p) {
  if (!(p > 0 && p < 1)) fail("rows_for_full_rank: p must be in (0, 1), got {}", p);
  std::int64_t m = n;
  while (full_rank_probability(m, n) < p) ++m;
  return m;
}

double log2_binomial(std::int64_t n, std::int64_t k) {
  if (k < 0 || k > n) fail("log2_binomial: need 0 <= k <= n, got n = {}, k = {}", n, k);
  return (std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0)) / std::log(2.0);
}

double exhaustive_success_probability(std::int64_t n, std::int64_t k, double eta, double m) {
  if (!(eta >= 0 && eta < 0.5)) fail("exhaustive search: eta must be in [0, 1/2), got {}", eta);
  const double log_c = log2_binomial(n, k) * std::log(2.0);  // ln C
  if (eta == 0) {
    // (1 - 2^-m)^(C - 1) = exp((C - 1) log1p(-2^-m)).
    const double wrong = std::expm1(log_c);
    return std::exp(wrong * std::log1p(-std::exp2(-m)));
  }
  const double eps = 0.5 - eta;
  return std::max(0.0, 1.0 - std::exp(log_c - m * eps * eps / 2));
}

double exhaustive_samples(std::int64_t n, std::int64_t k, double eta, double p) {
  if (!(p > 0 && p < 1)) fail("exhaustive_samples: p must be in (0, 1), got {}", p);
  if (!(eta >= 0 && eta < 0.5)) fail("exhaustive search: eta must be in [0, 1/2), got {}", eta);
  const double log_c = log2_binomial(n, k) * std::log(2.0);
  if (eta == 0) {
    // (1 - 2^-m)^(C - 1) >= p  <=>  m >= -log2(1 - p^(1 / (C - 1))).
    const double wrong = std::expm1(log_c);
    if (wrong <= 0) return 0;  // one candidate: nothing to rule out
    return std::ceil(-std::log2(-std::expm1(std::log(p) / wrong)));
  }
  const double eps = 0.5 - eta;
  // 1 - C exp(-m eps^2 / 2) >= p  <=>  m >= 2 (ln C - ln(1 - p)) / eps^2.
  return std::ceil(2 * (log_c - std::log1p(-p)) / (eps * eps));
}

BkwEstimate bkw_lf1_rounds(std::int64_t n, double eta, int rounds) {
  if (!(eta >= 0 && eta < 0.5)) fail("BKW: eta must be in [0, 1/2), got {}", eta);
  if (rounds < 1 || rounds > n) fail("BKW: need 1 <= rounds <= n, got {}", rounds);
  BkwEstimate e;
  e.rounds = rounds;
  e.block_bits = static_cast<int>((n + rounds - 1) / rounds);
  const double a = rounds, b = e.block_bits, ln2 = std::log(2.0);
  // log2 of m' = 8 b ln 2 / eps^(2^a), kept in logs (eps^(2^a) underflows).
  const double log2_eps = std::log2(1 - 2 * eta);
  const double log2_final = std::log2(8 * b * ln2) - std::exp2(a) * log2_eps;
  // log2 of a sum of two powers of two.
  auto log2_add = [](double x, double y) {
    const double hi = std::max(x, y), lo = std::min(x, y);
    return hi + std::log2(1 + std::exp2(lo - hi));
  };
  e.log2_samples = a > 1 ? log2_add(log2_final, std::log2(a - 1) + b) : log2_final;
  double log2_work = std::log2(b) + b;  // the transform
  log2_work = log2_add(log2_work, log2_final + std::log2(b));
  if (a > 1)
    log2_work = log2_add(log2_work, std::log2(a - 1) + e.log2_samples + std::log2(double(n)));
  e.log2_ops = std::log2(a) + log2_work;
  return e;
}

BkwEstimate bkw_lf1(std::int64_t n, double eta, double samples_available) {
  const double log2_available = std::log2(std::max(1.0, samples_available));
  BkwEstimate best, best_fitting;
  bool any = false, any_fitting = false;
  for (int a = 1; a <= std::min<std::int64_t>(n, 64); ++a) {
    BkwEstimate e = bkw_lf1_rounds(n, eta, a);
    e.fits = e.log2_samples <= log2_available;
    if (!any || e.log2_ops < best.log2_ops) best = e, any = true;
    if (e.fits && (!any_fitting || e.log2_ops < best_fitting.log2_ops))
      best_fitting = e, any_fitting = true;
  }
  return any_fitting ? best_fitting : best;
}

}  // namespace hardnets::estimate
