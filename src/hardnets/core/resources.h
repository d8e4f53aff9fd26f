// Wall clock, CPU time and peak memory, for the figures every run reports.
#pragma once

#include <chrono>
#include <limits>

namespace hardnets {

// Process CPU seconds (all threads) since start.
double process_cpu_seconds();
// Peak resident set size of this process, in MiB.
double peak_rss_mb();

// Keeps freed heap memory in the process instead of returning it to the
// kernel after every large free (glibc: fixed trim and mmap thresholds of
// 1 GiB, which also stops their dynamic adjustment). The passes over the data
// allocate and free a few MiB of block temporaries per 4096-row block; with
// glibc's defaults the main thread's heap is trimmed and re-grown around
// every block, and the page faults cost more than the arithmetic: `tensor` at
// d = 64, m = 16, N = 1e6 on one thread took 16.3 s (9.5 s of it system
// time), 3.2 s with this (bench/tensor_bench.cpp). Worker threads' arenas
// did not show it. Process-wide, so it is for programs (the CLI, the
// benchmarks) to call once at start, never for the library itself. Does
// nothing where the C library has no mallopt.
void keep_freed_memory();

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()), cpu_start_(process_cpu_seconds()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  double cpu_seconds() const { return process_cpu_seconds() - cpu_start_; }

 private:
  std::chrono::steady_clock::time_point start_;
  double cpu_start_;
};

// A wall-clock budget started at construction (infinite = never expires):
// what a learner checks against LearnerContext::time_limit_seconds.
class Deadline {
 public:
  // Never expires (not explicit, so structs holding one, like
  // LearnerContext, still brace-initialise from {}).
  Deadline() : Deadline(std::numeric_limits<double>::infinity()) {}
  explicit Deadline(double seconds) : limit_(seconds) {}
  double seconds() const { return clock_.seconds(); }
  bool expired() const {
    return limit_ != std::numeric_limits<double>::infinity() && clock_.seconds() > limit_;
  }

 private:
  Stopwatch clock_;
  double limit_;
};

}  // namespace hardnets
