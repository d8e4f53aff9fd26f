// Tests for the counter-based generator (core/rng.h) and parallel_for.
//
// Statistical tests use fixed seeds, so each is deterministic: the tolerances
// are chosen at 5-7 standard errors of the estimate so that they would also
// pass for any other seed with overwhelming probability (the test stays valid
// if the stream layout changes), while the defects they target (a wrong
// transform, a lost factor, a biased reduction) shift the statistic by many
// standard errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <set>
#include <unordered_set>
#include <vector>

#include <Random123/philox.h>

#include "hardnets/core/error.h"
#include "hardnets/core/parallel.h"
#include "hardnets/core/rng.h"

namespace hardnets {
namespace {

std::vector<std::uint64_t> words(Rng rng, int count) {
  std::vector<std::uint64_t> out(static_cast<std::size_t>(count));
  for (auto& w : out) w = rng.next_u64();
  return out;
}

int count_equal(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  int equal = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) equal += a[i] == b[i];
  return equal;
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// ---- Known answers: the mixing functions and the block cipher ----

TEST(RngKnownAnswer, Mix64IsSplitMix64Finaliser) {
  // First output of SplitMix64 seeded with 0 (published reference value).
  EXPECT_EQ(mix64(0), 0xe220a8397b1dcdafULL);
}

TEST(RngKnownAnswer, StreamIdIsMixedFnv1a) {
  // FNV-1a("a") = 0xaf63dc4c8601ec8c (published); the id is its SplitMix64 mix.
  EXPECT_EQ(stream_id("a"), mix64(0xaf63dc4c8601ec8cULL));
  EXPECT_EQ(stream_id(""), mix64(0xcbf29ce484222325ULL));  // FNV offset basis
  // Values computed independently (Python) so a change of hash is noticed:
  // stored runs name their streams by these ids.
  EXPECT_EQ(stream_id("a"), 0x5f29c2aadd9b8527ULL);
  EXPECT_EQ(stream_id("teacher"), 0x6899599d06e62837ULL);
  EXPECT_NE(stream_id("teacher"), stream_id("Teacher"));
}

TEST(RngKnownAnswer, Philox4x64MatchesRandom123Vectors) {
  // Known-answer vectors from Random123's kat_vectors (Philox4x64-10).
  using Philox = r123::Philox4x64;
  Philox::ctr_type ctr = {{0, 0, 0, 0}};
  Philox::key_type key = {{0, 0}};
  auto out = Philox()(ctr, key);
  EXPECT_EQ(out[0], 0x16554d9eca36314cULL);
  EXPECT_EQ(out[1], 0xdb20fe9d672d0fdcULL);
  EXPECT_EQ(out[2], 0xd7e772cee186176bULL);
  EXPECT_EQ(out[3], 0x7e68b68aec7ba23bULL);
  ctr = {
      {0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL, 0xa4093822299f31d0ULL, 0x082efa98ec4e6c89ULL}};
  key = {{0x452821e638d01377ULL, 0xbe5466cf34e90c6cULL}};
  out = Philox()(ctr, key);
  EXPECT_EQ(out[0], 0xa528f45403e61d95ULL);
  EXPECT_EQ(out[1], 0x38c72dbd566e9788ULL);
  EXPECT_EQ(out[2], 0xa5a1610e72fd18b5ULL);
  EXPECT_EQ(out[3], 0x57bd43b5e52b7fe6ULL);
}

TEST(RngKnownAnswer, WordLayoutIsPhiloxOfStreamAndBlock) {
  // The stream layout every stored run depends on: word i of (seed, stream) is
  // word i % 4 of Philox4x64-10 at counter (stream, i / 4, 0, 0) under key
  // (seed, "hardnets").
  using Philox = r123::Philox4x64;
  const Seed seed = 0x0123456789abcdefULL;
  const std::uint64_t stream = 987654321;
  Rng rng(seed, stream);
  for (std::uint64_t i = 0; i < 64; ++i) {
    Philox::ctr_type ctr = {{stream, i / 4, 0, 0}};
    Philox::key_type key = {{seed, 0x686172646e657473ULL}};
    EXPECT_EQ(rng.next_u64(), Philox()(ctr, key)[i % 4]) << "word " << i;
  }
}

// ---- Determinism ----

TEST(RngDeterminism, SameTripleSameValues) {
  Rng a(42, 7), b(42, 7);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(a.next_u64(), b.next_u64());
    ASSERT_TRUE(same_bits(a.normal(), b.normal()));
    ASSERT_EQ(a.uniform_int(1000003), b.uniform_int(1000003));
    ASSERT_EQ(a.discrete_gaussian(3.0, 0.5), b.discrete_gaussian(3.0, 0.5));
  }
}

TEST(RngDeterminism, EveryWordIsAFunctionOfItsIndex) {
  const auto seq = words(Rng(5, 11), 1000);
  // A cursor created at any index, visited in scrambled order, reads the same word.
  for (std::uint64_t k = 0; k < 1000; ++k) {
    const std::uint64_t i = (k * 617) % 1000;
    Rng at(5, 11, i);
    EXPECT_EQ(at.position(), i);
    ASSERT_EQ(at.next_u64(), seq[i]) << "index " << i;
  }
}

TEST(RngDeterminism, SeekReproducesSuffixOfMixedDraws) {
  // Mixed draws (including variable-length ones) then seek back into the
  // middle, also across the cached block, and redraw.
  Rng rng(2024, stream_id("suffix"));
  std::vector<std::uint64_t> positions;
  std::vector<double> values;
  for (int i = 0; i < 2000; ++i) {
    positions.push_back(rng.position());
    switch (i % 5) {
      case 0:
        values.push_back(rng.uniform());
        break;
      case 1:
        values.push_back(rng.normal());
        break;
      case 2:
        values.push_back(static_cast<double>(rng.uniform_int(7)));
        break;
      case 3:
        values.push_back(static_cast<double>(rng.discrete_gaussian(1.5, 0.25)));
        break;
      default:
        values.push_back(rng.sign());
        break;
    }
  }
  for (int start : {1999, 1000, 3, 0}) {
    rng.seek(positions[static_cast<std::size_t>(start)]);
    for (int i = start; i < 2000; ++i) {
      double v = 0.0;
      switch (i % 5) {
        case 0:
          v = rng.uniform();
          break;
        case 1:
          v = rng.normal();
          break;
        case 2:
          v = static_cast<double>(rng.uniform_int(7));
          break;
        case 3:
          v = static_cast<double>(rng.discrete_gaussian(1.5, 0.25));
          break;
        default:
          v = rng.sign();
          break;
      }
      ASSERT_TRUE(same_bits(v, values[static_cast<std::size_t>(i)]))
          << "draw " << i << " after seeking to draw " << start;
    }
  }
}

TEST(RngDeterminism, FixedWordCounts) {
  // The documented word cost of each draw: the k-th draw of a kind is then
  // reproducible by seeking alone.
  Rng rng(1, 2);
  rng.next_u64();
  EXPECT_EQ(rng.position(), 1u);
  rng.uniform();
  EXPECT_EQ(rng.position(), 2u);
  rng.uniform(-3.0, 5.0);
  EXPECT_EQ(rng.position(), 3u);
  rng.normal();
  EXPECT_EQ(rng.position(), 5u);
  rng.normal_pair();
  EXPECT_EQ(rng.position(), 7u);
  rng.bernoulli(0.3);
  EXPECT_EQ(rng.position(), 8u);
  rng.sign();
  EXPECT_EQ(rng.position(), 9u);
  std::vector<double> v(5);
  rng.fill_normal(v);  // two pairs and one single normal: 6 words
  EXPECT_EQ(rng.position(), 15u);
  // normal() is the first value of the pair drawn from the same words.
  Rng a(3, 4), b(3, 4);
  EXPECT_TRUE(same_bits(a.normal(), b.normal_pair()[0]));
}

TEST(RngDeterminism, DifferentSeedsAndStreamsDiffer) {
  // Any coincidence among 4096 words has probability ~4096 / 2^64.
  const auto base = words(Rng(1, 0), 4096);
  EXPECT_EQ(count_equal(base, words(Rng(2, 0), 4096)), 0);
  EXPECT_EQ(count_equal(base, words(Rng(1, 1), 4096)), 0);
  EXPECT_EQ(count_equal(base, words(Rng(0, 0), 4096)), 0);
  EXPECT_EQ(count_equal(base, words(Rng(1, 0, 4), 4096)), 0);
  // Streams are not shifted copies of one another: no word of adjacent
  // streams or seeds appears anywhere in the first 4096 words of the base.
  std::unordered_set<std::uint64_t> seen(base.begin(), base.end());
  EXPECT_EQ(seen.size(), base.size());
  for (const auto& other :
       {words(Rng(1, 1), 4096), words(Rng(2, 0), 4096), words(Rng(1, 0).substream(0), 4096)}) {
    int hits = 0;
    for (auto w : other) hits += seen.count(w) > 0;
    EXPECT_EQ(hits, 0);
  }
}

TEST(RngDeterminism, SubstreamsAreIndependentOfParentAndSiblings) {
  Rng parent(77, stream_id("problem"));
  const Rng child1 = parent.substream(1);
  const Rng child2 = parent.substream(2);
  const Rng named = parent.substream("teacher");
  // Same seed, new stream ids, all distinct, cursors at 0.
  std::set<std::uint64_t> ids = {parent.stream(), child1.stream(), child2.stream(), named.stream()};
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(child1.seed(), 77u);
  EXPECT_EQ(child1.position(), 0u);
  EXPECT_EQ(named.stream(), parent.substream(stream_id("teacher")).stream());
  // A child depends on the parent's stream only, not on its cursor.
  Rng advanced = parent;
  for (int i = 0; i < 13; ++i) advanced.normal();
  EXPECT_EQ(words(advanced.substream(1), 64), words(child1, 64));
  // Nested children differ from children of the parent and from each other.
  EXPECT_NE(child1.substream(1).stream(), child1.stream());
  EXPECT_NE(child1.substream(1).stream(), child2.substream(1).stream());
  EXPECT_NE(child1.substream(2).stream(), child2.substream(1).stream());
  // Values: no coincident words, and empirical correlation of the uniforms of
  // parent/child and sibling streams ~ 0. With n = 100000 the correlation of
  // independent sequences has standard error 1/sqrt(n) = 0.0032; 0.02 is 6 SE.
  const auto p = words(parent, 4096);
  EXPECT_EQ(count_equal(p, words(child1, 4096)), 0);
  EXPECT_EQ(count_equal(words(child1, 4096), words(child2, 4096)), 0);
  auto corr = [](Rng a, Rng b) {
    const int n = 100000;
    double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; ++i) {
      const double x = a.uniform(), y = b.uniform();
      sa += x, sb += y, sab += x * y, saa += x * x, sbb += y * y;
    }
    const double cov = sab / n - (sa / n) * (sb / n);
    return cov / std::sqrt((saa / n - sa * sa / n / n) * (sbb / n - sb * sb / n / n));
  };
  EXPECT_LT(std::abs(corr(parent, child1)), 0.02);
  EXPECT_LT(std::abs(corr(child1, child2)), 0.02);
}

// ---- Thread-count invariance ----

TEST(ParallelFor, CoversEveryIndexExactlyOnce) {
  for (std::int64_t n : {0, 1, 2, 7, 10, 1000}) {
    for (int threads : {0, 1, 2, 3, 8, 64}) {
      std::vector<int> hits(static_cast<std::size_t>(n), 0);
      parallel_for(n, threads, [&](std::int64_t begin, std::int64_t end) {
        ASSERT_LE(0, begin);
        ASSERT_LE(begin, end);
        ASSERT_LE(end, n);
        for (std::int64_t i = begin; i < end; ++i) ++hits[static_cast<std::size_t>(i)];
      });
      for (std::int64_t i = 0; i < n; ++i) {
        ASSERT_EQ(hits[static_cast<std::size_t>(i)], 1)
            << "n=" << n << " threads=" << threads << " index " << i;
      }
    }
  }
}

TEST(RngParallel, ResultsIdenticalForAnyThreadCount) {
  // Each item i seeks to its own word range (4 words: normal 2, uniform 1,
  // sign 1) and also draws a variable-length value from its own substream.
  constexpr std::int64_t n = 1 << 19;
  const Rng root(31337, stream_id("parallel"));
  auto fill = [&](int threads) {
    std::vector<double> out(static_cast<std::size_t>(3 * n));
    parallel_for(n, threads, [&](std::int64_t begin, std::int64_t end) {
      Rng rng = root;
      for (std::int64_t i = begin; i < end; ++i) {
        rng.seek(static_cast<std::uint64_t>(4 * i));
        const auto k = static_cast<std::size_t>(3 * i);
        out[k] = rng.normal();
        out[k + 1] = rng.uniform() * rng.sign();
        out[k + 2] = static_cast<double>(
            root.substream(static_cast<std::uint64_t>(i)).discrete_gaussian(2.0, 0.5));
      }
    });
    return out;
  };
  const auto serial = fill(1);
  for (int threads : {2, 3, 8}) {
    const auto parallel = fill(threads);
    ASSERT_EQ(parallel.size(), serial.size());
    EXPECT_EQ(std::memcmp(parallel.data(), serial.data(), serial.size() * sizeof(double)), 0)
        << "threads=" << threads;
  }
  // A single cursor drawing sequentially, without seeks, consumes the same
  // words: the per-item seeks above are exactly the serial stream.
  Rng seq = root;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(3 * i);
    ASSERT_TRUE(same_bits(seq.normal(), serial[k])) << i;
    ASSERT_TRUE(same_bits(seq.uniform() * seq.sign(), serial[k + 1])) << i;
  }
}

// ---- Distributions ----

TEST(RngDistribution, UniformMoments) {
  // n = 1e6: SE(mean) = sqrt(1/12)/1000 = 2.9e-4 (tolerance 2e-3 ~ 7 SE);
  // SE(var) = sqrt(1/80 - 1/144)/1000 = 7.5e-5 (tolerance 5e-4 ~ 7 SE).
  Rng rng(1, stream_id("uniform"));
  const int n = 1000000;
  double s = 0, s2 = 0, lo = 1, hi = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    s += u, s2 += u * u, lo = std::min(lo, u), hi = std::max(hi, u);
  }
  const double mean = s / n, var = s2 / n - mean * mean;
  EXPECT_NEAR(mean, 0.5, 2e-3);
  EXPECT_NEAR(var, 1.0 / 12.0, 5e-4);
  EXPECT_LT(lo, 1e-5);  // P(min > 1e-5) = (1 - 1e-5)^n = e^-10
  EXPECT_GT(hi, 1 - 1e-5);
  // 53-bit resolution: the maximum word maps just below 1.
  EXPECT_EQ(static_cast<double>(~std::uint64_t{0} >> 11) * 0x1.0p-53, 1.0 - 0x1.0p-53);
  // uniform(lo, hi) is an affine map of the same word.
  Rng a(9, 9), b(9, 9);
  for (int i = 0; i < 1000; ++i) {
    const double u = a.uniform(), v = b.uniform(-2.0, 6.0);
    ASSERT_DOUBLE_EQ(v, -2.0 + 8.0 * u);
    ASSERT_GE(v, -2.0);
    ASSERT_LT(v, 6.0);
  }
}

TEST(RngDistribution, NormalMomentsAndKolmogorovSmirnov) {
  Rng rng(2, stream_id("normal"));
  const int n = 1000000;
  std::vector<double> z(n);
  rng.fill_normal(z);
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
  for (double v : z) {
    ASSERT_TRUE(std::isfinite(v));
    m1 += v, m2 += v * v, m3 += v * v * v, m4 += v * v * v * v;
  }
  m1 /= n, m2 /= n, m3 /= n, m4 /= n;
  // Standard errors at n = 1e6: mean 1e-3, E z^2 sqrt(2)e-3, E z^3 sqrt(15)e-3,
  // E z^4 sqrt(96)e-3 = 9.8e-3. Tolerances are ~5 SE each.
  EXPECT_NEAR(m1, 0.0, 5e-3);
  EXPECT_NEAR(m2, 1.0, 7e-3);
  EXPECT_NEAR(m3, 0.0, 0.02);
  EXPECT_NEAR(m4, 3.0, 0.05);
  // Both halves of each Box–Muller pair are N(0,1) and uncorrelated
  // (SE of the correlation over 5e5 pairs: 1.4e-3; tolerance 7e-3).
  double even2 = 0, odd2 = 0, cross = 0;
  for (int i = 0; i + 1 < n; i += 2) {
    even2 += z[i] * z[i], odd2 += z[i + 1] * z[i + 1], cross += z[i] * z[i + 1];
  }
  EXPECT_NEAR(even2 / (n / 2), 1.0, 0.01);
  EXPECT_NEAR(odd2 / (n / 2), 1.0, 0.01);
  EXPECT_NEAR(cross / (n / 2), 0.0, 7e-3);
  // Kolmogorov–Smirnov against Phi on the first 1e5 values. The critical value
  // at level 1e-4 is sqrt(-ln(0.5e-4)/2)/sqrt(m) = 2.23/sqrt(m) = 0.0070;
  // a wrong scale (e.g. variance 1/2 or 2) gives D > 0.08.
  const int m = 100000;
  std::vector<double> sample(z.begin(), z.begin() + m);
  std::sort(sample.begin(), sample.end());
  double d = 0;
  for (int i = 0; i < m; ++i) {
    const double cdf = 0.5 * std::erfc(-sample[i] / std::numbers::sqrt2);
    d = std::max({d, cdf - static_cast<double>(i) / m, static_cast<double>(i + 1) / m - cdf});
  }
  EXPECT_LT(d, 2.23 / std::sqrt(static_cast<double>(m)));
}

TEST(RngDistribution, SphereIsUnitNormAndIsotropic) {
  for (int dim : {1, 3, 8}) {
    Rng rng(3, stream_id("sphere"));
    const int n = 200000;
    std::vector<double> x(static_cast<std::size_t>(dim)), mean(x.size(), 0.0), m4(x.size(), 0.0);
    for (int i = 0; i < n; ++i) {
      rng.fill_sphere(x);
      double norm2 = 0;
      for (int j = 0; j < dim; ++j) {
        norm2 += x[j] * x[j];
        mean[j] += x[j];
        m4[j] += x[j] * x[j] * x[j] * x[j];
      }
      ASSERT_NEAR(norm2, 1.0, 1e-12);
    }
    // Coordinate j has variance 1/d: SE(mean) = 1/sqrt(d n); tolerance 6 SE.
    // E x_j^4 = 3/(d(d+2)) on the uniform sphere (1 for d = 1): this catches
    // non-uniform but symmetric schemes such as normalising a cube sample.
    // Var(x_j^4) <= E x_j^8 = 105/(d(d+2)(d+4)(d+6)); tolerance 6 SE.
    const double d = dim;
    const double se_mean = 1.0 / std::sqrt(d * n);
    const double m4_expected = 3.0 / (d * (d + 2));
    const double se_m4 = std::sqrt(105.0 / (d * (d + 2) * (d + 4) * (d + 6)) / n);
    for (int j = 0; j < dim; ++j) {
      EXPECT_NEAR(mean[j] / n, 0.0, 6 * se_mean) << "d=" << dim << " coordinate " << j;
      if (dim > 1) {
        EXPECT_NEAR(m4[j] / n, m4_expected, 6 * se_m4) << "d=" << dim << " coordinate " << j;
      }
    }
  }
  Rng rng(0, 0);
  std::vector<double> empty;
  EXPECT_THROW(rng.fill_sphere(empty), UserError);
}

TEST(RngDistribution, BernoulliFrequencies) {
  const int n = 400000;
  for (double p : {0.0, 0.1, 0.5, 0.9, 1.0}) {
    Rng rng(4, stream_id("bernoulli"));
    int ones = 0;
    for (int i = 0; i < n; ++i) ones += rng.bernoulli(p);
    const double freq = static_cast<double>(ones) / n;
    if (p == 0.0 || p == 1.0) {
      EXPECT_EQ(freq, p);  // exact: uniform() is in [0, 1)
    } else {
      // SE = sqrt(p(1-p)/n) <= 7.9e-4; tolerance 6 SE.
      EXPECT_NEAR(freq, p, 6 * std::sqrt(p * (1 - p) / n)) << "p=" << p;
    }
  }
}

TEST(RngDistribution, UniformIntChiSquareOnSmallBound) {
  // Chi-square with 6 degrees of freedom; P(chi2_6 > 40) ~ 5e-7. A missing or
  // off-by-one value puts ~1e5 expected counts in the wrong cell (chi2 >> 40).
  Rng rng(5, stream_id("uniform_int"));
  const int bound = 7, n = 700000;
  std::vector<int> counts(bound, 0);
  for (int i = 0; i < n; ++i) {
    const auto k = rng.uniform_int(bound);
    ASSERT_LT(k, static_cast<std::uint64_t>(bound));
    ++counts[k];
  }
  const double expected = static_cast<double>(n) / bound;
  double chi2 = 0;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, 40.0);
  Rng one(1, 1);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(one.uniform_int(1), 0u);
  EXPECT_THROW(one.uniform_int(0), UserError);
}

TEST(RngDistribution, UniformIntHasNoModuloBiasOnLargeBound) {
  // bound = 3 * 2^62: plain `x % bound` would return values below 2^62 with
  // probability 1/2 instead of 1/3. n = 1e5: SE = 1.5e-3; tolerance 0.01.
  Rng rng(6, stream_id("modulo"));
  const std::uint64_t bound = 3ULL << 62;
  const int n = 100000;
  int low = 0;
  for (int i = 0; i < n; ++i) {
    const auto k = rng.uniform_int(bound);
    ASSERT_LT(k, bound);
    low += k < (1ULL << 62);
  }
  EXPECT_NEAR(static_cast<double>(low) / n, 1.0 / 3.0, 0.01);
  // The largest bound works and draws distinct values.
  const std::uint64_t a = rng.uniform_int(~0ULL), b = rng.uniform_int(~0ULL);
  EXPECT_NE(a, b);
}

TEST(RngDistribution, DiscreteGaussianMeanAndVariance) {
  // For sigma >= 1 the discrete Gaussian on Z has mean = center and variance =
  // sigma^2 up to relative errors of order exp(-2 pi^2 sigma^2) < 3e-9.
  // n = 2e5: SE(mean) = sigma/447, SE(var) = sigma^2 sqrt(2/n) = 0.0032 sigma^2;
  // tolerances are 6 SE.
  const int n = 200000;
  struct Case {
    double sigma, center;
  };
  for (const Case c : {Case{1.0, 0.0}, Case{2.5, 3.3}, Case{10.0, -7.5}, Case{1.0, 0.5}}) {
    Rng rng(7, stream_id("discrete_gaussian"));
    double s = 0, s2 = 0;
    for (int i = 0; i < n; ++i) {
      const double k = static_cast<double>(rng.discrete_gaussian(c.sigma, c.center));
      ASSERT_LE(std::abs(k - c.center), 12 * c.sigma + 1);
      s += k, s2 += (k - c.center) * (k - c.center);
    }
    const double mean = s / n, var = s2 / n - (mean - c.center) * (mean - c.center);
    EXPECT_NEAR(mean, c.center, 6 * c.sigma / std::sqrt(n))
        << "sigma=" << c.sigma << " center=" << c.center;
    EXPECT_NEAR(var / (c.sigma * c.sigma), 1.0, 6 * std::sqrt(2.0 / n))
        << "sigma=" << c.sigma << " center=" << c.center;
  }
}

TEST(RngDistribution, DiscreteGaussianProbabilityRatioAtSmallSigma) {
  // sigma = 0.8: P(0)/P(1) = exp(1/(2 sigma^2)) = exp(0.78125) = 2.184, where a
  // rounded continuous Gaussian would give 1.96 instead. With n = 1e6 draws,
  // p0 = 0.499, p1 = 0.228: SE(log ratio) = sqrt((1/p0 + 1/p1)/n) = 0.0025;
  // tolerance 1.5% (6 SE).
  const double sigma = 0.8;
  Rng rng(8, stream_id("dg_ratio"));
  const int n = 1000000;
  std::vector<int> counts(41, 0);  // k in [-20, 20]
  for (int i = 0; i < n; ++i) {
    const auto k = rng.discrete_gaussian(sigma);
    ASSERT_LE(std::abs(k), 20);
    ++counts[static_cast<std::size_t>(k + 20)];
  }
  const double ratio = static_cast<double>(counts[20]) / counts[21];
  EXPECT_NEAR(ratio / std::exp(1.0 / (2 * sigma * sigma)), 1.0, 0.015);
  const double ratio_neg = static_cast<double>(counts[20]) / counts[19];
  EXPECT_NEAR(ratio_neg / std::exp(1.0 / (2 * sigma * sigma)), 1.0, 0.015);
  // P(1)/P(2) = exp(3/(2 sigma^2)) = 10.4; p2 = 0.022: SE(log) = 0.0077, tol 5%.
  EXPECT_NEAR(static_cast<double>(counts[21]) / counts[22] / std::exp(3.0 / (2 * sigma * sigma)),
              1.0, 0.05);
}

TEST(RngDistribution, DiscreteGaussianDegenerateAndInvalid) {
  Rng rng(9, 9);
  EXPECT_EQ(rng.discrete_gaussian(0.0, 2.6), 3);
  EXPECT_EQ(rng.discrete_gaussian(0.01, -4.4), -4);
  EXPECT_THROW(rng.discrete_gaussian(-1.0), UserError);
  EXPECT_THROW(rng.discrete_gaussian(std::nan("")), UserError);
  EXPECT_THROW(rng.discrete_gaussian(INFINITY), UserError);
  EXPECT_THROW(rng.discrete_gaussian(1.0, INFINITY), UserError);
}

TEST(RngDistribution, SignIsBalanced) {
  // n = 1e6: SE of the mean of ±1 is 1e-3; tolerance 5e-3.
  Rng rng(10, stream_id("sign"));
  const int n = 1000000;
  double s = 0;
  int runs_equal = 0;
  double prev = 0;
  for (int i = 0; i < n; ++i) {
    const double v = rng.sign();
    ASSERT_TRUE(v == 1.0 || v == -1.0);
    s += v;
    runs_equal += v == prev;
    prev = v;
  }
  EXPECT_NEAR(s / n, 0.0, 5e-3);
  // Consecutive signs agree half the time (SE 5e-4; tolerance 3e-3).
  EXPECT_NEAR(static_cast<double>(runs_equal) / n, 0.5, 3e-3);
}

}  // namespace
}  // namespace hardnets

namespace hardnets {
namespace {

// fill_normal generates whole Philox blocks directly once aligned; it must
// give exactly the values of repeated normal_pair() from any starting word.
TEST(Rng, FillNormalEqualsRepeatedPairsFromAnyOffset) {
  for (std::uint64_t start = 0; start < 6; ++start) {
    for (std::size_t length : {0u, 1u, 2u, 3u, 4u, 5u, 9u, 64u, 101u}) {
      Rng bulk(7, 3, start), single(7, 3, start);
      std::vector<double> v(length);
      bulk.fill_normal(v);
      std::size_t i = 0;
      for (; i + 1 < length; i += 2) {
        const auto z = single.normal_pair();
        ASSERT_EQ(v[i], z[0]) << start << " " << length << " " << i;
        ASSERT_EQ(v[i + 1], z[1]) << start << " " << length << " " << i;
      }
      if (i < length) ASSERT_EQ(v[i], single.normal());
      EXPECT_EQ(bulk.position(), single.position());
      EXPECT_EQ(bulk.next_u64(), single.next_u64());  // the cache stays coherent
    }
  }
}

}  // namespace
}  // namespace hardnets

namespace hardnets {
namespace {

// The batched Box–Muller (vectorised log, polynomial sin/cos) against the
// formula evaluated in long double (64-bit mantissa) on the same words.
// Tolerance 5e-16 · (1 + r), r = √(-2 ln u1): the polynomials' truncation is
// < 5e-17, and the reduction 2π(u2 - q/4), log, sqrt and the products each add
// about one ulp of r. (libm in double is no better a reference: its rounded
// angle 2πu2 alone is off by up to 4e-16 · r.)
TEST(Rng, BatchedBoxMullerIsAccurate) {
  Rng words(3, 9), normals(3, 9);
  const long double two_pi = 6.283185307179586476925286766559L;
  double worst = 0.0;
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t w1 = words.next_u64(), w2 = words.next_u64();
    const long double u1 = 1.0L - static_cast<long double>(w1 >> 11) * 0x1.0p-53L;
    const long double u2 = static_cast<long double>(w2 >> 11) * 0x1.0p-53L;
    const long double r = std::sqrt(-2.0L * std::log(u1));
    const auto z = normals.normal_pair();
    const double scale = 1.0 + static_cast<double>(r);
    worst =
        std::max({worst, static_cast<double>(std::abs(z[0] - r * std::cos(two_pi * u2))) / scale,
                  static_cast<double>(std::abs(z[1] - r * std::sin(two_pi * u2))) / scale});
  }
  EXPECT_LT(worst, 5e-16);
}

}  // namespace
}  // namespace hardnets
