// Counter-based random numbers (Philox4x64-10 from Random123).
//
// Every value is a pure function of (seed, stream, index): word `index` of
// stream `stream` under key `seed`. Nothing is shared between streams, so a
// computation split over any number of threads draws exactly the same numbers
// as a serial one, provided each piece of work owns its stream (or its index
// range). Streams are named by 64-bit ids; `substream()` derives child ids by
// hashing so that nested components (a problem's teacher, its inputs, its
// noise) never collide.
//
// A Rng is a cheap cursor into one stream: it holds the key, the stream id and
// the next word index. Each draw consumes a fixed number of words, so the k-th
// draw of a given kind is reproducible independently of how it was reached.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace hardnets {

using Seed = std::uint64_t;

// 64-bit mixing hash used to derive stream ids (SplitMix64 finaliser).
std::uint64_t mix64(std::uint64_t x);
// Stream id for a named component: stable across platforms and runs.
std::uint64_t stream_id(std::string_view name);

class Rng {
 public:
  Rng(Seed seed, std::uint64_t stream, std::uint64_t index = 0);

  Seed seed() const { return seed_; }
  std::uint64_t stream() const { return stream_; }
  // Index of the next 64-bit word this cursor will consume.
  std::uint64_t position() const { return index_; }
  void seek(std::uint64_t index) { index_ = index; }

  // A child stream, independent of this one and of other children.
  Rng substream(std::uint64_t child) const;
  Rng substream(std::string_view name) const { return substream(stream_id(name)); }

  // Raw 64 random bits (1 word).
  std::uint64_t next_u64();
  // Uniform in [0, 1) with 53 random bits (1 word).
  double uniform();
  // Uniform in [lo, hi) (1 word).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, bound) without modulo bias (1 or more words).
  std::uint64_t uniform_int(std::uint64_t bound);
  // Standard normal by Box–Muller (2 words, one value).
  double normal();
  // Two independent standard normals from the same 2 words.
  std::array<double, 2> normal_pair();
  // Fills `out` with i.i.d. N(0, 1), two values per 2 words.
  void fill_normal(std::span<double> out);
  // Uniform on the unit sphere S^{d-1} (normalised Gaussian vector).
  void fill_sphere(std::span<double> out);
  // 1 with probability p (1 word).
  bool bernoulli(double p);
  // Uniform sign ±1 (1 word).
  double sign() { return (next_u64() >> 63) ? 1.0 : -1.0; }
  // Discrete Gaussian on Z: P(k) ∝ exp(-(k - center)^2 / (2 sigma^2)), by
  // rejection from a uniform proposal on center ± 12 sigma (tail mass
  // < 1e-32 is dropped). Exact for sigma >= 0.05; sigma < 0.05 returns the
  // integer nearest to center.
  std::int64_t discrete_gaussian(double sigma, double center = 0.0);

 private:
  std::array<std::uint64_t, 4> block(std::uint64_t block_index) const;

  Seed seed_;
  std::uint64_t stream_;
  std::uint64_t index_;
  // Cache of the last block generated: a block holds 4 words.
  std::uint64_t cached_block_ = ~std::uint64_t{0};
  std::array<std::uint64_t, 4> cache_{};
};

// Fisher–Yates shuffle driven by `rng`: one uniform_int(i) per i = n..2.
template <typename T>
void shuffle(std::vector<T>& items, Rng& rng) {
  for (std::size_t i = items.size(); i > 1; --i) {
    std::swap(items[i - 1], items[rng.uniform_int(i)]);
  }
}

}  // namespace hardnets
