#include "hardnets/core/dataset.h"

#include <bit>
#include <charconv>
#include <cstring>
#include <fstream>
#include <regex>

#include <fmt/format.h>

#include "hardnets/core/error.h"

namespace hardnets {

static_assert(std::endian::native == std::endian::little, "hardnets assumes a little-endian host");

Dataset Dataset::select(const std::vector<Eigen::Index>& rows) const {
  Dataset out;
  out.X.resize(static_cast<Eigen::Index>(rows.size()), dim());
  out.y.resize(static_cast<Eigen::Index>(rows.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out.X.row(static_cast<Eigen::Index>(i)) = X.row(rows[i]);
    out.y[static_cast<Eigen::Index>(i)] = y[rows[i]];
  }
  return out;
}

Dataset Dataset::slice(Eigen::Index begin, Eigen::Index count) const {
  Dataset out;
  out.X = X.middleRows(begin, count);
  out.y = y.segment(begin, count);
  return out;
}

void write_npy(const std::filesystem::path& path, const double* data,
               const std::vector<std::int64_t>& shape) {
  std::string shape_text = "(";
  std::int64_t count = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    shape_text += fmt::format("{}{}", shape[i], shape.size() == 1 ? "," : "");
    if (i + 1 < shape.size()) shape_text += ", ";
    count *= shape[i];
  }
  shape_text += ")";
  std::string header =
      fmt::format("{{'descr': '<f8', 'fortran_order': False, 'shape': {}, }}", shape_text);
  // Magic (6) + version (2) + header length (2) + header + '\n' is padded to 64 bytes.
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) fail("cannot write '{}'", path.string());
  const char magic[] = {'\x93', 'N', 'U', 'M', 'P', 'Y', '\x01', '\x00'};
  out.write(magic, sizeof magic);
  const auto len = static_cast<std::uint16_t>(header.size());
  out.put(static_cast<char>(len & 0xff));
  out.put(static_cast<char>(len >> 8));
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(data),
            static_cast<std::streamsize>(count * sizeof(double)));
  if (!out) fail("error while writing '{}'", path.string());
}

void write_npy(const std::filesystem::path& path, const Matrix& m) {
  write_npy(path, m.data(), {m.rows(), m.cols()});
}

void write_npy(const std::filesystem::path& path, const Vector& v) {
  write_npy(path, v.data(), {v.size()});
}

NpyArray read_npy(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open '{}': no such file or not readable", name);
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    fail("'{}' is not an .npy file (bad magic)", name);
  }
  const int major = static_cast<unsigned char>(magic[6]);
  std::size_t header_len = 0;
  if (major == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char*>(b), 2)) fail("'{}': truncated .npy header", name);
    header_len = b[0] | (b[1] << 8);
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) fail("'{}': truncated .npy header", name);
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::size_t>(b[3]) << 24);
  } else {
    fail("'{}': unsupported .npy format version {}", name, major);
  }
  if (header_len > (1u << 20)) fail("'{}': .npy header too long", name);
  std::string header(header_len, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(header_len))) {
    fail("'{}': truncated .npy header", name);
  }
  const auto data_start = in.tellg();
  in.seekg(0, std::ios::end);
  const auto data_bytes = static_cast<std::uint64_t>(in.tellg() - data_start);
  in.seekg(data_start);

  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([^']*)')"))) {
    fail("'{}': .npy header has no dtype ('descr')", name);
  }
  const std::string descr = m[1];
  if (descr != "<f8" && descr != "=f8" && descr != "f8") {
    fail(
        "'{}': dtype '{}' is not supported; hardnets reads float64 ('<f8') only "
        "(convert with numpy: a.astype(np.float64))",
        name, escaped(descr));
  }
  if (!std::regex_search(header, m, std::regex(R"('fortran_order'\s*:\s*(True|False))"))) {
    fail("'{}': .npy header has no 'fortran_order'", name);
  }
  if (m[1] == "True") {
    fail(
        "'{}': Fortran-order arrays are not supported; save a C-order array "
        "(numpy.ascontiguousarray)",
        name);
  }
  if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))"))) {
    fail("'{}': .npy header has no shape", name);
  }
  NpyArray array;
  const std::string dims = m[1];
  // The shape is checked against the bytes the file holds before anything is
  // allocated: a header may claim any size.
  std::uint64_t count = 1;
  bool overflow = false;
  std::regex number(R"(\s*(\d+)\s*)");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    const std::string digits = (*it)[1];
    const std::uint64_t v = digits.size() > 18 ? (overflow = true, 0) : std::stoull(digits);
    array.shape.push_back(static_cast<std::int64_t>(v));
    if (v > 0 && count > (std::uint64_t{1} << 60) / v) overflow = true;
    count = overflow ? 0 : count * v;
  }
  if (overflow || count * sizeof(double) != data_bytes) {
    fail(
        "'{}': file is {}: the header claims shape ({}) of float64, {} bytes, but the file "
        "holds {} bytes of data",
        name, overflow || count * sizeof(double) > data_bytes ? "truncated" : "corrupt",
        escaped(dims),
        overflow ? std::string("more than 2^60") : std::to_string(count * sizeof(double)),
        data_bytes);
  }
  array.data.resize(static_cast<std::size_t>(count));
  if (!in.read(reinterpret_cast<char*>(array.data.data()),
               static_cast<std::streamsize>(count * sizeof(double)))) {
    fail("'{}': cannot read the {} bytes of data", name, data_bytes);
  }
  return array;
}

Matrix read_npy_matrix(const std::filesystem::path& path) {
  NpyArray a = read_npy(path);
  if (a.shape.size() == 1) a.shape.push_back(1);
  if (a.shape.size() != 2) {
    fail("'{}': expected a 2-D array (samples x features), got {} dimensions", path.string(),
         a.shape.size());
  }
  return Eigen::Map<Matrix>(a.data.data(), a.shape[0], a.shape[1]);
}

Vector read_npy_vector(const std::filesystem::path& path) {
  NpyArray a = read_npy(path);
  if (a.shape.size() == 2 && a.shape[1] == 1) a.shape.pop_back();
  if (a.shape.size() != 1) {
    fail("'{}': expected a 1-D array of labels, got shape with {} dimensions", path.string(),
         a.shape.size());
  }
  return Eigen::Map<Vector>(a.data.data(), a.shape[0]);
}

void save_dataset(const std::filesystem::path& dir, const std::string& part, const Dataset& data) {
  write_npy(dir / ("X_" + part + ".npy"), data.X);
  write_npy(dir / ("y_" + part + ".npy"), data.y);
}

Dataset load_dataset(const std::filesystem::path& dir, const std::string& part) {
  Dataset d;
  d.X = read_npy_matrix(dir / ("X_" + part + ".npy"));
  d.y = read_npy_vector(dir / ("y_" + part + ".npy"));
  if (d.X.rows() != d.y.size()) {
    fail("'{}': X_{}.npy has {} rows but y_{}.npy has {} labels", dir.string(), part, d.X.rows(),
         part, d.y.size());
  }
  if (!d.X.allFinite() || !d.y.allFinite()) {
    fail("'{}': {} data contain NaN or infinite values", dir.string(), part);
  }
  return d;
}

namespace {
void append_number(std::string& line, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  line.append(buf, end);
}
}  // namespace

void write_delimited(const std::filesystem::path& path, const Dataset& data, char separator) {
  std::ofstream out(path);
  if (!out) fail("cannot write '{}'", path.string());
  std::string line;
  for (Eigen::Index j = 0; j < data.dim(); ++j) line += fmt::format("x{}{}", j, separator);
  line += "target\n";
  out << line;
  for (Eigen::Index i = 0; i < data.size(); ++i) {
    line.clear();
    for (Eigen::Index j = 0; j < data.dim(); ++j) {
      append_number(line, data.X(i, j));
      line += separator;
    }
    append_number(line, data.y(i));
    line += '\n';
    out << line;
  }
  if (!out) fail("error while writing '{}'", path.string());
}

}  // namespace hardnets
