#include "hardnets/nets/units.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>
#include <vector>

#include "hardnets/core/error.h"

namespace hardnets::units {
namespace {

std::vector<double> to_std(const Vector& v) {
  return {v.data(), v.data() + v.size()};
}

Json rows_json(const Matrix& W) {
  Json rows = Json::array();
  for (Eigen::Index i = 0; i < W.rows(); ++i) rows.push_back(to_std(W.row(i).transpose()));
  return rows;
}

// Matrix with one row per element of json array `rows`, each of length d.
Matrix parse_rows(const Json& rows, const char* what) {
  if (!rows.is_array() || rows.empty())
    fail("parameter_error: '{}' must be a non-empty array", what);
  const std::size_t d = rows[0].is_array() ? rows[0].size() : 0;
  Matrix W(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(d));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].is_array() || rows[i].size() != d || d == 0) {
      fail("parameter_error: '{}' must be rows of equal non-zero length", what);
    }
    for (std::size_t j = 0; j < d; ++j) {
      if (!rows[i][j].is_number()) fail("parameter_error: '{}' holds a non-number", what);
      W(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j].get<double>();
    }
  }
  return W;
}

Vector parse_vector(const Json& v, std::size_t size, const char* what) {
  if (!v.is_array() || v.size() != size) {
    fail("parameter_error: '{}' must be an array of {} numbers", what, size);
  }
  Vector out(static_cast<Eigen::Index>(size));
  for (std::size_t i = 0; i < size; ++i) {
    if (!v[i].is_number()) fail("parameter_error: '{}' holds a non-number", what);
    out[static_cast<Eigen::Index>(i)] = v[i].get<double>();
  }
  return out;
}

}  // namespace

Units normalised_units(const ReluNet& net, Eigen::Index m) {
  const auto& L0 = net.layers()[0];
  const auto& L1 = net.layers()[1];
  Units u{Matrix(m, L0.W.cols()), Vector(m), Vector(m)};
  for (Eigen::Index i = 0; i < m; ++i) {
    const double norm = L0.W.row(i).norm();
    const double s = norm > 0.0 ? norm : 1.0;
    u.W.row(i) = L0.W.row(i) / s;
    u.b[i] = L0.b[i] / s;
    u.a[i] = L1.W(0, i) * s;
  }
  return u;
}

// {"w": unit rows, "b", "a"}: the form parameter_error reads.
Json units_json(const Units& u) {
  return Json{{"w", rows_json(u.W)}, {"b", to_std(u.b)}, {"a", to_std(u.a)}};
}

Metrics parameter_error(const ReluNet& teacher, const Json& fit_output) {
  if (teacher.depth() != 2) {
    fail("parameter_error: the teacher must have depth 2 (one hidden layer), got depth {}",
         teacher.depth());
  }
  if (!fit_output.is_object() || !fit_output.contains("w") || !fit_output.contains("b") ||
      !fit_output.contains("a")) {
    fail("parameter_error: the fit output must hold 'w', 'b' and 'a'");
  }
  const Matrix What = parse_rows(fit_output["w"], "w");
  const auto mr = static_cast<std::size_t>(What.rows());
  const Vector bhat = parse_vector(fit_output["b"], mr, "b");
  const Vector ahat = parse_vector(fit_output["a"], mr, "a");
  const auto& L0 = teacher.layers()[0];
  if (What.cols() != L0.W.cols()) {
    fail("parameter_error: recovered rows have dimension {}, the teacher's inputs {}", What.cols(),
         L0.W.cols());
  }
  const Eigen::Index mt = L0.W.rows();
  // Normalised teacher and recovered units.
  const Units teacher_units = normalised_units(teacher, mt);
  const Matrix& Wt = teacher_units.W;
  const Vector &bt = teacher_units.b, &at = teacher_units.a;
  Matrix Wr = What;
  Vector br = bhat, ar = ahat;
  for (Eigen::Index j = 0; j < Wr.rows(); ++j) {
    const double norm = Wr.row(j).norm();
    const double s = norm > 0.0 ? norm : 1.0;
    Wr.row(j) /= s;
    br[j] /= s;
    ar[j] *= s;
  }
  const Matrix C = Wt * Wr.transpose();  // cosines, mt x mr
  const Matrix absC = C.cwiseAbs();

  // pairs (teacher i, recovered j)
  std::vector<std::pair<Eigen::Index, Eigen::Index>> match;
  const auto m_rec = static_cast<Eigen::Index>(mr);
  if (mt == m_rec && mt <= 8) {
    std::vector<Eigen::Index> perm(static_cast<std::size_t>(mt));
    std::iota(perm.begin(), perm.end(), Eigen::Index{0});
    std::vector<Eigen::Index> best = perm;
    double best_score = -1.0;
    do {
      double score = 0.0;
      for (Eigen::Index i = 0; i < mt; ++i) score += absC(i, perm[static_cast<std::size_t>(i)]);
      if (score > best_score) {
        best_score = score;
        best = perm;
      }
    } while (std::next_permutation(perm.begin(), perm.end()));
    for (Eigen::Index i = 0; i < mt; ++i) match.emplace_back(i, best[static_cast<std::size_t>(i)]);
  } else {
    std::vector<bool> used_t(static_cast<std::size_t>(mt)), used_r(mr);
    const Eigen::Index pairs = std::min(mt, m_rec);
    for (Eigen::Index p = 0; p < pairs; ++p) {
      double best = -1.0;
      Eigen::Index bi = 0, bj = 0;
      for (Eigen::Index i = 0; i < mt; ++i) {
        if (used_t[static_cast<std::size_t>(i)]) continue;
        for (Eigen::Index j = 0; j < m_rec; ++j) {
          if (used_r[static_cast<std::size_t>(j)] || absC(i, j) <= best) continue;
          best = absC(i, j);
          bi = i;
          bj = j;
        }
      }
      used_t[static_cast<std::size_t>(bi)] = true;
      used_r[static_cast<std::size_t>(bj)] = true;
      match.emplace_back(bi, bj);
    }
  }
  double sin_max = 0.0, sin_sum = 0.0, a_max = 0.0, a_sum = 0.0, b_max = 0.0, b_sum = 0.0;
  for (const auto& [i, j] : match) {
    const double c = C(i, j);
    const double sign = c < 0.0 ? -1.0 : 1.0;
    const double sin = std::sqrt(std::max(0.0, 1.0 - c * c));
    const double ea = std::abs(ar[j] - at[i]) / std::max(std::abs(at[i]), 1e-300);
    const double eb = std::abs(sign * br[j] - bt[i]) / std::max(std::abs(bt[i]), 1.0);
    sin_max = std::max(sin_max, sin);
    a_max = std::max(a_max, ea);
    b_max = std::max(b_max, eb);
    sin_sum += sin;
    a_sum += ea;
    b_sum += eb;
  }
  const auto k = static_cast<double>(std::max<std::size_t>(match.size(), 1));
  Metrics m;
  m["param_sin_max"] = sin_max;
  m["param_sin_mean"] = sin_sum / k;
  m["param_a_max"] = a_max;
  m["param_a_mean"] = a_sum / k;
  m["param_b_max"] = b_max;
  m["param_b_mean"] = b_sum / k;
  m["param_error"] = std::max({sin_max, a_max, b_max});
  m["param_unmatched"] = static_cast<double>(std::abs(mt - m_rec));
  return m;
}

}  // namespace hardnets::units
