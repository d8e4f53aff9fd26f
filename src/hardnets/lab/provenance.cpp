#include "hardnets/lab/provenance.h"

#include <sqlite3.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <string>

#include <fmt/format.h>
#include <Eigen/Core>

#include "hardnets/core/build_info.h"

#ifdef HARDNETS_WITH_OPENBLAS
extern "C" char* openblas_get_config(void);
#endif

namespace hardnets {

namespace {

std::string hostname() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "unknown";
  return buffer;
}

Json operating_system() {
  utsname name{};
  if (uname(&name) != 0) return nullptr;
  return Json{{"sysname", name.sysname},
              {"release", name.release},
              {"version", name.version},
              {"machine", name.machine}};
}

}  // namespace

Json provenance() {
  Json libraries{
      {"eigen",
       fmt::format("{}.{}.{}", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION)},
      // The vector instructions Eigen was compiled for change floating-point
      // results in the last bits, so they belong to a run's provenance.
      {"eigen_simd", Eigen::SimdInstructionSetsInUse()},
      // The library actually loaded, which may differ from the headers.
      {"sqlite", sqlite3_libversion()},
      {"fmt",
       fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100)},
      {"nlohmann_json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR,
                                    NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH)},
      {"random123", nullptr}};
  // The sgd kernels' large GEMMs run on OpenBLAS in such builds (last-bit differences).
#ifdef HARDNETS_WITH_OPENBLAS
  libraries["openblas"] = openblas_get_config();
#else
  libraries["openblas"] = nullptr;
#endif
  return Json{{"hardnets_version", build_info::kVersion},
              {"git_revision", build_info::kGitRevision},
              {"compiler", build_info::kCompiler},
              {"build_type", build_info::kBuildType},
              {"libraries", std::move(libraries)},
              {"hostname", hostname()},
              {"os", operating_system()}};
}

}  // namespace hardnets
