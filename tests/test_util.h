// Helpers shared by the unit tests.
#pragma once

#include <exception>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hardnets/contracts/dnnt_instance.h"
#include "hardnets/core/error.h"
#include "hardnets/nets/relu_net.h"

#define EXPECT_CONTAINS(text, part)                          \
  EXPECT_NE(std::string(text).find(part), std::string::npos) \
      << "'" << (text) << "' lacks '" << (part) << "'"

namespace hardnets::testing {

// Parameters that keep a problem's instance small and quick to generate where
// its defaults are slow (tests that go over every registered problem).
inline const std::map<std::string, std::vector<std::string>>& small_problem_params() {
  static const std::map<std::string, std::vector<std::string>> small = {
      {"natural_ksat", {"n=8", "q=16", "clauses=64"}},
      {"prg_depth3", {"n=16"}},
      {"prg_depth2_smoothed", {"n=16"}},
      {"prg_hyperedge", {"n=16"}},
      {"sparse_parity", {"n=16"}},
  };
  return small;
}

// How the conformance suite fits a learner whose defaults are slow on the
// small instances (exponential enumerations, MIPs): learner parameters, and
// problem parameters and a training size for the problem the contracts chose.
// Only sizes and budgets, never what makes the fit succeed or fail.
struct LearnerTestSetup {
  std::vector<std::string> learner_params;
  std::vector<std::string> problem_params;  // override small_problem_params
  std::int64_t n_train = 60;
};

inline LearnerTestSetup learner_test_setup(const std::string& learner) {
  static const std::map<std::string, LearnerTestSetup> setups = {
      // All patterns of 60 points in d = 8 and 200000 FISTA steps: minutes.
      {"convex_relu", {{"patterns=16", "max_iters=500"}, {}, 60}},
      // Pattern enumeration is O(n^d): d = 2.
      {"exact_relu", {{}, {"d=2"}, 60}},
      {"proper_bounded", {{}, {"d=2"}, 60}},
      // One CBC MIP with a binary per sample: 20 samples in d = 2.
      {"mip_relu", {{}, {"d=2"}, 20}},
      // Exhaustive search over directions needs d <= 4.
      {"grid", {{}, {"d=3"}, 60}},
  };
  const auto it = setups.find(learner);
  return it == setups.end() ? LearnerTestSetup{} : it->second;
}

// small_problem_params() of `problem`, or none.
inline std::vector<std::string> small_params_of(const std::string& problem) {
  const auto it = small_problem_params().find(problem);
  return it == small_problem_params().end() ? std::vector<std::string>{} : it->second;
}

// Runs `fn`, expects a UserError and returns its message.
template <typename Fn>
std::string user_error(Fn&& fn) {
  try {
    fn();
  } catch (const UserError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected UserError, got another exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected UserError, nothing was thrown";
  return "";
}

// Plain enumeration of every θ of a D-NNT instance (no pruning, GMP
// arithmetic): the reference optimum the exact solvers are checked against.
inline mpz_class enumerate_all(const dnnt::DnntInstance& inst) {
  dnnt::Theta theta(inst.num_params());
  std::vector<std::size_t> idx(theta.size(), 0);
  mpz_class best = -1;
  while (true) {
    for (std::size_t p = 0; p < theta.size(); ++p) theta[p] = inst.domains[p][idx[p]];
    const mpz_class loss = inst.total_loss(theta);
    if (best < 0 || loss < best) best = loss;
    std::size_t p = 0;
    while (p < idx.size() && ++idx[p] == inst.domains[p].size()) idx[p++] = 0;
    if (p == idx.size()) return best;
  }
}

// Central finite differences (step 1e-6) of the batch MSE of `net` on (X, y),
// in double precision: the reference every backward pass is checked against.
inline Eigen::VectorXd finite_difference_gradient(const ReluNet& net, const Matrix& X,
                                                  const Vector& y) {
  const Eigen::VectorXd theta = net.flat();
  Eigen::VectorXd numeric(theta.size());
  ReluNet probe = net;
  const double h = 1e-6;
  for (Eigen::Index k = 0; k < theta.size(); ++k) {
    Eigen::VectorXd shifted = theta;
    shifted[k] = theta[k] + h;
    probe.set_flat(shifted);
    const double up = probe.loss_and_gradient(X, y, nullptr);
    shifted[k] = theta[k] - h;
    probe.set_flat(shifted);
    numeric[k] = (up - probe.loss_and_gradient(X, y, nullptr)) / (2.0 * h);
  }
  return numeric;
}

}  // namespace hardnets::testing
