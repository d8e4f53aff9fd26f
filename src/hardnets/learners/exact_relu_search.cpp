#include "hardnets/learners/exact_relu_search.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "hardnets/core/parallel.h"

namespace hardnets::exact_relu {
namespace {

constexpr double kPruneMargin = 1e-9;      // relative to 1 + Σ y²
constexpr std::int64_t kBlock = 256;       // programs per block
constexpr std::int64_t kRoundBlocks = 64;  // most blocks per round (incumbent updated between)

}  // namespace

// binom(n, r), saturated at 2^100.
u128 binom(std::int64_t n, std::int64_t r) {
  if (r < 0 || n < r) return 0;
  r = std::min(r, n - r);
  const u128 cap = u128{1} << 100;
  u128 out = 1;
  for (std::int64_t i = 1; i <= r; ++i) {
    out = out * static_cast<u128>(n - r + i) / static_cast<u128>(i);
    if (out > cap) return cap;
  }
  return out;
}

// The combination of rank `index` (lexicographic) of r items out of N.
std::vector<std::int64_t> unrank(u128 index, std::int64_t N, std::int64_t r) {
  std::vector<std::int64_t> c(static_cast<std::size_t>(r));
  std::int64_t lo = 0;
  for (std::int64_t q = 0; q < r; ++q) {
    const std::int64_t rem = r - q;
    // Combinations starting below x (from lo): binom(N-lo, rem) - binom(N-x, rem).
    const u128 total = binom(N - lo, rem);
    std::int64_t a = lo, b = N - rem;  // answer in [a, b]
    while (a < b) {
      const std::int64_t mid = a + (b - a + 1) / 2;
      if (total - binom(N - mid, rem) <= index) {
        a = mid;
      } else {
        b = mid - 1;
      }
    }
    index -= total - binom(N - a, rem);
    c[static_cast<std::size_t>(q)] = a;
    lo = a + 1;
  }
  return c;
}

bool next_items(std::vector<std::int64_t>& c, std::int64_t N) {
  const auto r = static_cast<std::int64_t>(c.size());
  std::int64_t i = r - 1;
  while (i >= 0 && c[static_cast<std::size_t>(i)] == N - r + i) --i;
  if (i < 0) return false;
  ++c[static_cast<std::size_t>(i)];
  for (std::int64_t j = i + 1; j < r; ++j)
    c[static_cast<std::size_t>(j)] = c[static_cast<std::size_t>(j - 1)] + 1;
  return true;
}

std::vector<Item> make_items(const Patterns& patterns, const std::vector<std::int64_t>& c) {
  std::vector<Item> items;
  for (const auto a : c)
    items.push_back({patterns[static_cast<std::size_t>(a / 2)], a % 2 ? -1 : 1});
  return items;
}

void search(const Data& data, const Patterns& patterns, int k, int threads, const Stopwatch& clock,
            double time_limit, std::int64_t max_programs, Best& best, SearchStats& stats) {
  const auto N = static_cast<std::int64_t>(2 * patterns.size());
  const u128 total_exact = binom(N, k);
  const std::int64_t budget = std::max<std::int64_t>(0, max_programs - stats.programs);
  const bool over = total_exact > static_cast<u128>(budget);
  const auto total = static_cast<std::int64_t>(over ? static_cast<u128>(budget) : total_exact);
  const double margin = kPruneMargin * (1.0 + data.yy);
  std::int64_t done = 0;
  // Rounds of 1, 2, 4, ... blocks up to kRoundBlocks: the incumbent improves
  // early, so later rounds prune more (a schedule fixed by the block count
  // alone, not by the threads).
  std::int64_t round_blocks = 1;
  while (done < total) {
    if (clock.seconds() > time_limit) {
      stats.complete = false;
      stats.why = "time limit";
      return;
    }
    const std::int64_t round = std::min(total - done, kBlock * round_blocks);
    round_blocks = std::min(kRoundBlocks, 2 * round_blocks);
    const std::int64_t blocks = (round + kBlock - 1) / kBlock;
    std::vector<Best> block_best(static_cast<std::size_t>(blocks));
    std::vector<SearchStats> block_stats(static_cast<std::size_t>(blocks));
    const double incumbent = best.loss;
    std::atomic<std::int64_t> next{0};
    parallel_for(threads, threads, [&](std::int64_t, std::int64_t) {
      for (std::int64_t b = next++; b < blocks; b = next++) {
        const std::int64_t begin = done + b * kBlock;
        const std::int64_t end = std::min(done + round, begin + kBlock);
        std::vector<std::int64_t> c = unrank(static_cast<u128>(begin), N, k);
        Best& local = block_best[static_cast<std::size_t>(b)];
        SearchStats& st = block_stats[static_cast<std::size_t>(b)];
        // LP models per block and sign tuple (consecutive programs alternate
        // signs; a model sees the next patterns of its own signs): each
        // warm-start chain is the same for every thread count.
        std::vector<std::unique_ptr<WarmLp>> lps;
        if (data.loss != Loss::kSquare) lps.resize(std::size_t{1} << k);
        for (std::int64_t idx = begin; idx < end; ++idx) {
          const std::vector<Item> items = make_items(patterns, c);
          const double cutoff = std::min(incumbent, local.loss) + margin;
          Program prog;
          if (lps.empty()) {
            prog = solve_square(data, items, cutoff);
          } else if (!(lp_lower_bound(data, items) > cutoff)) {
            std::size_t key = 0;
            for (std::size_t j = 0; j < items.size(); ++j)
              key |= (items[j].sign < 0 ? 1U : 0U) << j;
            if (!lps[key]) lps[key] = std::make_unique<WarmLp>(data, k);
            prog = lps[key]->solve(items);
          }
          ++st.programs;
          if (prog.solved) {
            ++st.solved;
            if (prog.qp) ++st.qp;
            Best cand;
            cand.loss = prog.loss;
            cand.index = idx;
            cand.found_k = k;
            if (cand.better_than(local)) {
              local = cand;
              local.items = c;
              local.u = prog.u;
            }
          }
          if (idx + 1 < end) next_items(c, N);
        }
      }
    });
    for (std::int64_t b = 0; b < blocks; ++b) {
      const Best& bb = block_best[static_cast<std::size_t>(b)];
      if (bb.index >= 0 && bb.better_than(best)) best = bb;
      stats.programs += block_stats[static_cast<std::size_t>(b)].programs;
      stats.solved += block_stats[static_cast<std::size_t>(b)].solved;
      stats.qp += block_stats[static_cast<std::size_t>(b)].qp;
    }
    done += round;
  }
  if (over) {
    stats.complete = false;
    stats.why = fmt::format("max_patterns = {} programs", max_programs);
  }
}

Best starting_network(const Data& data) {
  const int n = data.n, D = data.D;
  const bool bias = data.bias;
  Best best;
  best.index = -1;
  const int m = D + (bias ? 1 : 0);
  best.u = Eigen::VectorXd::Zero(m);
  if (bias) {
    std::vector<double> v(data.y.data(), data.y.data() + n);
    std::sort(v.begin(), v.end());
    best.u[m - 1] = data.loss == Loss::kSquare ? data.y.mean()
                    : data.loss == Loss::kL1   ? v[static_cast<std::size_t>(n / 2)]
                                               : 0.5 * (v.front() + v.back());
  }
  std::vector<std::uint64_t> zero(static_cast<std::size_t>((n + 63) / 64), 0);
  best.loss = honest_loss(data, {{zero.data(), 1}}, best.u);
  return best;
}

void search_units(const Data& data, const Patterns& patterns, int k, int threads,
                  const Stopwatch& clock, double time_limit, std::int64_t max_programs, Best& best,
                  SearchStats& stats) {
  const int D = data.D;
  const bool bias = data.bias;
  for (int kk = 1; kk <= k && stats.complete; ++kk) {
    if (kk > 1) {
      // Re-express the incumbent with kk units: the new unit is θ = 0.
      const int m_old = (kk - 1) * D, m_new = kk * D;
      Eigen::VectorXd u = Eigen::VectorXd::Zero(m_new + (bias ? 1 : 0));
      u.head(m_old) = best.u.head(m_old);
      if (bias) u[m_new] = best.u[m_old];
      best.u = u;
      best.index = -1;
    }
    search(data, patterns, kk, threads, clock, time_limit, max_programs, best, stats);
  }
}

}  // namespace hardnets::exact_relu
