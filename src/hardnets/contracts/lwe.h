// Arithmetic mod q that the LWE problem (problems/lwe.h) and the attack on it
// (learners/lwe_primal.h) both need, in the neutral layer they share, so the
// two agree on residues and centred representatives by construction.
#pragma once

#include <cstdint>
#include <vector>

namespace hardnets {

// v mod q in [0, q).
inline std::int64_t mod_q(std::int64_t v, std::int64_t q) {
  const std::int64_t r = v % q;
  return r < 0 ? r + q : r;
}

// The centred representative of v mod q in (-q/2, q/2].
inline std::int64_t centred_mod(std::int64_t v, std::int64_t q) {
  const std::int64_t r = mod_q(v, q);
  return r > q / 2 ? r - q : r;
}

// <a, s> mod q without overflow for q <= 2^31 (each product below 2^62).
inline std::int64_t dot_mod(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& s,
                            std::int64_t q) {
  std::int64_t acc = 0;
  for (std::size_t j = 0; j < a.size(); ++j) acc = mod_q(acc + mod_q(a[j], q) * mod_q(s[j], q), q);
  return acc;
}

}  // namespace hardnets
