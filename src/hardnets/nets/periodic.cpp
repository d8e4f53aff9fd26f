#include "hardnets/nets/periodic.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "hardnets/core/error.h"

namespace hardnets::periodic {

Link parse_link(const std::string& name) {
  if (name == "cos") return Link::kCos;
  if (name == "tri") return Link::kTri;
  fail("unknown periodic link '{}' (expected cos or tri)", name);
}

std::string link_name(Link link) {
  return link == Link::kCos ? "cos" : "tri";
}

double tri(double u) {
  return std::abs(u - std::floor(u + 0.5));
}

double apply(Link link, double u) {
  if (link == Link::kTri) return tri(u);
  // cos(2πu) through the fractional part: exact periodicity for huge |u|.
  return std::cos(2.0 * std::numbers::pi * (u - std::floor(u)));
}

double capped(Link link, double u, double cap) {
  return apply(link, std::clamp(u, -cap, cap));
}

double uniform_variance(Link link) {
  return link == Link::kTri ? 1.0 / 48.0 : 0.5;
}

double tail_mass(double R) {
  return std::erfc(R / std::numbers::sqrt2);
}

double Spline::eval(double u) const {
  double value = offset;
  for (std::size_t j = 0; j < knots.size() && u > knots[j]; ++j)
    value += slopes[j] * (u - knots[j]);
  return value;
}

Spline capped_tri_spline(double T) {
  if (!(T > 0.0) || !std::isfinite(T)) fail("capped triangle wave: cap T = {} must be positive", T);
  Spline spline;
  spline.offset = tri(-T);
  // Slope of tri just right of u: +1 on [m, m+1/2), -1 on [m+1/2, m+1).
  auto slope_right = [](double u) { return (u - std::floor(u)) < 0.5 ? 1.0 : -1.0; };
  spline.knots.push_back(-T);
  spline.slopes.push_back(slope_right(-T));
  // Interior multiples of 1/2: slope -1 -> +1 at integers, +1 -> -1 at half-integers.
  for (double k = std::floor(-2.0 * T) + 1.0; k / 2.0 < T; k += 1.0) {
    if (k / 2.0 <= -T) continue;
    spline.knots.push_back(k / 2.0);
    spline.slopes.push_back(std::fmod(std::abs(k), 2.0) == 0.0 ? 2.0 : -2.0);
  }
  double total = 0.0;
  for (double a : spline.slopes) total += a;
  spline.knots.push_back(T);
  spline.slopes.push_back(-total);  // flat beyond the cap
  return spline;
}

Spline interpolated_spline(Link link, double T, double sup_error, double* achieved) {
  if (!(T > 0.0) || !std::isfinite(T)) fail("interpolated link: cap T = {} must be positive", T);
  if (!(sup_error > 0.0)) fail("interpolated link: sup_error = {} must be positive", sup_error);
  // Linear interpolation error: <= L h / 2 for an L-Lipschitz φ (tri: L = 1),
  // <= h² max|φ''| / 8 for a smooth one (cos(2πu): max|φ''| = 4π²).
  const double h_max =
      link == Link::kTri ? 2.0 * sup_error : std::sqrt(2.0 * sup_error) / std::numbers::pi;
  const auto intervals = static_cast<std::int64_t>(std::ceil(2.0 * T / h_max));
  if (intervals > 10'000'000)
    fail("interpolated link: {} knots needed; raise sup_error", intervals);
  const double h = 2.0 * T / static_cast<double>(intervals);
  Spline spline;
  spline.offset = apply(link, -T);
  double previous_slope = 0.0;
  for (std::int64_t i = 0; i <= intervals; ++i) {
    const double u = -T + h * static_cast<double>(i);
    double slope = 0.0;
    if (i < intervals) slope = (apply(link, u + h) - apply(link, u)) / h;
    spline.knots.push_back(u);
    spline.slopes.push_back(slope - previous_slope);
    previous_slope = slope;
  }
  if (achieved != nullptr) {
    // Sup-error on a grid 16 times finer than the knots (the error of a linear
    // interpolant of cos peaks mid-interval; tri's kinks are sampled too).
    double worst = 0.0;
    const std::int64_t fine = intervals * 16;
    // Walk the fine grid left to right, accumulating the spline piece by piece
    // (Spline::eval is O(width) per point).
    double value = spline.offset, slope = 0.0, last = -T;
    std::size_t j = 0;
    for (std::int64_t i = 0; i <= fine; ++i) {
      const double u = -T + 2.0 * T * static_cast<double>(i) / static_cast<double>(fine);
      for (; j < spline.knots.size() && spline.knots[j] < u; ++j) {
        value += slope * (spline.knots[j] - last);
        last = spline.knots[j];
        slope += spline.slopes[j];
      }
      worst = std::max(worst, std::abs(value + slope * (u - last) - apply(link, u)));
    }
    *achieved = worst;
  }
  return spline;
}

ReluNet spline_network(const Spline& spline, const Vector& w, double gamma) {
  const int d = static_cast<int>(w.size());
  const int width = static_cast<int>(spline.knots.size());
  ReluNet net({d, width, 1});
  auto& hidden = net.layers()[0];
  auto& out = net.layers()[1];
  for (int j = 0; j < width; ++j) {
    for (int i = 0; i < d; ++i) hidden.W(j, i) = gamma * w[i];
    hidden.b[j] = -spline.knots[static_cast<std::size_t>(j)];
    out.W(0, j) = spline.slopes[static_cast<std::size_t>(j)];
  }
  out.b[0] = spline.offset;
  return net;
}

}  // namespace hardnets::periodic
