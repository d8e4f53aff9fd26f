#include "test_learners.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "hardnets/core/error.h"
#include "hardnets/learners/baselines.h"
#include "hardnets/learners/learner.h"

namespace hardnets::testing {
namespace {

Fit plain_fit(const Dataset& train) {
  Fit fit;
  fit.predictor = std::make_shared<LinearPredictor>(Vector::Zero(train.dim()), train.y.mean());
  return fit;
}

class SleepLearner : public Learner {
 public:
  SleepLearner() {
    spec_.real("seconds", 0.0, 0.0, 3600.0, "how long to sleep")
        .flag("honour_deadline", true, "stop with outcome time_limit when the budget runs out");
  }
  std::string name() const override { return "test_sleep"; }
  std::string summary() const override { return "test only: sleeps, then predicts the mean"; }
  const ParamSpec& spec() const override { return spec_; }

 protected:
  Fit fit_impl(const Dataset& train, const Params& params,
               const LearnerContext& ctx) const override {
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(params.real("seconds"));
    Fit fit = plain_fit(train);
    while (std::chrono::steady_clock::now() < until) {
      if (params.flag("honour_deadline") && ctx.deadline.expired()) {
        fit.status = Outcome::time_limit;
        fit.message = "stopped by the time limit";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return fit;
  }

 private:
  ParamSpec spec_{"test_sleep"};
};

class CrashLearner : public Learner {
 public:
  CrashLearner() {
    spec_.choice("how", "none", {"none", "throw", "user_error", "abort", "diverge"},
                 "how to fail (none: a plain fit)");
  }
  std::string name() const override { return "test_crash"; }
  std::string summary() const override { return "test only: fails in a chosen way"; }
  const ParamSpec& spec() const override { return spec_; }

 protected:
  Fit fit_impl(const Dataset& train, const Params& params, const LearnerContext&) const override {
    const std::string how = params.text("how");
    if (how == "throw") throw std::runtime_error("test_crash: thrown on purpose");
    if (how == "user_error") fail("test_crash: a user error on purpose");
    if (how == "abort") std::abort();
    Fit fit = plain_fit(train);
    if (how == "diverge") {
      fit.status = Outcome::diverged;
      fit.message = "diverged on purpose";
    }
    return fit;
  }

 private:
  ParamSpec spec_{"test_crash"};
};

class AllocateLearner : public Learner {
 public:
  AllocateLearner() {
    spec_.integer("mb", 0, 0, 1 << 20, "MiB to allocate and touch")
        .integer("max_mb", 1 << 20, 0, 1 << 20, "the most mb may be (a cross-parameter check)");
  }
  void validate(const Params& params) const override {
    if (params.integer("mb") > params.integer("max_mb")) {
      fail("test_allocate: mb = {} exceeds max_mb = {}", params.integer("mb"),
           params.integer("max_mb"));
    }
  }
  std::string name() const override { return "test_allocate"; }
  std::string summary() const override { return "test only: allocates memory, then fits"; }
  const ParamSpec& spec() const override { return spec_; }

 protected:
  Fit fit_impl(const Dataset& train, const Params& params, const LearnerContext&) const override {
    const auto bytes = static_cast<std::size_t>(params.integer("mb")) << 20;
    std::unique_ptr<char[]> block(new char[bytes]);
    // Touch every page so the memory is resident, not just reserved.
    for (std::size_t i = 0; i < bytes; i += 4096) block[i] = static_cast<char>(i);
    Fit fit = plain_fit(train);
    fit.stats["touched_mb"] = static_cast<double>(bytes >> 20);
    return fit;
  }

 private:
  ParamSpec spec_{"test_allocate"};
};

const LearnerRegistration kSleep{std::make_unique<SleepLearner>()};
const LearnerRegistration kCrash{std::make_unique<CrashLearner>()};
const LearnerRegistration kAllocate{std::make_unique<AllocateLearner>()};

}  // namespace

bool is_test_learner(const std::string& name) {
  for (const char* test : kTestLearners) {
    if (name == test) return true;
  }
  return false;
}

}  // namespace hardnets::testing
