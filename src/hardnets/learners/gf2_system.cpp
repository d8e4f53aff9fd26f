#include "hardnets/learners/gf2_system.h"

#include <m4ri/m4ri.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace hardnets::gf2 {
namespace {

struct MzdFree {
  void operator()(mzd_t* m) const { mzd_free(m); }
};
using Mzd = std::unique_ptr<mzd_t, MzdFree>;

constexpr std::size_t words_for(std::int64_t bits) {
  return static_cast<std::size_t>((bits + 63) / 64);
}

inline bool get_bit(const std::uint64_t* w, int c) {
  return (w[c >> 6] >> (c & 63)) & 1u;
}
inline void flip_bit(std::uint64_t* w, int c) {
  w[c >> 6] ^= std::uint64_t{1} << (c & 63);
}
inline void set_bit(std::uint64_t* w, int c) {
  w[c >> 6] |= std::uint64_t{1} << (c & 63);
}

// Parity of <row, x> over the words from `from` on.
inline int dot(const std::uint64_t* row, const std::uint64_t* x, std::size_t from,
               std::size_t words) {
  std::uint64_t acc = 0;
  for (std::size_t w = from; w < words; ++w) acc ^= row[w] & x[w];
  return std::popcount(acc) & 1;
}

}  // namespace

int Solution::free_from(int c) const {
  return static_cast<int>(free_columns.end() -
                          std::lower_bound(free_columns.begin(), free_columns.end(), c));
}

System::System(int unknowns) : unknowns_(unknowns), words_(words_for(std::int64_t{unknowns} + 1)) {
  if (unknowns < 0) throw std::invalid_argument("gf2::System: negative number of unknowns");
}

void System::reserve(std::int64_t rows) {
  bits_.reserve(static_cast<std::size_t>(rows) * words_);
}

void System::add_sparse(std::span<const int> columns, bool rhs) {
  bits_.resize(bits_.size() + words_, 0);
  std::uint64_t* row = bits_.data() + static_cast<std::size_t>(rows_) * words_;
  for (int c : columns) {
    if (c < 0 || c >= unknowns_) {
      bits_.resize(bits_.size() - words_);
      throw std::out_of_range("gf2::System: column " + std::to_string(c) + " outside [0, " +
                              std::to_string(unknowns_) + ")");
    }
    flip_bit(row, c);
  }
  if (rhs) set_bit(row, unknowns_);
  ++rows_;
}

void System::add_dense(std::span<const std::uint8_t> bits, bool rhs) {
  if (static_cast<std::int64_t>(bits.size()) != unknowns_) {
    throw std::invalid_argument("gf2::System: a dense row has " + std::to_string(bits.size()) +
                                " entries for " + std::to_string(unknowns_) + " unknowns");
  }
  bits_.resize(bits_.size() + words_, 0);
  std::uint64_t* row = bits_.data() + static_cast<std::size_t>(rows_) * words_;
  for (int base = 0; base < unknowns_; base += 64) {
    const int end = std::min(unknowns_, base + 64);
    std::uint64_t word = 0;
    for (int c = base; c < end; ++c) {
      word |= static_cast<std::uint64_t>(bits[static_cast<std::size_t>(c)] != 0) << (c - base);
    }
    row[base >> 6] = word;
  }
  if (rhs) set_bit(row, unknowns_);
  ++rows_;
}

double System::matrix_bytes(double rows, double unknowns) {
  return rows * 8.0 * std::ceil((unknowns + 1.0) / 64.0);
}

Solution System::solve(const SolveOptions& options) const {
  const int N = unknowns_;
  if (rows_ > std::numeric_limits<int>::max() - 1) {
    throw std::length_error("gf2::System: more rows than M4RI can index");
  }
  const int m = static_cast<int>(rows_);
  Solution sol;
  sol.unknowns = N;
  sol.consistent = true;

  // [A | b] in row echelon form (rows beyond the rank are zero).
  Mzd M;
  std::vector<const std::uint64_t*> echelon;  // rows 0 .. rank_total-1
  int rank_total = 0;
  if (m > 0) {
    M.reset(mzd_init(m, N + 1));
    if (!M) throw std::bad_alloc();
    if (static_cast<std::size_t>(M->width) != words_) {
      throw std::logic_error("gf2::System: unexpected M4RI row width");
    }
    for (int r = 0; r < m; ++r) {
      std::memcpy(mzd_row(M.get(), r), bits_.data() + static_cast<std::size_t>(r) * words_,
                  words_ * sizeof(std::uint64_t));
    }
    rank_total = mzd_echelonize(M.get(), 0);
    echelon.reserve(static_cast<std::size_t>(rank_total));
    for (int r = 0; r < rank_total; ++r) echelon.push_back(mzd_row(M.get(), r));
  }

  // Pivots: the first set bit of each echelon row, strictly increasing.
  std::vector<int> pivots;
  pivots.reserve(static_cast<std::size_t>(rank_total));
  std::size_t w = 0;
  for (int r = 0; r < rank_total; ++r) {
    const std::uint64_t* row = echelon[static_cast<std::size_t>(r)];
    while (w < words_ && row[w] == 0) ++w;
    if (w == words_) throw std::logic_error("gf2::System: zero row inside the echelon form");
    const int c = static_cast<int>(w * 64) + std::countr_zero(row[w]);
    if (!pivots.empty() && c <= pivots.back()) {
      throw std::logic_error("gf2::System: M4RI did not return a row echelon form");
    }
    pivots.push_back(c);
    // Later rows have their pivot strictly to the right: continue from this word.
  }
  int rank = rank_total;
  if (!pivots.empty() && pivots.back() == N) {
    sol.consistent = false;
    --rank;
    pivots.pop_back();
  }
  sol.rank = rank;
  sol.pivots = pivots;
  {
    std::size_t p = 0;
    for (int c = 0; c < N; ++c) {
      if (p < pivots.size() && pivots[p] == c) {
        ++p;
      } else {
        sol.free_columns.push_back(c);
      }
    }
  }

  // One solution: back-substitution, free variables 0.
  std::vector<std::uint64_t> x(words_, 0);
  for (int i = rank - 1; i >= 0; --i) {
    const std::uint64_t* row = echelon[static_cast<std::size_t>(i)];
    const int p = pivots[static_cast<std::size_t>(i)];
    const int bit = static_cast<int>(get_bit(row, N)) ^ dot(row, x.data(), p >> 6, words_);
    if (bit) set_bit(x.data(), p);
  }
  sol.x.resize(static_cast<std::size_t>(N));
  for (int c = 0; c < N; ++c) sol.x[static_cast<std::size_t>(c)] = get_bit(x.data(), c);

  // Kernel vectors of the free columns >= kernel_first, restricted to [first, N).
  const int first = std::clamp(options.kernel_first, 0, N);
  if (options.kernel_limit > 0) {
    const auto begin = std::lower_bound(sol.free_columns.begin(), sol.free_columns.end(), first);
    const std::int64_t wanted = sol.free_columns.end() - begin;
    const std::int64_t count = std::min(wanted, options.kernel_limit);
    sol.kernel_complete = count == wanted;
    // The rows with pivots in [first, f) are the only ones that matter.
    const int row_first =
        static_cast<int>(std::lower_bound(pivots.begin(), pivots.end(), first) - pivots.begin());
    std::vector<std::uint64_t> d(words_);
    sol.kernel.reserve(static_cast<std::size_t>(count));
    for (std::int64_t j = 0; j < count; ++j) {
      const int f = *(begin + j);
      std::fill(d.begin(), d.end(), 0);
      set_bit(d.data(), f);
      const int row_end =
          static_cast<int>(std::lower_bound(pivots.begin(), pivots.end(), f) - pivots.begin());
      for (int i = row_end - 1; i >= row_first; --i) {
        const std::uint64_t* row = echelon[static_cast<std::size_t>(i)];
        const int p = pivots[static_cast<std::size_t>(i)];
        if (dot(row, d.data(), p >> 6, words_)) set_bit(d.data(), p);
      }
      std::vector<std::uint8_t> v(static_cast<std::size_t>(N - first));
      for (int c = first; c < N; ++c) v[static_cast<std::size_t>(c - first)] = get_bit(d.data(), c);
      sol.kernel.push_back(std::move(v));
    }
  } else {
    sol.kernel_complete = sol.free_from(first) == 0;
  }
  return sol;
}

}  // namespace hardnets::gf2
