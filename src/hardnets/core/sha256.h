// SHA-256 (FIPS 180-4), for the challenge suite's commitments: a public card
// carries the digest of the organiser's file, which only the organiser can
// open. Small and dependency-free; checked against the standard's examples.
#pragma once

#include <string>
#include <string_view>

namespace hardnets {

// The digest of `bytes` as 64 lowercase hexadecimal digits.
std::string sha256_hex(std::string_view bytes);

}  // namespace hardnets
