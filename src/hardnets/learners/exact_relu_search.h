// Stage 3 of the `exact_relu` learner: the search over cell tuples.
//
// Every multiset of k distinct (pattern, sign) items, item = 2·pattern +
// (sign < 0), is one convex program (exact_relu_cells.h); the best of them is
// the global optimum. Programs are ranked lexicographically and run in fixed
// blocks of kBlock, in rounds of 1, 2, 4, ... blocks against the incumbent of
// the previous round, so results and statistics are identical for every
// thread count. Units 1..k are searched in turn, each optimum (padded with a
// zero unit) starting the next.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "hardnets/core/resources.h"
#include "hardnets/learners/exact_relu_arrangement.h"
#include "hardnets/learners/exact_relu_cells.h"

namespace hardnets::exact_relu {

using u128 = unsigned __int128;

// binom(n, r), saturated at 2^100.
u128 binom(std::int64_t n, std::int64_t r);

// The combination of rank `index` (lexicographic) of r items out of N.
std::vector<std::int64_t> unrank(u128 index, std::int64_t N, std::int64_t r);

// The next r-combination of {0..N-1} in lexicographic order; false at the end.
bool next_items(std::vector<std::int64_t>& c, std::int64_t N);

struct Best {
  double loss = std::numeric_limits<double>::infinity();
  std::int64_t index = -1;          // program rank; -1 = the starting network
  std::vector<std::int64_t> items;  // item = 2 * pattern + (sign < 0)
  Eigen::VectorXd u;
  int found_k = 0;  // units of the winning program (0 = the starting network)
  bool better_than(const Best& o) const {
    return loss < o.loss || (loss == o.loss && index < o.index);
  }
};

struct SearchStats {
  std::int64_t programs = 0, solved = 0, qp = 0;
  bool complete = true;
  std::string why;
};

// The (pattern, sign) items of the combination c.
std::vector<Item> make_items(const Patterns& patterns, const std::vector<std::int64_t>& c);

// The starting network: θ = 0 and the best constant output for the loss
// (mean, median or midrange; 0 without an output bias).
Best starting_network(const Data& data);

// Every k-tuple program against `best` (updated in place), at most
// max_programs in all (counted in stats.programs).
void search(const Data& data, const Patterns& patterns, int k, int threads, const Stopwatch& clock,
            double time_limit, std::int64_t max_programs, Best& best, SearchStats& stats);

// Units 1..k in turn, each optimum (padded with a zero unit) starting the
// next; stops at the first incomplete search.
void search_units(const Data& data, const Patterns& patterns, int k, int threads,
                  const Stopwatch& clock, double time_limit, std::int64_t max_programs, Best& best,
                  SearchStats& stats);

}  // namespace hardnets::exact_relu
