// Datasets and their files.
//
// A Dataset holds n samples: features X (n x d, row-major, double) and scalar
// labels y (n). On disk a dataset is a pair of NumPy .npy files (float64, C
// order) so that numpy.load reads them directly; CSV/TSV export has a header
// row x0..x{d-1},target.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace hardnets {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXd;

struct Dataset {
  Matrix X;
  Vector y;

  Eigen::Index size() const { return X.rows(); }
  Eigen::Index dim() const { return X.cols(); }
  bool empty() const { return X.rows() == 0; }
  // Rows [begin, begin + count) as a new dataset.
  Dataset slice(Eigen::Index begin, Eigen::Index count) const;
  // The given rows, in that order, as a new dataset.
  Dataset select(const std::vector<Eigen::Index>& rows) const;
};

// A float64 array read from an .npy file.
struct NpyArray {
  std::vector<std::int64_t> shape;
  std::vector<double> data;
};

// Writes a float64, C-order .npy file (format version 1.0).
void write_npy(const std::filesystem::path& path, const double* data,
               const std::vector<std::int64_t>& shape);
void write_npy(const std::filesystem::path& path, const Matrix& m);
void write_npy(const std::filesystem::path& path, const Vector& v);

// Reads an .npy file; anything but little-endian float64 in C order (or a
// malformed file) is a UserError naming the file and the problem.
NpyArray read_npy(const std::filesystem::path& path);
// A 2-D array as a matrix (a 1-D array of length n reads as n x 1).
Matrix read_npy_matrix(const std::filesystem::path& path);
// A 1-D array, or a 2-D array with one column, as a vector.
Vector read_npy_vector(const std::filesystem::path& path);

// Writes X_{part}.npy and y_{part}.npy into `dir` (part is "train" or "test").
void save_dataset(const std::filesystem::path& dir, const std::string& part, const Dataset& data);
// Reads X_{part}.npy and y_{part}.npy, checking that their sizes agree.
Dataset load_dataset(const std::filesystem::path& dir, const std::string& part);

// CSV (separator ',') or TSV ('\t'): header x0,...,x{d-1},target; values in
// shortest round-trip form.
void write_delimited(const std::filesystem::path& path, const Dataset& data, char separator);

}  // namespace hardnets
