// Problem `lwe`: Learning With Errors (Regev, STOC 2005), the assumption the
// lattice attacks and the concrete-hardness estimator (docs/estimates.md)
// are calibrated against.
//
// A secret s in Z_q^n (a discrete Gaussian of width sigma_s, uniform mod q,
// or uniform ternary in {-1, 0, 1}); each sample a_i uniform in Z_q^n with
// b_i = <a_i, s> + e_i mod q, e_i a discrete Gaussian of width sigma_e
// (Rng::discrete_gaussian; sigma_e = 0 is noiseless). X rows are a_i (as
// doubles in [0, q)), y = b_i in [0, q); the test set uses the same secret.
// The null (`labels = uniform`): b_i uniform in Z_q, independent of a_i.
//
// Certificate (tests/lwe_test.cpp): b - A s mod q, centred in (-q/2, q/2],
// equals the stored errors exactly, and their law is the discrete Gaussian.
// Task (family lwe): n, q, the secret's law and per-coordinate standard
// deviation, and sigma_e — what lll_primal's embedding is weighted by.
// Judge: a fit that outputs `secret` is scored `success` (exact recovery);
// a predictor's predictions p_i are scored by the centred residuals r_i =
// b_i - p_i mod q: `close_fraction` is the fraction with |r_i| <= 2 sigma_e
// and `advantage` is that minus its value (4 sigma_e + 1)/q under uniform
// labels, the statistic a distinguisher thresholds.
#pragma once

#include "hardnets/contracts/lwe.h"  // centred_mod, mod_q
#include "hardnets/problems/problem.h"

namespace hardnets {

class LweProblem : public Problem {
 public:
  LweProblem();
  std::string name() const override { return "lwe"; }
  std::string summary() const override;
  const ParamSpec& spec() const override { return spec_; }
  Instance generate(const Params& params, Seed seed, const Sizes& sizes,
                    const GenerateContext& ctx) const override;
  Metrics judge(const Instance& instance, const Fit& fit) const override;
  TaskPublication publishes() const override { return {&lwe_schema()}; }
  std::optional<NullHypothesis> null_hypothesis() const override {
    return NullHypothesis{"labels", "uniform", "advantage", false,
                          "b uniform in Z_q, independent of a (the same public a)"};
  }

 private:
  ParamSpec spec_;
};

}  // namespace hardnets
