// Periodic links and the one-hidden-layer ReLU networks that compute them.
//
// Li–Zadik–Zampetakis 2025 reduce Continuous LWE to learning
// f(x) = φ(γ⟨w,x⟩) for a 1-periodic Lipschitz φ, capped to |⟨w,x⟩| ≤ R so that
// it becomes a finite one-hidden-layer ReLU network. Both the problems
// (periodic_neuron, clwe_relu) and the attacks (lll_labels, grid) use the
// links defined here, so the label model has one definition.
//
//   cos:  φ(u) = cos(2πu)                      range [-1, 1]
//   tri:  φ(u) = |u - round(u)|                range [0, 1/2], 1-Lipschitz
//
// Every hidden unit of the capped network has the same weight vector γw (a
// rank-one first layer): f(x) = c + Σ_j a_j ReLU(γ⟨w,x⟩ - c_j).
#pragma once

#include <limits>
#include <string>

#include "hardnets/core/dataset.h"
#include "hardnets/nets/relu_net.h"

namespace hardnets::periodic {

enum class Link { kCos, kTri };

Link parse_link(const std::string& name);  // "cos" or "tri"; UserError otherwise
std::string link_name(Link link);

// Distance from u to the nearest integer: the 1-periodic triangle wave.
double tri(double u);
double apply(Link link, double u);
// φ(clip(u, -cap, cap)); cap = +inf gives the uncapped link.
double capped(Link link, double u, double cap);
// Var φ(U) for U uniform on [0,1): 1/48 for tri, 1/2 for cos.
double uniform_variance(Link link);
// 2 Φ̄(R) = P(|g| > R), g ~ N(0,1): the input mass the cap changes.
double tail_mass(double R);

// The piecewise-linear function of u that the network computes.
struct Spline {
  double offset = 0.0;         // value at u <= knots.front()
  std::vector<double> knots;   // c_0 < c_1 < ... (in u = γ⟨w,x⟩ units)
  std::vector<double> slopes;  // a_j: slope change at knot j
  double eval(double u) const;
};

// tri(clip(u, -T, T)) exactly: knots at -T, at every multiple of 1/2 inside
// (-T, T), and at T; slope changes ±2 inside, the end ones chosen so that the
// function is flat outside [-T, T]. Width 4T+1 if T ∈ ½Z, else about 4T+2.
Spline capped_tri_spline(double T);
// Linear interpolation of φ(clip(u, -T, T)) on a uniform grid whose spacing h
// guarantees sup-error <= sup_error: h = 2ε/L (L = Lipschitz constant) for
// tri, h = sqrt(8ε / max|φ''|) for cos. Returns the spline and, through
// `achieved`, the measured sup-error on a fine grid.
Spline interpolated_spline(Link link, double T, double sup_error, double* achieved);

// The spline as a one-hidden-layer ReluNet on x: hidden unit j computes
// ReLU(γ⟨w,x⟩ - c_j), output weight a_j, output bias = offset.
ReluNet spline_network(const Spline& spline, const Vector& w, double gamma);

}  // namespace hardnets::periodic
