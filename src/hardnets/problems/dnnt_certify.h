// Independent certifiers for the sources of the D-NNT reductions: a subset-sum
// dynamic program and Knuth's dancing links (Algorithm X) for exact cover.
// They decide the *source* instance without looking at any network, so a
// reduction's NO instances are certified by a solver that shares no code with
// the D-NNT solvers under test.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace hardnets::dnnt {

// Is there a subset of `items` (non-negative) summing to `target` ≥ 0? Returns
// the indices of one such subset (increasing), or nullopt. Classic O(m·T)
// reachability DP over sums 0..target, with one predecessor item per sum.
std::optional<std::vector<int>> subset_sum_solve(const std::vector<std::int64_t>& items,
                                                 std::int64_t target);

// Exact cover of {0, ..., universe-1} by some of `sets` (each a list of
// distinct elements in range): returns the indices of one cover (increasing),
// or nullopt. Knuth's Algorithm X on dancing links, branching on the column
// with the fewest remaining rows. `nodes`, when given, receives the number of
// search nodes visited.
std::optional<std::vector<int>> exact_cover_solve(int universe,
                                                  const std::vector<std::vector<int>>& sets,
                                                  std::int64_t* nodes = nullptr);

}  // namespace hardnets::dnnt
