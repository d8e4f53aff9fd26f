#include "hardnets/learners/grid.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <utility>

#include "hardnets/core/error.h"
#include "hardnets/learners/lattice.h"

namespace hardnets {
namespace {

const LearnerRegistration kRegister{std::make_unique<GridLearner>()};

constexpr double kPi = std::numbers::pi;

// Area of the searched part of S^{d−1} (half of it when ±w are equivalent).
double search_area(int d, bool half) {
  const double area = d == 1 ? 2.0 : d == 2 ? 2.0 * kPi : d == 3 ? 4.0 * kPi : 2.0 * kPi * kPi;
  return half ? area / 2.0 : area;
}

// Calls visit(w) for every grid direction; stops early when visit returns false.
void enumerate(int d, double step, bool half, const std::function<bool(const Vector&)>& visit) {
  Vector w(d);
  if (d == 1) {
    w[0] = 1.0;
    if (!visit(w)) return;
    if (!half) {
      w[0] = -1.0;
      visit(w);
    }
    return;
  }
  // Recursive hyperspherical coordinates: w_j = (∏_{i<j} sin ψ_i) cos ψ_j,
  // the last coordinate (∏ sin ψ_i) sin ψ_{d−1}.
  bool go = true;
  std::function<void(int, double, double)> rec = [&](int level, double prefix, double scale) {
    if (!go) return;
    if (level == d - 1) {  // the last angle, over a full circle (half circle at the top for d=2)
      const double range = (half && d == 2) ? kPi : 2.0 * kPi;
      const double start = (half && d == 2) ? -kPi / 2.0 : 0.0;
      const double eff = scale > 1e-300 ? step / scale : range;
      const auto count = std::max<long>(1, static_cast<long>(std::ceil(range / eff)));
      for (long i = 0; i < count && go; ++i) {
        const double psi = start + range * static_cast<double>(i) / static_cast<double>(count);
        w[level - 1] = prefix * std::cos(psi);
        w[level] = prefix * std::sin(psi);
        go = visit(w);
      }
      return;
    }
    const double top = (half && level == 1) ? kPi / 2.0 : kPi;
    const double eff = scale > 1e-300 ? step / scale : top;
    const auto count = std::max<long>(1, static_cast<long>(std::ceil(top / eff)));
    for (long i = 0; i <= count && go; ++i) {
      const double psi = top * static_cast<double>(i) / static_cast<double>(count);
      w[level - 1] = prefix * std::cos(psi);
      rec(level + 1, prefix * std::sin(psi), scale * std::sin(psi));
    }
  };
  rec(1, 1.0, 1.0);
}

struct Scorer {
  const lattice::AttackTask* task;
  Matrix X;
  Vector y;
  // Higher is better: −mse (periodic) or the mean of cos(2π(γ⟨w,x⟩ − z)).
  double operator()(const Vector& w) const {
    const Vector u = task->gamma * (X * w);
    double total = 0.0;
    if (task->clwe()) {
      for (Eigen::Index i = 0; i < u.size(); ++i) {
        double r = u[i] - y[i];
        r -= std::floor(r);
        total += std::cos(2.0 * kPi * r);
      }
      return total / static_cast<double>(u.size());
    }
    for (Eigen::Index i = 0; i < u.size(); ++i) {
      const double e = periodic::capped(task->link, u[i], task->cap()) - y[i];
      total += e * e;
    }
    return -total / static_cast<double>(u.size());
  }
};

Scorer make_scorer(const lattice::AttackTask& task, const Dataset& train, Eigen::Index m) {
  Scorer s{&task, train.X.topRows(m), task.homogeneous ? Vector::Zero(m) : Vector(train.y.head(m))};
  return s;
}

}  // namespace

GridLearner::GridLearner() {
  using O = GridOptions;
  options_
      .real("resolution", &O::resolution, 0.0, 0.0, 1.0,
            "angular step δ in radians; 0 = σ/(γR) (β/(3γ) for clwe) within max_candidates")
      .integer("max_candidates", &O::max_candidates, 200000, 1, 1000000000,
               "most grid directions to score");
}

Fit GridLearner::fit_impl(const Dataset& train, const Params& params,
                          const LearnerContext& ctx) const {
  using namespace lattice;
  const Stopwatch clock;
  const GridOptions options = options_.read(params);
  const AttackTask task = parse_task(ctx.task, "grid", true, true);
  const int d = static_cast<int>(train.dim());
  if (d > 4)
    fail("grid: exhaustive search needs d <= 4 (about (γR/σ)^(d−1) directions), got d = {}", d);
  if (train.size() < 1) fail("grid: the training set is empty");
  const bool half = task.sign_free();
  const double budget = static_cast<double>(options.max_candidates);
  const double area = search_area(d, half);
  double step = options.resolution;
  if (step > 0.0) {
    if (d > 1 && area / std::pow(step, d - 1) > budget)
      fail("grid: resolution {} gives about {:.3g} directions, above max_candidates = {}", step,
           area / std::pow(step, d - 1), options.max_candidates);
  } else {
    const double spread = task.clwe() ? 3.0 : (std::isfinite(task.R) ? task.R : 3.0);
    step = std::max(task.effective_noise(), 1e-12) / (task.gamma * spread);
    if (d > 1) step = std::max(step, std::pow(area / budget, 1.0 / (d - 1)));
    step = std::min(step, 0.5);
  }

  const Scorer coarse = make_scorer(task, train, std::min<Eigen::Index>(train.size(), 512));
  const Scorer fine = make_scorer(task, train, std::min<Eigen::Index>(train.size(), 4096));
  constexpr std::size_t kKeep = 16;
  std::vector<std::pair<double, Vector>> top;  // the kKeep best, unsorted
  long scored = 0;
  bool timed_out = false;
  enumerate(d, step, half, [&](const Vector& w) {
    if ((++scored & 1023) == 0 && clock.seconds() > ctx.time_limit_seconds) {
      timed_out = true;
      return false;
    }
    const double score = coarse(w);
    if (top.size() < kKeep) {
      top.emplace_back(score, w);
    } else {
      auto worst = std::min_element(top.begin(), top.end(),
                                    [](const auto& a, const auto& b) { return a.first < b.first; });
      if (score > worst->first) *worst = {score, w};
    }
    return scored < static_cast<long>(4 * budget);
  });

  // Pattern search on the sphere around each kept direction.
  Vector best_w;
  double best = -kInf;
  for (auto& [unused, w0] : top) {
    Vector w = w0;
    double score = fine(w);
    for (double h = step; h > 1e-9 && !timed_out; h /= 2.0) {
      bool improved = true;
      for (int rounds = 0; improved && rounds < 50; ++rounds) {
        improved = false;
        // Tangent directions: the coordinate axes projected off w.
        for (int j = 0; j < d; ++j)
          for (double sgn : {1.0, -1.0}) {
            Vector e = Vector::Unit(d, j);
            e -= e.dot(w) * w;
            if (e.norm() < 1e-6) continue;
            Vector cand = w + sgn * h * e / e.norm();
            cand /= cand.norm();
            const double s = fine(cand);
            if (s > score) {
              score = s;
              w = cand;
              improved = true;
            }
          }
      }
    }
    if (score > best) {
      best = score;
      best_w = w;
    }
  }

  Recovery rec;
  rec.candidates = static_cast<int>(std::min<long>(scored, 1L << 30));
  if (best_w.size() == d) {
    rec.have = true;
    rec.s = task.gamma * best_w;
    rec.score = task.clwe() ? best : -best;
    const Eigen::Index m = fine.X.rows();
    rec.found = task.clwe() ? best >= circular_threshold(task.effective_noise(), m)
                            : -best <= periodic_threshold(task.link, task.effective_noise());
  }
  ReduceResult none;
  none.status_text = timed_out ? "time limit" : "grid";
  none.time_limited = timed_out;
  none.seconds = clock.seconds();
  Metrics extra;
  extra["resolution"] = step;
  extra["directions"] = static_cast<double>(scored);
  return finish_fit(task, train, rec, none,
                    static_cast<int>(std::min<Eigen::Index>(train.size(), 4096)), nullptr, extra);
}

}  // namespace hardnets
