#include "hardnets/core/resources.h"

#include <sys/resource.h>
#include <ctime>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace hardnets {

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

void keep_freed_memory() {
#if defined(__GLIBC__)
  constexpr int kOneGiB = 1 << 30;
  mallopt(M_TRIM_THRESHOLD, kOneGiB);
  mallopt(M_MMAP_THRESHOLD, kOneGiB);
#endif
}

}  // namespace hardnets
