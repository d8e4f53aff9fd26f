// Linear systems over GF(2), eliminated by M4RI: the engine of the `gf2` and
// `p5_collision` attacks.
//
// A System A s = b (m equations, N unknowns) is built row by row, from sparse
// rows (the list of columns with coefficient 1; a column listed twice cancels,
// as in GF(2)) or dense bit rows. solve() copies [A | b] into an M4RI matrix
// (mzd_t, owned by a unique_ptr and freed by mzd_free) and puts it in row
// echelon form (mzd_echelonize, M4RI / PLE, O(m N² / 64) word operations,
// fewer with the method of the Four Russians). The system is consistent iff
// no echelon row is (0 … 0 | 1); rank = rank(A). One solution is read off by
// back-substitution with every free (non-pivot) variable 0, and a basis of
// the kernel {d : A d = 0} has one vector per free column f: d_f = 1, the
// other free coordinates 0, the pivots by back-substitution.
//
// Projections. The rows whose pivots lie in columns ≥ c involve only columns
// ≥ c (echelon form): they are exactly the constraints the system puts on
// the coordinates [c, N). So when the "nuisance" unknowns (the higher-degree
// monomials of a linearization) are numbered first, the solution restricted
// to [c, N) plus the span of the kernel vectors of the free columns ≥ c,
// restricted to [c, N), is the set of all restrictions of solutions, and its
// dimension is the number of free columns ≥ c. SolveOptions::kernel_first
// asks for that basis only.
//
// Memory: the rows are kept bit-packed (⌈(N+1)/64⌉ words each) and copied
// once into M4RI, so a solve holds about 2 · matrix_bytes(m, N).
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace hardnets::gf2 {

struct SolveOptions {
  // Kernel vectors wanted: one per free column >= kernel_first, in increasing
  // column order, at most kernel_limit of them (0: none). Each is returned
  // restricted to the columns [kernel_first, N).
  std::int64_t kernel_limit = 0;
  int kernel_first = 0;
};

struct Solution {
  int unknowns = 0;
  bool consistent = false;
  int rank = 0;                   // rank of A
  std::vector<std::uint8_t> x;    // A x = b with free variables 0 (when consistent; otherwise
                                  // a solution of the echelon rows above the contradiction)
  std::vector<int> pivots;        // pivot column of each echelon row of A, increasing
  std::vector<int> free_columns;  // the other columns, increasing
  // Kernel vectors (see SolveOptions), each of N - kernel_first bits;
  // kernel_complete: every free column >= kernel_first got one.
  std::vector<std::vector<std::uint8_t>> kernel;
  bool kernel_complete = true;

  int kernel_dim() const { return unknowns - rank; }
  // Free columns >= c: the dimension of the solutions' restriction to [c, N).
  int free_from(int c) const;
};

class System {
 public:
  explicit System(int unknowns);

  int unknowns() const { return unknowns_; }
  std::int64_t equations() const { return rows_; }
  void reserve(std::int64_t rows);
  void clear() { bits_.clear(), rows_ = 0; }

  // Σ_{c ∈ columns} s_c = rhs. std::out_of_range for a column outside [0, N).
  void add_sparse(std::span<const int> columns, bool rhs);
  // Σ_c bits[c] s_c = rhs, bits of size N (entries 0 or nonzero).
  void add_dense(std::span<const std::uint8_t> bits, bool rhs);

  Solution solve(const SolveOptions& options = {}) const;

  // Bytes of one bit-packed rows × (unknowns + 1) matrix.
  static double matrix_bytes(double rows, double unknowns);

 private:
  int unknowns_;
  std::size_t words_;  // per row, including the right-hand side bit at column N
  std::int64_t rows_ = 0;
  std::vector<std::uint64_t> bits_;
};

}  // namespace hardnets::gf2
