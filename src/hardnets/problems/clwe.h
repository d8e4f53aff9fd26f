// Li–Zadik–Zampetakis 2025: Continuous LWE and the one-hidden-layer networks it
// makes hard.
//
// Standard-normal convention throughout (x ~ N(0, I_d); β, σ are standard
// deviations). The papers' ρ_s convention (Bruna–Regev–Song–Tang) has γ and β
// larger by √(2π): γ_std = γ_BRST / √(2π), β_std = β_BRST / √(2π).
//
// Problems
//   clwe             (x, z), z = γ⟨w,x⟩ + e mod 1, e ~ N(0, β²), w ~ Unif(S^{d-1}).
//                    variant = standard | null (z ~ U[0,1), same x)
//                    | homogeneous (hCLWE "Gaussian pancakes", exact sampler; z ≡ 0).
//                    precision > 53 computes w, ⟨w,x⟩ and z with MPFR at that
//                    many bits (x stays binary64, taken as exact reals).
//   periodic_neuron  y = φ(γ⟨w,x⟩) + N(0, σ²), φ ∈ {cos(2π·), tri}.
//   clwe_relu        y = f(x) + N(0, σ²), f the one-hidden-layer ReLU network
//                    computing φ(clip(γ⟨w,x⟩, -γR, γR)) (exact for tri,
//                    interpolated with a stated sup-error for cos).
//
// What learners see (Instance::task, task.json), besides the samples:
//   clwe:      {"family": "clwe", "convention": "standard-normal",
//               "variant": "clwe" | "homogeneous",   (null samples say "clwe")
//               "gamma", "beta", "precision_bits",
//               "z_mp": [decimal strings]  only when precision_bits > 53: the
//                       samples' z to that precision (train.y holds z rounded)}
//   periodic:  {"family": "periodic", "convention": "standard-normal",
//               "phi": "cos" | "tri", "gamma", "sigma",
//               "R": cap (clwe_relu) or null (periodic_neuron)}
// The truth (judge only) holds "w" and, for clwe, the integer lifts "k"
// (γ⟨w,x_i⟩ = z_i + k_i - e_i) and the noise "e".
//
// Judging a recovery attack: its Fit::output may hold "w" (a recovered
// direction, any norm) and "found" (the attack's own verification passed).
// cosine = ⟨ŵ,w⟩/‖ŵ‖ (absolute value where ±w are equivalent: hCLWE and the
// even links), success = cosine ≥ 0.99, found = output["found"]. Label
// problems also report test mse/nmse of the fit's predictor.
#pragma once

#include "hardnets/problems/problem.h"

namespace hardnets {

// Reads Fit::output["w"] and scores it against the secret `w`: fills cosine,
// success (cosine >= 0.99) and found. `sign_matters` is false where ±w are the
// same hypothesis.
void judge_direction(const Vector& w, const Fit& fit, bool sign_matters, Metrics& metrics);

}  // namespace hardnets
