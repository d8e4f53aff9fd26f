// Tests for datasets and their files (core/dataset.h): .npy round trips,
// interoperability with numpy, malformed files, CSV/TSV export.
#include <gtest/gtest.h>

#include <unistd.h>
#include "test_util.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hardnets/core/dataset.h"
#include "hardnets/core/error.h"

namespace hardnets {
namespace {

using hardnets::testing::user_error;

namespace fs = std::filesystem;

constexpr const char* kPython = "/usr/bin/python3";

bool same_bits(const double* a, const double* b, std::size_t n) {
  return n == 0 || std::memcmp(a, b, n * sizeof(double)) == 0;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Values that stress exactness: signed zero, subnormals, extremes, values
// with no short decimal form.
Matrix tricky_matrix(Eigen::Index rows, Eigen::Index cols) {
  const double specials[] = {0.0,
                             -0.0,
                             0.1,
                             1.0 / 3.0,
                             -2.5,
                             5e-324,
                             std::numeric_limits<double>::min(),
                             std::numeric_limits<double>::max(),
                             -std::numeric_limits<double>::max(),
                             123456789.123456789,
                             1e-300,
                             std::nextafter(1.0, 2.0)};
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) {
      const auto k = static_cast<std::size_t>(i * cols + j);
      m(i, j) = k < std::size(specials) ? specials[k] : std::sin(static_cast<double>(k)) * 1e3;
    }
  }
  return m;
}

class DatasetFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           fmt::format("hardnets_dataset_test_{}_{}", ::getpid(), info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path path(const std::string& name) const { return dir_ / name; }

  static bool have_numpy() {
    static const bool ok =
        fs::exists(kPython) &&
        std::system(fmt::format("{} -c 'import numpy' >/dev/null 2>&1", kPython).c_str()) == 0;
    return ok;
  }
  // Runs a Python script with numpy; returns its exit status, output in `log`.
  int python(const std::string& script, std::string& log) const {
    const fs::path file = path("check.py"), out = path("python.log");
    write_file(file, script);
    const int rc = std::system(
        fmt::format("{} '{}' >'{}' 2>&1", kPython, file.string(), out.string()).c_str());
    log = read_file(out);
    return rc;
  }

  fs::path dir_;
};

// An .npy file header written by hand, padded to 64 bytes like numpy does.
std::string npy_bytes(const std::string& dict, const std::string& payload) {
  std::string header = dict;
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + payload;
}

TEST_F(DatasetFiles, NpyMatrixRoundTripIsBitExact) {
  const Matrix m = tricky_matrix(7, 3);
  write_npy(path("m.npy"), m);
  const NpyArray raw = read_npy(path("m.npy"));
  EXPECT_EQ(raw.shape, (std::vector<std::int64_t>{7, 3}));
  ASSERT_EQ(raw.data.size(), 21u);
  EXPECT_TRUE(same_bits(raw.data.data(), m.data(), 21));
  const Matrix back = read_npy_matrix(path("m.npy"));
  ASSERT_EQ(back.rows(), 7);
  ASSERT_EQ(back.cols(), 3);
  EXPECT_TRUE(same_bits(back.data(), m.data(), 21));
  EXPECT_TRUE(std::signbit(back(0, 1)));  // -0.0 kept
  // NaN payloads and infinities survive the raw round trip too.
  Matrix special(1, 3);
  special << std::numeric_limits<double>::quiet_NaN(), -INFINITY, INFINITY;
  write_npy(path("s.npy"), special);
  EXPECT_TRUE(same_bits(read_npy_matrix(path("s.npy")).data(), special.data(), 3));
  // The header is padded so that the data start on a 64-byte boundary and the
  // header ends with a newline, as the format requires.
  const std::string bytes = read_file(path("m.npy"));
  const std::size_t header_len =
      static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  EXPECT_EQ(bytes[10 + header_len - 1], '\n');
  EXPECT_EQ(bytes.size(), 10 + header_len + 21 * sizeof(double));
}

TEST_F(DatasetFiles, NpyVectorAndEmptyRoundTrips) {
  Vector v(5);
  v << 1.5, -0.0, 1e-310, 0.1, -7.0;
  write_npy(path("v.npy"), v);
  const NpyArray raw = read_npy(path("v.npy"));
  EXPECT_EQ(raw.shape, (std::vector<std::int64_t>{5}));
  const Vector back = read_npy_vector(path("v.npy"));
  ASSERT_EQ(back.size(), 5);
  EXPECT_TRUE(same_bits(back.data(), v.data(), 5));
  // A 1-D array reads as an n x 1 matrix; an n x 1 matrix as a vector.
  const Matrix col = read_npy_matrix(path("v.npy"));
  EXPECT_EQ(col.rows(), 5);
  EXPECT_EQ(col.cols(), 1);
  write_npy(path("col.npy"), col);
  EXPECT_EQ(read_npy(path("col.npy")).shape, (std::vector<std::int64_t>{5, 1}));
  EXPECT_TRUE(same_bits(read_npy_vector(path("col.npy")).data(), v.data(), 5));
  // Wider matrices are not vectors.
  write_npy(path("wide.npy"), tricky_matrix(4, 2));
  EXPECT_CONTAINS(user_error([&] { read_npy_vector(path("wide.npy")); }), "wide.npy");
  // (0, d) and (0,) shapes.
  const Matrix empty(0, 4);
  write_npy(path("e.npy"), empty);
  EXPECT_EQ(read_npy(path("e.npy")).shape, (std::vector<std::int64_t>{0, 4}));
  const Matrix e = read_npy_matrix(path("e.npy"));
  EXPECT_EQ(e.rows(), 0);
  EXPECT_EQ(e.cols(), 4);
  write_npy(path("ev.npy"), Vector(0));
  EXPECT_EQ(read_npy(path("ev.npy")).shape, (std::vector<std::int64_t>{0}));
  EXPECT_EQ(read_npy_vector(path("ev.npy")).size(), 0);
}

TEST_F(DatasetFiles, NumpyReadsOurFiles) {
  if (!have_numpy()) GTEST_SKIP() << kPython << " with numpy is not available";
  const Matrix m = tricky_matrix(4, 3);
  Vector v(3);
  v << 0.1, -0.0, 2.0 / 3.0;
  write_npy(path("m.npy"), m);
  write_npy(path("v.npy"), v);
  write_npy(path("e.npy"), Matrix(0, 5));
  // Expected values travel as hex floats, which are exact.
  std::string mvals, vvals;
  for (Eigen::Index k = 0; k < m.size(); ++k) mvals += fmt::format("'{:a}',", m.data()[k]);
  for (Eigen::Index k = 0; k < v.size(); ++k) vvals += fmt::format("'{:a}',", v[k]);
  const std::string script = fmt::format(R"(
import numpy as np
d = '{}'
m = np.load(d + '/m.npy')
assert m.shape == (4, 3) and m.dtype == np.float64 and m.flags.c_contiguous, (m.shape, m.dtype)
want = np.array([float.fromhex(s) for s in [{}]]).reshape(4, 3)
assert m.tobytes() == want.tobytes(), (m, want)
v = np.load(d + '/v.npy')
assert v.shape == (3,) and v.dtype == np.float64, (v.shape, v.dtype)
assert v.tobytes() == np.array([float.fromhex(s) for s in [{}]]).tobytes(), v
e = np.load(d + '/e.npy')
assert e.shape == (0, 5) and e.dtype == np.float64, (e.shape, e.dtype)
print('ok')
)",
                                         dir_.string(), mvals, vvals);
  std::string log;
  EXPECT_EQ(python(script, log), 0) << log;
  EXPECT_CONTAINS(log, "ok");
}

TEST_F(DatasetFiles, NumpyFilesReadOrRejected) {
  if (!have_numpy()) GTEST_SKIP() << kPython << " with numpy is not available";
  const std::string script = fmt::format(R"(
import numpy as np
d = '{}'
a = np.arange(12, dtype=np.float64).reshape(3, 4) / 8 - 0.5
np.save(d + '/f64.npy', a)
np.save(d + '/f32.npy', a.astype(np.float32))
np.save(d + '/fortran.npy', np.asfortranarray(a))
np.save(d + '/i64.npy', np.arange(6, dtype=np.int64))
np.save(d + '/big.npy', a.astype('>f8'))
np.save(d + '/scalar.npy', np.float64(2.5))
np.save(d + '/cube.npy', np.zeros((2, 2, 2)))
)",
                                         dir_.string());
  std::string log;
  ASSERT_EQ(python(script, log), 0) << log;
  // A float64 C-order file written by numpy reads with the right values.
  const Matrix a = read_npy_matrix(path("f64.npy"));
  ASSERT_EQ(a.rows(), 3);
  ASSERT_EQ(a.cols(), 4);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 4; ++j) EXPECT_EQ(a(i, j), (4 * i + j) / 8.0 - 0.5);
  }
  const NpyArray scalar = read_npy(path("scalar.npy"));
  EXPECT_TRUE(scalar.shape.empty());
  ASSERT_EQ(scalar.data.size(), 1u);
  EXPECT_EQ(scalar.data[0], 2.5);
  // Others are rejected with a message naming the file and the problem.
  struct Case {
    const char* file;
    const char* says;
  };
  for (const Case c : {Case{"f32.npy", "'<f4'"}, Case{"i64.npy", "'<i8'"}, Case{"big.npy", "'>f8'"},
                       Case{"fortran.npy", "Fortran"}}) {
    const std::string msg = user_error([&] { read_npy(path(c.file)); });
    EXPECT_CONTAINS(msg, path(c.file).string());
    EXPECT_CONTAINS(msg, c.says);
    if (std::string(c.file) != "fortran.npy") {
      EXPECT_CONTAINS(msg, "float64");
    }
  }
  const std::string cube = user_error([&] { read_npy_matrix(path("cube.npy")); });
  EXPECT_CONTAINS(cube, "cube.npy");
  EXPECT_CONTAINS(cube, "3 dimensions");
}

TEST_F(DatasetFiles, MalformedFilesAreUserErrors) {
  const std::string good_dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }";
  const std::string payload(4 * sizeof(double), '\0');
  struct Case {
    const char* file;
    std::string bytes;
    const char* says;
  };
  const std::string good = npy_bytes(good_dict, payload);
  std::string truncated_header = good.substr(0, 30);
  std::string version9 = good;
  version9[6] = 9;
  const std::vector<Case> cases = {
      {"empty.npy", "", "bad magic"},
      {"text.npy", "x0,x1,target\n1,2,3\n", "bad magic"},
      {"short.npy", "\x93NUM", "bad magic"},
      {"header.npy", truncated_header, "truncated .npy header"},
      {"nolen.npy", good.substr(0, 9), "truncated .npy header"},
      {"data.npy", good.substr(0, good.size() - 1), "truncated"},
      {"nodata.npy", npy_bytes(good_dict, ""), "truncated"},
      {"descr.npy", npy_bytes("{'fortran_order': False, 'shape': (2, 2), }", payload), "descr"},
      {"order.npy", npy_bytes("{'descr': '<f8', 'shape': (2, 2), }", payload), "fortran_order"},
      {"shape.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, }", payload), "shape"},
      {"version.npy", version9, "version 9"},
  };
  for (const auto& c : cases) {
    write_file(path(c.file), c.bytes);
    const std::string msg = user_error([&] { read_npy(path(c.file)); });
    EXPECT_CONTAINS(msg, path(c.file).string());
    EXPECT_CONTAINS(msg, c.says);
  }
  // A header that claims far more data than the file holds is refused before
  // anything is allocated (it was std::bad_alloc), naming the claimed shape
  // and the bytes present; so is a shape too large to count.
  const std::string huge = user_error([&] {
    write_file(path("huge.npy"),
               npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 2), }",
                         payload));
    read_npy(path("huge.npy"));
  });
  EXPECT_CONTAINS(huge, "huge.npy");
  EXPECT_CONTAINS(huge, "(1000000000000, 2)");
  EXPECT_CONTAINS(huge, "16000000000000 bytes");
  EXPECT_CONTAINS(huge, "holds 32 bytes");
  for (const char* shape : {"(99999999999999999999999, 1)", "(4294967296, 4294967296)"}) {
    write_file(
        path("overflow.npy"),
        npy_bytes(fmt::format("{{'descr': '<f8', 'fortran_order': False, 'shape': {}, }}", shape),
                  payload));
    EXPECT_CONTAINS(user_error([&] { read_npy(path("overflow.npy")); }), "more than 2^60");
  }
  // Trailing bytes after the data are refused too; raw bytes from the file
  // never reach a message (a non-UTF-8 dtype is printed escaped).
  write_file(path("long.npy"), npy_bytes(good_dict, payload + "x"));
  EXPECT_CONTAINS(user_error([&] { read_npy(path("long.npy")); }), "corrupt");
  write_file(
      path("bytes.npy"),
      npy_bytes("{'descr': '<f\xff\x01', 'fortran_order': False, 'shape': (2, 2), }", payload));
  const std::string bytes = user_error([&] { read_npy(path("bytes.npy")); });
  EXPECT_CONTAINS(bytes, "'<f\\xff\\x01'");
  EXPECT_EQ(bytes.find('\xff'), std::string::npos);

  // The well-formed original reads.
  write_file(path("good.npy"), good);
  EXPECT_EQ(read_npy(path("good.npy")).shape, (std::vector<std::int64_t>{2, 2}));
  EXPECT_CONTAINS(user_error([&] { read_npy(path("missing.npy")); }), "missing.npy");
}

TEST_F(DatasetFiles, SaveAndLoadDataset) {
  Dataset d;
  d.X = tricky_matrix(6, 2);
  d.y = Vector::LinSpaced(6, -1.0, 1.0);
  save_dataset(dir_, "train", d);
  EXPECT_TRUE(fs::exists(path("X_train.npy")));
  EXPECT_TRUE(fs::exists(path("y_train.npy")));
  const Dataset back = load_dataset(dir_, "train");
  ASSERT_EQ(back.size(), 6);
  ASSERT_EQ(back.dim(), 2);
  EXPECT_TRUE(same_bits(back.X.data(), d.X.data(), 12));
  EXPECT_TRUE(same_bits(back.y.data(), d.y.data(), 6));
  // An empty dataset keeps its dimension.
  Dataset empty{Matrix(0, 3), Vector(0)};
  save_dataset(dir_, "test", empty);
  const Dataset e = load_dataset(dir_, "test");
  EXPECT_TRUE(e.empty());
  EXPECT_EQ(e.dim(), 3);
  // slice() copies the rows asked for.
  const Dataset s = d.slice(2, 3);
  ASSERT_EQ(s.size(), 3);
  EXPECT_EQ(s.X.row(0), d.X.row(2));
  EXPECT_EQ(s.y[2], d.y[4]);
}

TEST_F(DatasetFiles, LoadDatasetRejectsMismatchAndNonFinite) {
  write_npy(path("X_a.npy"), tricky_matrix(5, 2));
  write_npy(path("y_a.npy"), Vector(Vector::Zero(4)));
  const std::string msg = user_error([&] { load_dataset(dir_, "a"); });
  EXPECT_CONTAINS(msg, "5 rows");
  EXPECT_CONTAINS(msg, "4 labels");
  EXPECT_CONTAINS(msg, dir_.string());

  Matrix x = Matrix::Ones(3, 2);
  x(1, 1) = std::numeric_limits<double>::quiet_NaN();
  write_npy(path("X_nan.npy"), x);
  write_npy(path("y_nan.npy"), Vector(Vector::Zero(3)));
  EXPECT_CONTAINS(user_error([&] { load_dataset(dir_, "nan"); }), "NaN");

  Vector y = Vector::Zero(3);
  y[2] = -INFINITY;
  write_npy(path("X_inf.npy"), Matrix(Matrix::Ones(3, 2)));
  write_npy(path("y_inf.npy"), y);
  EXPECT_CONTAINS(user_error([&] { load_dataset(dir_, "inf"); }), "infinite");

  write_npy(path("X_lonely.npy"), Matrix(Matrix::Ones(3, 2)));
  EXPECT_CONTAINS(user_error([&] { load_dataset(dir_, "lonely"); }), "y_lonely.npy");
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    const auto next = s.find(sep, pos);
    out.push_back(s.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
    if (next == std::string::npos) return out;
    pos = next + 1;
  }
}

TEST_F(DatasetFiles, DelimitedExportParsesBackExactly) {
  Dataset d;
  d.X = tricky_matrix(5, 3);
  d.y.resize(5);
  d.y << 0.1, -0.0, 1e22, 5e-324, 2.0 / 3.0;
  for (const char sep : {',', '\t'}) {
    const fs::path file = path(sep == ',' ? "d.csv" : "d.tsv");
    write_delimited(file, d, sep);
    std::istringstream in(read_file(file));
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_EQ(line, sep == ',' ? "x0,x1,x2,target" : "x0\tx1\tx2\ttarget");
    int row = 0;
    while (std::getline(in, line)) {
      ASSERT_LT(row, 5) << "extra line: " << line;
      const auto fields = split(line, sep);
      ASSERT_EQ(fields.size(), 4u) << line;
      for (int j = 0; j < 4; ++j) {
        const std::string& f = fields[static_cast<std::size_t>(j)];
        char* end = nullptr;
        const double v = std::strtod(f.c_str(), &end);
        ASSERT_EQ(end, f.c_str() + f.size()) << "field '" << f << "' in: " << line;
        const double want = j < 3 ? d.X(row, j) : d.y[row];
        EXPECT_TRUE(same_bits(&v, &want, 1))
            << "row " << row << " col " << j << ": '" << f << "' vs " << fmt::format("{:a}", want);
      }
      ++row;
    }
    EXPECT_EQ(row, 5);
  }
  // No features: the header is just the target.
  write_delimited(path("y.csv"), Dataset{Matrix(2, 0), Vector(Vector::Ones(2))}, ',');
  EXPECT_EQ(read_file(path("y.csv")), "target\n1\n1\n");
}

}  // namespace
}  // namespace hardnets
