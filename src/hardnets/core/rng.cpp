#include "hardnets/core/rng.h"

#include <cmath>
#include <numbers>

#include <Random123/philox.h>

#include "hardnets/core/error.h"

namespace hardnets {

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t stream_id(std::string_view name) {
  // FNV-1a over the bytes, then mixed: stable, unlike std::hash.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

Rng::Rng(Seed seed, std::uint64_t stream, std::uint64_t index)
    : seed_(seed), stream_(stream), index_(index) {}

Rng Rng::substream(std::uint64_t child) const {
  return Rng(seed_, mix64(stream_ ^ mix64(child + 0x632be59bd9b4e019ULL)));
}

std::array<std::uint64_t, 4> Rng::block(std::uint64_t block_index) const {
  using Philox = r123::Philox4x64;
  Philox::ctr_type ctr = {{stream_, block_index, 0, 0}};
  Philox::key_type key = {{seed_, 0x68617264'6e657473ULL}};  // "hardnets"
  Philox::ctr_type out = Philox()(ctr, key);
  return {out[0], out[1], out[2], out[3]};
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t b = index_ >> 2;
  if (b != cached_block_) {
    cache_ = block(b);
    cached_block_ = b;
  }
  return cache_[index_++ & 3];
}

double Rng::uniform() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

std::uint64_t Rng::uniform_int(std::uint64_t bound) {
  if (bound == 0) fail("uniform_int: bound must be positive");
  // Rejection on the top of the range removes modulo bias.
  const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % bound);
  for (;;) {
    const std::uint64_t x = next_u64();
    if (x < limit) return x % bound;
  }
}

namespace {
// Box–Muller on two raw words, u1 in (0, 1] so that log(u1) is finite.
inline std::array<double, 2> box_muller(std::uint64_t w1, std::uint64_t w2) {
  const double u1 = 1.0 - static_cast<double>(w1 >> 11) * 0x1.0p-53;
  const double u2 = static_cast<double>(w2 >> 11) * 0x1.0p-53;
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double t = 2.0 * std::numbers::pi * u2;
  return {r * std::cos(t), r * std::sin(t)};
}
}  // namespace

std::array<double, 2> Rng::normal_pair() {
  const std::uint64_t w1 = next_u64();
  return box_muller(w1, next_u64());
}

double Rng::normal() {
  return normal_pair()[0];
}

void Rng::fill_normal(std::span<double> out) {
  std::size_t i = 0;
  // Same words, same values as repeated normal_pair(); once the cursor is at a
  // block boundary, whole Philox blocks (two pairs each) are generated
  // directly instead of word by word through the cache (twice as fast).
  if ((index_ & 1) == 0) {
    for (; i + 1 < out.size() && (index_ & 3) != 0; i += 2) {
      const auto z = normal_pair();
      out[i] = z[0];
      out[i + 1] = z[1];
    }
    for (; i + 4 <= out.size(); i += 4) {
      const auto words = block(index_ >> 2);
      index_ += 4;
      const auto a = box_muller(words[0], words[1]);
      const auto b = box_muller(words[2], words[3]);
      out[i] = a[0];
      out[i + 1] = a[1];
      out[i + 2] = b[0];
      out[i + 3] = b[1];
    }
  }
  for (; i + 1 < out.size(); i += 2) {
    const auto z = normal_pair();
    out[i] = z[0];
    out[i + 1] = z[1];
  }
  if (i < out.size()) out[i] = normal();
}

void Rng::fill_sphere(std::span<double> out) {
  if (out.empty()) fail("fill_sphere: dimension must be positive");
  double norm2 = 0.0;
  do {
    fill_normal(out);
    norm2 = 0.0;
    for (double v : out) norm2 += v * v;
  } while (norm2 == 0.0);
  const double inv = 1.0 / std::sqrt(norm2);
  for (double& v : out) v *= inv;
}

bool Rng::bernoulli(double p) {
  return uniform() < p;
}

std::int64_t Rng::discrete_gaussian(double sigma, double center) {
  if (!(sigma >= 0.0) || !std::isfinite(sigma) || !std::isfinite(center)) {
    fail("discrete_gaussian: sigma must be finite and >= 0, got {}", sigma);
  }
  if (sigma < 0.05) return static_cast<std::int64_t>(std::llround(center));
  const double tail = 12.0 * sigma;
  const auto lo = static_cast<std::int64_t>(std::floor(center - tail));
  const auto hi = static_cast<std::int64_t>(std::ceil(center + tail));
  const auto width = static_cast<std::uint64_t>(hi - lo + 1);
  for (;;) {
    const std::int64_t k = lo + static_cast<std::int64_t>(uniform_int(width));
    const double dk = static_cast<double>(k) - center;
    if (uniform() < std::exp(-dk * dk / (2.0 * sigma * sigma))) return k;
  }
}

}  // namespace hardnets
