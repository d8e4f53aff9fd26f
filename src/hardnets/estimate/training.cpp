#include "hardnets/estimate/training.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "hardnets/core/error.h"

namespace hardnets::estimate {

namespace {

double log2_factorial(double k) {
  return std::lgamma(k + 1) / std::log(2.0);
}

// log2(2^a + 2^b) without overflow.
double log2_add(double a, double b) {
  if (a < b) std::swap(a, b);
  if (!std::isfinite(b)) return a;
  return a + std::log2(1 + std::exp2(b - a));
}

// log2 binom(N, j) for real N = 2^log2_N >= j: Σ_{i<j} log2(N - i) - log2 j!
// while N is exact in a double, j log2 N - log2 j! (relative error below
// j^2 / N) beyond 2^60.
double log2_binomial_real(double log2_N, std::int64_t j) {
  const auto jj = static_cast<double>(j);
  if (log2_N > 60) return jj * log2_N - log2_factorial(jj);
  const double N = std::exp2(log2_N);
  if (N < jj) return -std::numeric_limits<double>::infinity();
  double sum = 0;
  for (std::int64_t i = 0; i < j; ++i) sum += std::log2(N - static_cast<double>(i));
  return sum - log2_factorial(jj);
}

}  // namespace

double cover_count(std::int64_t n, std::int64_t D) {
  if (n <= 0 || D <= 0) return 0.0;
  double sum = 0.0, term = 1.0;  // binom(n - 1, i), by the recurrence
  for (std::int64_t i = 0; i < D && i <= n - 1; ++i) {
    if (i > 0) term = term * static_cast<double>(n - i) / static_cast<double>(i);
    sum += term;
  }
  return 2.0 * sum;
}

double log2_cover_count(std::int64_t n, std::int64_t D) {
  if (n < 1 || D < 1) fail("Cover's count: need n >= 1 and D >= 1, got n = {}, D = {}", n, D);
  if (D >= n) return static_cast<double>(n);
  if (const double count = cover_count(n, D); std::isfinite(count)) return std::log2(count);
  // Past 2^1024: the same sum in log2, by lgamma.
  double sum = -std::numeric_limits<double>::infinity();
  for (std::int64_t i = 0; i < D; ++i) {
    const double term = (std::lgamma(static_cast<double>(n)) - std::lgamma(i + 1.0) -
                         std::lgamma(static_cast<double>(n - i))) /
                        std::log(2.0);
    sum = log2_add(sum, term);
  }
  return 1 + sum;
}

double log2_sets_up_to(double log2_N, std::int64_t k) {
  if (k < 1) fail("program count: need k >= 1, got {}", k);
  double sum = -std::numeric_limits<double>::infinity();
  for (std::int64_t j = 1; j <= k; ++j) sum = log2_add(sum, log2_binomial_real(log2_N, j));
  return sum;
}

double log2_multisets(double log2_T, std::int64_t k) {
  if (k < 1) fail("multiset count: need k >= 1, got {}", k);
  // binom(T + k - 1, k) with T + k - 1 = 2^log2_T + k - 1.
  const double log2_top = log2_add(log2_T, std::log2(static_cast<double>(k - 1)));
  return log2_binomial_real(k == 1 ? log2_T : log2_top, k);
}

double log2_multiset_tree(double log2_T, std::int64_t k) {
  double sum = -std::numeric_limits<double>::infinity();
  for (std::int64_t j = 1; j <= k; ++j) sum = log2_add(sum, log2_multisets(log2_T, j));
  return sum;
}

}  // namespace hardnets::estimate
