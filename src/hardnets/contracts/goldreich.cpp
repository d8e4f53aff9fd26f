#include "hardnets/contracts/goldreich.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <unordered_set>

#include "hardnets/core/error.h"

namespace hardnets::goldreich {
namespace {

Predicate from_function(std::string name, int k, auto&& f) {
  Predicate p;
  p.name = std::move(name);
  p.k = k;
  p.table.resize(std::size_t{1} << k);
  for (std::uint32_t x = 0; x < p.table.size(); ++x) p.table[x] = static_cast<std::uint8_t>(f(x));
  return p;
}

int hex_digits(int k) {
  return k <= 2 ? 1 : 1 << (k - 2);
}

}  // namespace

std::string Predicate::hex() const {
  const int digits = hex_digits(k);
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int d = 0; d < digits; ++d) {
    int value = 0;
    for (int bit = 0; bit < 4; ++bit) {
      const std::size_t x = static_cast<std::size_t>(4 * d + bit);
      if (x < table.size() && table[x]) value |= 1 << bit;
    }
    out[static_cast<std::size_t>(digits - 1 - d)] = "0123456789abcdef"[value];
  }
  return out;
}

std::string Predicate::label() const {
  if (name == "xor") return "xor_" + std::to_string(k);
  if (name == "xor_maj") return "xor_maj_" + std::to_string(a) + "_" + std::to_string(b);
  if (name == "table") return "table_" + hex();
  return name;
}

Predicate xor_predicate(int k) {
  return from_function("xor", k, [](std::uint32_t x) { return std::popcount(x) & 1; });
}

Predicate p5_predicate() {
  // x1 ⊕ x2 ⊕ x3 ⊕ (x4 ∧ x5): bits 0, 1, 2 linear, bits 3 and 4 multiplied.
  return from_function("p5", 5, [](std::uint32_t x) {
    return (std::popcount(x & 7u) & 1) ^ ((x >> 3) & (x >> 4) & 1u);
  });
}

Predicate xor_maj_predicate(int a, int b) {
  Predicate p = from_function("xor_maj", a + b, [a, b](std::uint32_t x) {
    const std::uint32_t linear = x & ((1u << a) - 1u);
    const int ones = std::popcount(x >> a);
    return (std::popcount(linear) & 1) ^ (2 * ones > b ? 1 : 0);
  });
  p.a = a;
  p.b = b;
  return p;
}

Predicate table_predicate(int k, const std::string& hex, const std::string& owner) {
  if (k < 1 || k > kMaxArity)
    fail("{}: a truth table needs 1 <= k <= {}, got {}", owner, kMaxArity, k);
  const int digits = hex_digits(k);
  if (static_cast<int>(hex.size()) != digits) {
    fail(
        "{}: a truth table for k = {} has 2^{} = {} entries, i.e. {} hex digit{}; got {} "
        "characters in \"{}\"",
        owner, k, k, 1 << k, digits, digits == 1 ? "" : "s", hex.size(), hex);
  }
  Predicate p;
  p.name = "table";
  p.k = k;
  p.table.assign(std::size_t{1} << k, 0);
  for (int d = 0; d < digits; ++d) {
    const char c = hex[static_cast<std::size_t>(digits - 1 - d)];
    int value;
    if (c >= '0' && c <= '9') {
      value = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      value = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      value = c - 'A' + 10;
    } else {
      fail("{}: truth table \"{}\" has a character that is not a hex digit: '{}'", owner, hex, c);
    }
    for (int bit = 0; bit < 4; ++bit) {
      const std::size_t x = static_cast<std::size_t>(4 * d + bit);
      if ((value >> bit) & 1) {
        if (x >= p.table.size()) {
          fail("{}: truth table \"{}\" sets entry {} but k = {} has only {} entries", owner, hex, x,
               k, p.table.size());
        }
        p.table[x] = 1;
      }
    }
  }
  return p;
}

std::vector<double> walsh_spectrum(const Predicate& p) {
  // Fast Walsh–Hadamard transform of (-1)^P, divided by 2^k.
  const std::size_t size = p.table.size();
  std::vector<double> w(size);
  for (std::size_t x = 0; x < size; ++x) w[x] = p.table[x] ? -1.0 : 1.0;
  for (std::size_t h = 1; h < size; h <<= 1) {
    for (std::size_t i = 0; i < size; i += 2 * h) {
      for (std::size_t j = i; j < i + h; ++j) {
        const double u = w[j], v = w[j + h];
        w[j] = u + v;
        w[j + h] = u - v;
      }
    }
  }
  for (double& v : w) v /= static_cast<double>(size);
  return w;
}

std::vector<std::uint8_t> algebraic_normal_form(const Predicate& p) {
  // Möbius transform over GF(2): anf[T] = ⊕_{x ⊆ T} P(x).
  std::vector<std::uint8_t> a = p.table;
  for (std::size_t h = 1; h < a.size(); h <<= 1) {
    for (std::size_t x = 0; x < a.size(); ++x) {
      if (x & h) a[x] ^= a[x ^ h];
    }
  }
  return a;
}

int gf2_degree(const Predicate& p) {
  const auto a = algebraic_normal_form(p);
  int degree = 0;
  for (std::uint32_t t = 0; t < a.size(); ++t) {
    if (a[t]) degree = std::max(degree, std::popcount(t));
  }
  return degree;
}

int resilience_order(const Predicate& p) {
  const auto w = walsh_spectrum(p);
  int best = p.k + 1;
  // The coefficients are multiples of 2^-k computed exactly in binary
  // floating point; the tolerance only makes -0.0 and 0.0 alike.
  for (std::uint32_t t = 1; t < w.size(); ++t) {
    if (std::abs(w[t]) > 1e-12) best = std::min(best, std::popcount(t));
  }
  return best;
}

double bias(const Predicate& p) {
  std::size_t ones = 0;
  for (auto v : p.table) ones += v;
  return static_cast<double>(ones) / static_cast<double>(p.table.size());
}

bool complement_invariant(const Predicate& p) {
  const std::uint32_t all = static_cast<std::uint32_t>(p.table.size() - 1);
  for (std::uint32_t x = 0; x < p.table.size(); ++x) {
    if (p.table[x] != p.table[x ^ all]) return false;
  }
  return true;
}

void declare_predicate_params(ParamSpec& spec) {
  spec.integer("n", 64, 2, 1 << 24, "seed length (number of secret bits)")
      .choice("predicate", "p5", {"xor", "p5", "xor_maj", "table"},
              "xor: x1 ⊕ ... ⊕ xk; p5: x1 ⊕ x2 ⊕ x3 ⊕ (x4 ∧ x5); xor_maj: (x1 ⊕ ... ⊕ xa) ⊕ "
              "MAJ(x_{a+1..a+b}); table: the truth table `table`")
      .integer("k", 3, 1, kMaxArity,
               "arity for xor and table (p5 has k = 5, xor_maj k = a + b; k is ignored there)")
      .integer("a", 2, 0, kMaxArity - 1, "xor_maj: number of XOR inputs")
      .integer("b", 3, 1, kMaxArity - 1, "xor_maj: number of MAJ inputs (odd)")
      .text("table", "",
            "predicate = table: T = Σ_x P(x) 2^x in hex, most significant digit first, "
            "max(1, 2^k/4) digits; x = Σ_j x_j 2^(j-1) (XOR_3 = 96)");
}

Predicate predicate_from_params(const Params& params, const std::string& owner) {
  const std::string& name = params.text("predicate");
  const int k = static_cast<int>(params.integer("k"));
  if (name == "xor") return xor_predicate(k);
  if (name == "p5") return p5_predicate();
  if (name == "xor_maj") {
    const int a = static_cast<int>(params.integer("a"));
    const int b = static_cast<int>(params.integer("b"));
    if (b % 2 == 0) fail("{}: xor_maj needs an odd number b of MAJ inputs, got b = {}", owner, b);
    if (a + b > kMaxArity)
      fail("{}: xor_maj needs a + b <= {}, got {} + {}", owner, kMaxArity, a, b);
    return xor_maj_predicate(a, b);
  }
  const std::string& hex = params.text("table");
  if (hex.empty()) fail("{}: predicate = table needs -p table=HEX (2^k/4 hex digits)", owner);
  return table_predicate(k, hex, owner);
}

void draw_edge(int n, int k, Rng& rng, std::span<std::int32_t> out) {
  // Index j is uniform among the n - j unused ones: draw r < n - j and skip
  // the used indices at or below it, in increasing order. Exactly uniform over
  // ordered tuples, one uniform_int per index.
  std::int32_t used[kMaxArity];
  for (int j = 0; j < k; ++j) {
    auto r = static_cast<std::int32_t>(rng.uniform_int(static_cast<std::uint64_t>(n - j)));
    std::sort(used, used + j);
    for (int u = 0; u < j; ++u) {
      if (used[u] <= r) ++r;
    }
    out[static_cast<std::size_t>(j)] = r;
    used[j] = r;
  }
}

Hypergraph draw_hypergraph(int n, int k, std::int64_t m, const Rng& rng) {
  if (k < 1 || k > kMaxArity) fail("goldreich: k must be in [1, {}], got {}", kMaxArity, k);
  if (k > n) fail("goldreich: k = {} distinct indices need n >= k, got n = {}", k, n);
  Hypergraph g;
  g.n = n;
  g.k = k;
  g.indices.resize(static_cast<std::size_t>(m * k));
  for (std::int64_t i = 0; i < m; ++i) {
    Rng edge_rng = rng.substream(static_cast<std::uint64_t>(i));
    draw_edge(n, k, edge_rng, {g.indices.data() + i * k, static_cast<std::size_t>(k)});
  }
  return g;
}

std::vector<std::uint8_t> draw_seed(int n, const Rng& rng) {
  Rng r = rng;
  std::vector<std::uint8_t> seed(static_cast<std::size_t>(n));
  for (auto& bit : seed) bit = static_cast<std::uint8_t>(r.next_u64() >> 63);
  return seed;
}

std::uint32_t pattern(std::span<const std::int32_t> edge, const std::vector<std::uint8_t>& seed) {
  std::uint32_t x = 0;
  for (std::size_t j = 0; j < edge.size(); ++j) {
    x |= static_cast<std::uint32_t>(seed[static_cast<std::size_t>(edge[j])]) << j;
  }
  return x;
}

std::vector<std::uint8_t> outputs(const Predicate& p, const Hypergraph& g,
                                  const std::vector<std::uint8_t>& seed) {
  std::vector<std::uint8_t> y(static_cast<std::size_t>(g.size()));
  for (std::int64_t i = 0; i < g.size(); ++i) {
    y[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(p(pattern(g.edge(i), seed)));
  }
  return y;
}

std::uint64_t falling(int n, int k) {
  std::uint64_t count = 1;
  for (int j = 0; j < k; ++j) count *= static_cast<std::uint64_t>(n - j);
  return count;
}

std::uint64_t rank_tuple(std::span<const std::int32_t> edge, int n) {
  // Mixed radix: digit j is the index's position among the n - j indices not
  // used before it.
  const int k = static_cast<int>(edge.size());
  std::uint64_t rank = 0;
  for (int j = 0; j < k; ++j) {
    std::int32_t digit = edge[static_cast<std::size_t>(j)];
    for (int u = 0; u < j; ++u) {
      if (edge[static_cast<std::size_t>(u)] < edge[static_cast<std::size_t>(j)]) --digit;
    }
    rank = rank * static_cast<std::uint64_t>(n - j) + static_cast<std::uint64_t>(digit);
  }
  return rank;
}

void unrank_tuple(std::uint64_t rank, int n, int k, std::span<std::int32_t> out) {
  std::int32_t digits[kMaxArity];
  for (int j = k - 1; j >= 0; --j) {
    const auto base = static_cast<std::uint64_t>(n - j);
    digits[j] = static_cast<std::int32_t>(rank % base);
    rank /= base;
  }
  std::int32_t used[kMaxArity];
  for (int j = 0; j < k; ++j) {
    std::int32_t r = digits[j];
    std::sort(used, used + j);
    for (int u = 0; u < j; ++u) {
      if (used[u] <= r) ++r;
    }
    out[static_cast<std::size_t>(j)] = r;
    used[j] = r;
  }
}

std::int64_t count_pair_collisions(const Hypergraph& g) {
  if (g.k < 2) return 0;
  std::unordered_set<std::uint64_t> seen;
  std::int64_t collisions = 0;
  for (std::int64_t i = 0; i < g.size(); ++i) {
    const auto e = g.edge(i);
    const auto u = static_cast<std::uint64_t>(std::min(e[g.k - 2], e[g.k - 1]));
    const auto v = static_cast<std::uint64_t>(std::max(e[g.k - 2], e[g.k - 1]));
    if (!seen.insert(u * static_cast<std::uint64_t>(g.n) + v).second) ++collisions;
  }
  return collisions;
}

double expected_pair_collisions(int n, std::int64_t m) {
  // m edges minus the expected number of distinct pairs among N = C(n, 2).
  const double N = 0.5 * n * (n - 1.0);
  return static_cast<double>(m) - N + N * std::exp(static_cast<double>(m) * std::log1p(-1.0 / N));
}

Json Task::to_json() const {
  return Json{{"family", "goldreich"},      {"n", n},
              {"k", predicate.k},           {"predicate", predicate.name},
              {"a", predicate.a},           {"b", predicate.b},
              {"label", predicate.label()}, {"table", predicate.hex()},
              {"encoding", encoding}};
}

Task Task::from_json(const Json& task, const std::string& who) {
  if (!task.is_object() || task.value("family", "") != "goldreich") {
    fail(
        "{}: needs a Goldreich PRG task (problems prg_hyperedge and others whose task.json has "
        "family = goldreich), got {}",
        who, task.is_object() && task.contains("family") ? task["family"].dump() : "no family");
  }
  Task t;
  try {
    t.n = task.at("n").get<int>();
    const int k = task.at("k").get<int>();
    t.encoding = task.at("encoding").get<std::string>();
    t.predicate = table_predicate(k, task.at("table").get<std::string>(), who);
    t.predicate.name = task.value("predicate", "table");
    t.predicate.a = task.value("a", 0);
    t.predicate.b = task.value("b", 0);
  } catch (const Json::exception& e) {
    fail("{}: malformed Goldreich task: {}", who, e.what());
  }
  if (t.encoding != "onehot" && t.encoding != "index") {
    fail("{}: Goldreich task encoding must be onehot or index, got {}", who, t.encoding);
  }
  if (t.predicate.k > t.n) fail("{}: Goldreich task has k = {} > n = {}", who, t.predicate.k, t.n);
  return t;
}

Matrix encode(const Hypergraph& g, const std::string& encoding) {
  const std::int64_t m = g.size();
  if (encoding == "index") {
    Matrix X(m, g.k);
    for (std::int64_t i = 0; i < m; ++i) {
      for (int j = 0; j < g.k; ++j) X(i, j) = g.indices[static_cast<std::size_t>(i * g.k + j)];
    }
    return X;
  }
  Matrix X = Matrix::Zero(m, static_cast<Eigen::Index>(g.k) * g.n);
  for (std::int64_t i = 0; i < m; ++i) {
    for (int j = 0; j < g.k; ++j) {
      X(i, static_cast<Eigen::Index>(j) * g.n + g.indices[static_cast<std::size_t>(i * g.k + j)]) =
          1.0;
    }
  }
  return X;
}

Hypergraph decode(const Matrix& X, const Task& task, const std::string& who) {
  const int n = task.n, k = task.predicate.k;
  if (X.cols() != task.row_width()) {
    fail("{}: a {} Goldreich row has {} columns (n = {}, k = {}), got {}", who, task.encoding,
         task.row_width(), n, k, X.cols());
  }
  Hypergraph g;
  g.n = n;
  g.k = k;
  g.indices.resize(static_cast<std::size_t>(X.rows() * k));
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    std::int32_t* edge = g.indices.data() + i * k;
    for (int j = 0; j < k; ++j) {
      if (task.encoding == "index") {
        const double v = X(i, j);
        if (!(v >= 0 && v < n) || v != std::floor(v)) {
          fail("{}: row {} column {} is {}, not an index in [0, {})", who, i, j, v, n);
        }
        edge[j] = static_cast<std::int32_t>(v);
      } else {
        int found = -1;
        for (int c = 0; c < n; ++c) {
          const double v = X(i, static_cast<Eigen::Index>(j) * n + c);
          if (v == 1.0 && found < 0) {
            found = c;
          } else if (v != 0.0) {
            fail("{}: row {} block {} is not one-hot (entry {} is {})", who, i, j, c, v);
          }
        }
        if (found < 0) fail("{}: row {} block {} has no 1", who, i, j);
        edge[j] = found;
      }
      for (int u = 0; u < j; ++u) {
        if (edge[u] == edge[j]) fail("{}: row {} repeats index {}", who, i, edge[j]);
      }
    }
  }
  return g;
}

Vector SeedPredictor::predict(const Matrix& X) const {
  const Hypergraph g = decode(X, task_, "seed predictor");
  const auto y = outputs(task_.predicate, g, seed_);
  Vector out(static_cast<Eigen::Index>(y.size()));
  for (std::size_t i = 0; i < y.size(); ++i) out[static_cast<Eigen::Index>(i)] = y[i];
  return out;
}

Json SeedPredictor::to_json() const {
  return Json{
      {"kind", "goldreich_seed"}, {"task", task_.to_json()}, {"seed", seed_to_string(seed_)}};
}

std::string seed_to_string(const std::vector<std::uint8_t>& seed) {
  std::string s(seed.size(), '0');
  for (std::size_t i = 0; i < seed.size(); ++i) s[i] = seed[i] ? '1' : '0';
  return s;
}

std::vector<std::uint8_t> seed_from_string(const std::string& text, int n, const std::string& who) {
  if (static_cast<int>(text.size()) != n) {
    fail("{}: a seed has n = {} bits, got {} characters", who, n, text.size());
  }
  std::vector<std::uint8_t> seed(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '0' && text[i] != '1')
      fail("{}: seed character {} is '{}', not 0 or 1", who, i, text[i]);
    seed[i] = text[i] == '1';
  }
  return seed;
}

}  // namespace hardnets::goldreich
