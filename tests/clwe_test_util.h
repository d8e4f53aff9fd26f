// Helpers the CLWE-family tests share: generating an instance from CLI-style
// parameters, and reading the planted direction from its truth.
#pragma once

#include <string>
#include <vector>

#include "hardnets/problems/problem.h"

namespace hardnets::testing {

inline Instance make(const std::string& problem, const std::vector<std::string>& args, Seed seed,
                     Sizes sizes, int threads = 1) {
  const Problem& p = problem_registry().get(problem);
  return p.generate(p.spec().resolve(args), seed, sizes, {threads});
}

inline Vector secret(const Instance& inst) {
  const auto w = inst.truth.at("w").get<std::vector<double>>();
  return Eigen::Map<const Vector>(w.data(), static_cast<Eigen::Index>(w.size()));
}

}  // namespace hardnets::testing
