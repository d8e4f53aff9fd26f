#include "hardnets/problems/dnnt_certify.h"

#include <algorithm>
#include <stdexcept>

namespace hardnets::dnnt {

std::optional<std::vector<int>> subset_sum_solve(const std::vector<std::int64_t>& items,
                                                 std::int64_t target) {
  if (target < 0) return std::nullopt;
  if (target > 200'000'000) throw std::invalid_argument("subset_sum_solve: target too large");
  const auto T = static_cast<std::size_t>(target);
  // from[s] = the item whose addition first reached sum s (-1: unreached, and
  // s = 0 is reached by the empty set). Sums are scanned downwards within an
  // item's round, so from[s - item] was set by an earlier item: following the
  // predecessors uses every item at most once.
  std::vector<int> from(T + 1, -1);
  std::vector<char> reach(T + 1, 0);
  reach[0] = 1;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i] < 0) throw std::invalid_argument("subset_sum_solve: negative item");
    const auto v = static_cast<std::size_t>(items[i]);
    if (v == 0 || v > T) continue;
    for (std::size_t s = T; s >= v; --s) {
      if (!reach[s] && reach[s - v]) {
        reach[s] = 1;
        from[s] = static_cast<int>(i);
      }
      if (s == v) break;
    }
  }
  if (!reach[T]) return std::nullopt;
  std::vector<int> chosen;
  for (std::size_t s = T; s > 0; s -= static_cast<std::size_t>(items[from[s]])) {
    chosen.push_back(from[s]);
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

namespace {

// Knuth's dancing links: a torus of doubly linked nodes. Node 0 is the root,
// nodes 1..columns are the column headers, the rest one node per (set,
// element) incidence.
class DancingLinks {
 public:
  DancingLinks(int columns, const std::vector<std::vector<int>>& rows) {
    const int headers = columns + 1;
    reserve(headers);
    for (int c = 0; c <= columns; ++c) {
      L_[c] = c == 0 ? columns : c - 1;
      R_[c] = c == columns ? 0 : c + 1;
      U_[c] = D_[c] = c;
      col_[c] = c;
      row_[c] = -1;
    }
    size_.assign(static_cast<std::size_t>(headers), 0);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      int first = -1;
      for (const int e : rows[r]) {
        if (e < 0 || e >= columns) throw std::invalid_argument("exact_cover_solve: bad element");
        const int c = e + 1;
        const int x = add_node();
        col_[x] = c;
        row_[x] = static_cast<int>(r);
        // Append at the bottom of column c.
        U_[x] = U_[c];
        D_[x] = c;
        D_[U_[c]] = x;
        U_[c] = x;
        ++size_[c];
        if (first < 0) {
          first = x;
          L_[x] = R_[x] = x;
        } else {
          L_[x] = L_[first];
          R_[x] = first;
          R_[L_[first]] = x;
          L_[first] = x;
        }
      }
    }
  }

  bool search() {
    ++nodes_;
    if (R_[0] == 0) return true;
    // The column with the fewest rows (Knuth's S heuristic).
    int c = R_[0];
    for (int j = R_[c]; j != 0; j = R_[j]) {
      if (size_[j] < size_[c]) c = j;
    }
    if (size_[c] == 0) return false;
    cover(c);
    for (int r = D_[c]; r != c; r = D_[r]) {
      solution_.push_back(row_[r]);
      for (int j = R_[r]; j != r; j = R_[j]) cover(col_[j]);
      if (search()) return true;
      for (int j = L_[r]; j != r; j = L_[j]) uncover(col_[j]);
      solution_.pop_back();
    }
    uncover(c);
    return false;
  }

  const std::vector<int>& solution() const { return solution_; }
  std::int64_t nodes() const { return nodes_; }

 private:
  void reserve(int n) {
    L_.resize(static_cast<std::size_t>(n));
    R_.resize(static_cast<std::size_t>(n));
    U_.resize(static_cast<std::size_t>(n));
    D_.resize(static_cast<std::size_t>(n));
    col_.resize(static_cast<std::size_t>(n));
    row_.resize(static_cast<std::size_t>(n));
  }
  int add_node() {
    const int x = static_cast<int>(L_.size());
    reserve(x + 1);
    return x;
  }
  // Removes column c and every row that meets it from the other columns.
  void cover(int c) {
    R_[L_[c]] = R_[c];
    L_[R_[c]] = L_[c];
    for (int i = D_[c]; i != c; i = D_[i]) {
      for (int j = R_[i]; j != i; j = R_[j]) {
        D_[U_[j]] = D_[j];
        U_[D_[j]] = U_[j];
        --size_[col_[j]];
      }
    }
  }
  // Exactly undoes cover(c), in reverse order (the "dancing" step).
  void uncover(int c) {
    for (int i = U_[c]; i != c; i = U_[i]) {
      for (int j = L_[i]; j != i; j = L_[j]) {
        ++size_[col_[j]];
        D_[U_[j]] = j;
        U_[D_[j]] = j;
      }
    }
    R_[L_[c]] = c;
    L_[R_[c]] = c;
  }

  std::vector<int> L_, R_, U_, D_, col_, row_, size_;
  std::vector<int> solution_;
  std::int64_t nodes_ = 0;
};

}  // namespace

std::optional<std::vector<int>> exact_cover_solve(int universe,
                                                  const std::vector<std::vector<int>>& sets,
                                                  std::int64_t* nodes) {
  if (universe < 0) throw std::invalid_argument("exact_cover_solve: negative universe");
  DancingLinks dlx(universe, sets);
  const bool found = dlx.search();
  if (nodes) *nodes = dlx.nodes();
  if (!found) return std::nullopt;
  std::vector<int> cover = dlx.solution();
  std::sort(cover.begin(), cover.end());
  return cover;
}

}  // namespace hardnets::dnnt
