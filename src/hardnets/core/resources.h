// Wall clock, CPU time and peak memory, for the figures every run reports.
#pragma once

#include <chrono>
#include <limits>

namespace hardnets {

// Process CPU seconds (all threads) since start.
double process_cpu_seconds();
// Peak resident set size of this process, in MiB.
double peak_rss_mb();

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
  explicit Deadline(double seconds = std::numeric_limits<double>::infinity()) : limit_(seconds) {}
  double seconds() const { return clock_.seconds(); }
  bool expired() const {
    return limit_ != std::numeric_limits<double>::infinity() && clock_.seconds() > limit_;
  }

 private:
  Stopwatch clock_;
  double limit_;
};

}  // namespace hardnets
