// Deterministic data parallelism over an index range.
//
// parallel_for splits [0, n) into `threads` contiguous chunks and runs
// fn(begin, end) on each. Work that draws random numbers must derive them from
// the item index (see rng.h), never from the chunk, so results do not depend
// on the thread count.
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace hardnets {

template <typename Fn>
void parallel_for(std::int64_t n, int threads, Fn&& fn) {
  const std::int64_t t = std::clamp<std::int64_t>(threads, 1, std::max<std::int64_t>(n, 1));
  if (t <= 1) {
    fn(std::int64_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(t - 1));
  const std::int64_t chunk = (n + t - 1) / t;
  for (std::int64_t k = 1; k < t; ++k) {
    const std::int64_t begin = std::min(n, k * chunk), end = std::min(n, (k + 1) * chunk);
    pool.emplace_back([&fn, begin, end] { fn(begin, end); });
  }
  fn(std::int64_t{0}, std::min(n, chunk));
  for (auto& th : pool) th.join();
}

}  // namespace hardnets
