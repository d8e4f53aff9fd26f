// Five lines against the installed library: generate an instance, print its size and card.
#include <iostream>

#include "hardnets/problems/problem.h"

int main() {
  const hardnets::Problem& p = hardnets::problem_registry().get("sparse_parity");
  const hardnets::Instance inst = p.generate(p.spec().defaults(), 1, {100, 10}, {});
  std::cout << inst.train.size() << " " << inst.card["references"][0]["key"].get<std::string>()
            << "\n";
}
