// Where a result came from: the build, its libraries and the machine.
//
// Stored with every run so that a number in a report can be traced back to
// the code (version, git revision, compiler, build type), the numerical
// libraries it linked and the host it ran on.
#pragma once

#include "hardnets/core/json.h"

namespace hardnets {

// {"hardnets_version", "git_revision", "compiler", "build_type",
//  "libraries": {"eigen", "eigen_simd", "sqlite", "fmt", "nlohmann_json", "random123"},
//  "hostname", "os": {"sysname", "release", "version", "machine"}}.
// "random123" is null: Random123 publishes no version macro.
Json provenance();

}  // namespace hardnets
