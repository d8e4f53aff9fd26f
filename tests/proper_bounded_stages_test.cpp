// The stages of the `proper_bounded` learner one at a time: the dimension
// reductions, the shortlist, the net's pieces (ball points, output grid,
// subset ranks), the choice of net under a budget, and the search and
// validation choice on hand-checkable data.
#include <cmath>
#include <initializer_list>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "test_util.h"

#include "hardnets/core/rng.h"
#include "hardnets/learners/proper_bounded.h"
#include "hardnets/learners/proper_bounded_reduce.h"
#include "hardnets/learners/proper_bounded_search.h"

namespace hardnets::proper_bounded {
namespace {

using testing::user_error;

Matrix rows(Eigen::Index n, Eigen::Index d, std::initializer_list<double> entries) {
  Matrix M(n, d);
  Eigen::Index i = 0;
  for (const double e : entries) M.data()[i++] = e;
  return M;
}

Vector vec(std::initializer_list<double> entries) {
  Vector v(static_cast<Eigen::Index>(entries.size()));
  Eigen::Index i = 0;
  for (const double e : entries) v[i++] = e;
  return v;
}

// ‖x - B Bᵀ x‖ over the rows x of X: 0 when B's columns span the rows.
double worst_residual(const Matrix& X, const Matrix& B) {
  double worst = 0.0;
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    const Vector x = X.row(i).transpose();
    worst = std::max(worst, (x - B * (B.transpose() * x)).norm());
  }
  return worst;
}

TEST(ProperBoundedReduce, SpanBasisSpansTheRows) {
  // Rank 2 in R^4 with more rows than columns (the XᵀX route).
  const Matrix low = rows(5, 4, {1, 2, 0, 0, 0, 1, 1, 0, 1, 3, 1, 0, 2, 4, 0, 0, -1, 0, 2, 0});
  const Matrix B = span_basis(low);
  ASSERT_EQ(B.rows(), 4);
  ASSERT_EQ(B.cols(), 2);
  EXPECT_LT((B.transpose() * B - Matrix::Identity(2, 2)).norm(), 1e-12);
  EXPECT_LT(worst_residual(low, B), 1e-12);
  // Fewer rows than columns (the XXᵀ route): 3 generic rows in R^5.
  const Matrix wide = rows(3, 5, {1, 0, 2, 0, 1, 0, 1, 0, 3, 1, 2, 2, 0, 0, 1});
  const Matrix C = span_basis(wide);
  ASSERT_EQ(C.cols(), 3);
  EXPECT_LT((C.transpose() * C - Matrix::Identity(3, 3)).norm(), 1e-12);
  EXPECT_LT(worst_residual(wide, C), 1e-12);
  // Full rank: the identity exactly; no inputs but zeros: e_1.
  EXPECT_EQ(span_basis(rows(3, 2, {1, 0, 0, 1, 1, 1})), Matrix::Identity(2, 2));
  EXPECT_EQ(span_basis(Matrix::Zero(4, 3)), Matrix(Matrix::Identity(3, 1)));
}

// jl: Gᵀ with N(0, 1/dim) entries, from the rng only. The mean of the 10⁴
// squared entries has relative sd √(2/10⁴) = 1.4%, so 6% is over 4 sd (the
// seed is fixed).
TEST(ProperBoundedReduce, JlLiftIsAScaledGaussianMatrix) {
  const Rng rng(3, stream_id("proper_bounded_stages_test.jl"));
  const Matrix lift = jl_lift(500, 20, rng);
  ASSERT_EQ(lift.rows(), 500);
  ASSERT_EQ(lift.cols(), 20);
  EXPECT_EQ(lift, jl_lift(500, 20, rng));
  const double mean_square = lift.squaredNorm() / static_cast<double>(lift.size());
  EXPECT_NEAR(mean_square * 20.0, 1.0, 0.06);
}

// Capacity 3: ascending by loss, ties to the lower index; merging offers
// the other list's items.
TEST(ProperBoundedSearch, ShortlistKeepsTheBestWithTiesToTheLowerIndex) {
  Shortlist list(3);
  list.offer(0.5, 4);
  list.offer(0.2, 7);
  list.offer(0.5, 1);
  list.offer(0.9, 0);
  list.offer(0.2, 3);
  const std::vector<std::pair<double, std::uint64_t>> expected{{0.2, 3}, {0.2, 7}, {0.5, 1}};
  EXPECT_EQ(list.items(), expected);
  Shortlist other(2);
  other.offer(0.1, 9);
  other.offer(0.5, 0);
  list.merge(other);
  const std::vector<std::pair<double, std::uint64_t>> merged{{0.1, 9}, {0.2, 3}, {0.2, 7}};
  EXPECT_EQ(list.items(), merged);
}

TEST(ProperBoundedSearch, NetPiecesByHand) {
  // h z projected onto the unit ball.
  EXPECT_EQ(ball_point({3, 4}, 0.1), vec({0.30000000000000004, 0.4}));
  EXPECT_LT((ball_point({3, 4}, 1.0) - vec({0.6, 0.8})).norm(), 1e-15);
  // Colex ranks: {0,1}, {0,2}, {1,2}, {0,3}, ...; {0,1,2}, {0,1,3}, {0,2,3}, {1,2,3}.
  const std::vector<std::vector<std::uint64_t>> pairs{{0, 1}, {0, 2}, {1, 2}, {0, 3}};
  for (std::uint64_t r = 0; r < pairs.size(); ++r) EXPECT_EQ(unrank_subset(r, 2), pairs[r]);
  const std::vector<std::vector<std::uint64_t>> triples{{0, 1, 2}, {0, 1, 3}, {0, 2, 3}, {1, 2, 3}};
  for (std::uint64_t r = 0; r < triples.size(); ++r) EXPECT_EQ(unrank_subset(r, 3), triples[r]);
  // The output grid for k = 2, radius 1, step 1/4: the l1 points (-1,0),
  // (0,-1), (0,0), (0,1), (1,0), scaled.
  NetShape shape;
  shape.output_step = 0.25;
  shape.output_radius = 1;
  EXPECT_EQ(output_grid(2, shape), rows(5, 2, {-0.25, 0, 0, -0.25, 0, 0, 0, 0.25, 0.25, 0}));
  // network_mse: f = 2 max(x, 0) on x = 1, -1 against y = 2, 1: (0 + 1)/2.
  EXPECT_EQ(network_mse(rows(2, 1, {1, -1}), vec({2, 1}), rows(1, 1, {1}), vec({2})), 0.5);
  EXPECT_TRUE(std::isnan(network_mse(Matrix(0, 1), Vector(0), rows(1, 1, {1}), vec({2}))));
}

// In d' = 1 with ε = 1/2, A = 1: h = 1/2 and q_max = ⌊(1.25/0.5)²⌋ = 6, so
// the ball points are {-1, -1/2, 0, 1/2, 1}; k = 1: output step 1/4, radius 4
// (9 output points). A budget of 45 fits it exactly, 44 does not (coarser).
// UserError when the requested net has fewer than k points (ε = 100: the
// single point 0) or when no net fits.
TEST(ProperBoundedSearch, ChooseNetCountsAndCoarsens) {
  const NetChoice exact = choose_net(0.5, 1.0, 1, 1, 10, 45);
  ASSERT_TRUE(exact.lattice.has_value());
  EXPECT_FALSE(exact.coarsened);
  EXPECT_EQ(exact.lattice->size(), 5U);
  EXPECT_EQ(exact.total, 45.0L);
  EXPECT_EQ(exact.requested_points, 5.0);
  EXPECT_EQ(exact.shape.epsilon, 0.5);
  const NetChoice coarse = choose_net(0.5, 1.0, 1, 1, 10, 44);
  EXPECT_TRUE(coarse.coarsened);
  EXPECT_GT(coarse.shape.epsilon, 0.5);
  EXPECT_LE(coarse.total, 44.0L);
  EXPECT_CONTAINS(user_error([] { choose_net(100.0, 1.0, 3, 1, 10, 1000); }), "fewer than k = 3");
  // In d' = 1 the nets have an odd number of points (2⌊√q⌋ + 1): with k = 2
  // and a budget of 1 every net with ≥ 2 points has ≥ 3 tuples, and the
  // coarsest has a single point.
  EXPECT_CONTAINS(user_error([] { choose_net(0.5, 1.0, 2, 1, 10, 1); }), "no net for k = 2");
}

// y = ReLU(x) on x = 1, 2 is in the net above (w = 1, a = 1): the search
// scores all 45 candidates, the best has loss 0, and every shortlisted
// loss (from the Gram quadratic) is the candidate's directly computed MSE.
// For k = 2 (output step 1/8, radius 8: 145 output points, binom(5, 2)
// tuples) y = 0·ReLU(x/2) + 1·ReLU(x) is a candidate too.
TEST(ProperBoundedSearch, SearchFindsAnExactCandidateAndScoresItRight) {
  const Matrix X = rows(2, 1, {1, 2});
  const Vector y = vec({1, 2});
  const Stopwatch clock;
  for (const int k : {1, 2}) {
    const NetChoice net = choose_net(0.5, 1.0, k, 1, 2, 100'000);
    ASSERT_FALSE(net.coarsened);
    const Matrix a_net = output_grid(k, net.shape);
    const SearchResult result = search_net(X, y, net, a_net, 8, 2, clock, 1e9);
    EXPECT_FALSE(result.time_limited);
    EXPECT_EQ(static_cast<long double>(result.evaluated), net.total) << k;
    EXPECT_EQ(result.evaluated, k == 1 ? 45U : 10U * 145U);
    ASSERT_EQ(result.shortlist.items().size(), 8U);
    EXPECT_NEAR(result.shortlist.items()[0].first, 0.0, 1e-15);
    // Scored on the training part itself, the choice's score is the best
    // shortlisted loss, recomputed from the decoded network.
    const Chosen chosen = choose_on_validation(result, net, a_net, k, X, y);
    EXPECT_NEAR(chosen.score, 0.0, 1e-15);
    EXPECT_NEAR(network_mse(X, y, chosen.best.W, chosen.best.a), 0.0, 1e-15);
    for (const auto& [loss, index] : result.shortlist.items()) {
      SearchResult one = result;
      one.shortlist = Shortlist(1);
      one.shortlist.offer(loss, index);
      const Chosen c = choose_on_validation(one, net, a_net, k, X, y);
      EXPECT_NEAR(c.score, loss, 1e-12) << k << " " << index;
    }
    // Without validation rows the first shortlisted candidate is kept.
    const Chosen first = choose_on_validation(result, net, a_net, k, Matrix(0, 1), Vector(0));
    EXPECT_EQ(first.score, result.shortlist.items()[0].first);
  }
}

}  // namespace
}  // namespace hardnets::proper_bounded
