// hardnets_train_bench: end-to-end training throughput of the sgd learner's
// kernels on one MLP shape, for side-by-side comparison with PyTorch
// (bench/compare_torch.py).
//
// Trains d -> width -> width -> 1 (two hidden ReLU layers, linear output) with
// Adam in float32 on one thread, on fixed data: step k uses the contiguous
// batch of columns starting at (k * batch) mod n, exactly as the PyTorch side
// slices its tensor. After `warmup` untimed steps it times `repeats` runs of
// `steps` steps and prints JSON with the best and median samples/second and
// the achieved GFLOP/s (6 * weights * batch flops per step: forward, weight
// gradient and input gradient are each 2 * weights * batch).
//
// --peak instead measures single-core SGEMM throughput: a large square float
// GEMM through the kernels' own GEMM (Eigen's, or OpenBLAS in a build with
// HARDNETS_OPENBLAS), best of several runs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "hardnets/core/dataset.h"
#include "hardnets/core/error.h"
#include "hardnets/core/json.h"
#include "hardnets/core/resources.h"
#include "hardnets/core/rng.h"
#include "hardnets/nets/mlp_kernels.h"
#include "hardnets/nets/relu_net.h"

namespace {

using hardnets::Json;
using MatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
using VecF = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Json sgemm_peak(int size, int repeats) {
  hardnets::Rng rng(1, hardnets::stream_id("sgemm"));
  MatF A(size, size), B(size, size), C(size, size);
  for (Eigen::Index i = 0; i < A.size(); ++i) A.data()[i] = static_cast<float>(rng.normal());
  for (Eigen::Index i = 0; i < B.size(); ++i) B.data()[i] = static_cast<float>(rng.normal());
  // Through the kernels' own GEMM (Eigen's, or OpenBLAS with HARDNETS_OPENBLAS).
  auto product = [&] { hardnets::mlp_sgemm(size, size, size, A.data(), B.data(), C.data()); };
  product();  // warm-up: page in buffers, settle the clock
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto start = Clock::now();
    product();
    best = std::min(best, seconds_since(start));
  }
  const double flops = 2.0 * size * double(size) * size;
  return Json{{"sgemm_size", size},
              {"gemm", hardnets::mlp_gemm_backend()},
              {"sgemm_seconds", best},
              {"sgemm_gflops", flops / best / 1e9},
              {"checksum", static_cast<double>(C.sum())}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Training throughput of a d-width-width-1 ReLU MLP (Adam, float32, 1 thread)"};
  int d = 64, width = 256, batch = 128, steps = 200, warmup = 10, repeats = 3, n = 0;
  double lr = 1e-3;
  std::string x_path, y_path;
  bool peak = false;
  int peak_size = 1536;
  app.add_option("--d", d, "input dimension")->check(CLI::Range(1, 1 << 20));
  app.add_option("--width", width, "units per hidden layer")->check(CLI::Range(1, 1 << 20));
  app.add_option("--batch", batch, "mini-batch size")->check(CLI::Range(1, 1 << 20));
  app.add_option("--steps", steps, "timed steps per repeat")->check(CLI::Range(1, 1 << 30));
  app.add_option("--warmup", warmup, "untimed steps first")->check(CLI::Range(0, 1 << 30));
  app.add_option("--repeats", repeats, "timed repeats (best and median reported)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--n", n, "samples of generated data (default 32 batches)");
  app.add_option("--lr", lr, "Adam learning rate");
  app.add_option("--x", x_path, "inputs, float64 .npy of shape (n, d)");
  app.add_option("--y", y_path, "labels, float64 .npy of shape (n,)");
  app.add_flag("--peak", peak, "measure single-core SGEMM GFLOP/s instead of training");
  app.add_option("--peak-size", peak_size, "matrix size of the SGEMM peak measurement");
  CLI11_PARSE(app, argc, argv);

  try {
    if (peak) {
      std::puts(sgemm_peak(peak_size, 7).dump().c_str());
      return 0;
    }
    // Data, feature-major (one sample per column).
    MatF X;
    VecF y;
    if (!x_path.empty()) {
      const hardnets::Matrix Xd = hardnets::read_npy_matrix(x_path);
      const hardnets::Vector yd = hardnets::read_npy_vector(y_path);
      if (Xd.cols() != d || Xd.rows() != yd.size()) {
        hardnets::fail("data shape ({}, {}) does not match d={} and {} labels", Xd.rows(),
                       Xd.cols(), d, yd.size());
      }
      X = Xd.transpose().cast<float>();
      y = yd.cast<float>();
    } else {
      if (n <= 0) n = 32 * batch;
      hardnets::Rng rng(7, hardnets::stream_id("train_bench.data"));
      X.resize(d, n);
      y.resize(n);
      for (Eigen::Index i = 0; i < X.size(); ++i) X.data()[i] = static_cast<float>(rng.normal());
      for (Eigen::Index i = 0; i < y.size(); ++i) y[i] = static_cast<float>(rng.normal());
    }
    const Eigen::Index n_batches = X.cols() / batch;
    if (n_batches < 1) hardnets::fail("need at least one full batch of data");

    // He-initialised network, as the sgd learner does by default.
    const std::vector<int> sizes{d, width, width, 1};
    hardnets::ReluNet init(sizes);
    hardnets::Rng rng(11, hardnets::stream_id("train_bench.init"));
    for (int l = 0; l < init.depth(); ++l) {
      auto& W = init.layers()[l].W;
      const double std = std::sqrt((l + 1 < init.depth() ? 2.0 : 1.0) / double(W.cols()));
      for (Eigen::Index i = 0; i < W.size(); ++i) W.data()[i] = std * rng.normal();
    }
    hardnets::MlpKernels<float> net(sizes, batch);
    net.load(init);
    hardnets::MlpOptimizer<float> adam(hardnets::OptimizerSettings{}, net.num_parameters(),
                                       net.num_weights());

    std::int64_t step = 0;
    float loss = 0;
    auto run = [&](int count) {
      for (int k = 0; k < count; ++k, ++step) {
        const Eigen::Index first = (step % n_batches) * batch;
        loss = net.loss_and_gradient(X.col(first).data(), y.data() + first, batch);
        adam.step(net.parameters().data(), net.gradient().data(), lr);
      }
    };
    run(warmup);
    // Wall and CPU time of each repeat: on a shared machine the CPU time (this
    // process, one thread) is the steadier figure.
    std::vector<double> times, cpu_times;
    for (int r = 0; r < repeats; ++r) {
      const auto start = Clock::now();
      const double cpu_start = hardnets::process_cpu_seconds();
      run(steps);
      times.push_back(seconds_since(start));
      cpu_times.push_back(hardnets::process_cpu_seconds() - cpu_start);
    }
    std::sort(cpu_times.begin(), cpu_times.end());
    std::sort(times.begin(), times.end());
    const double best = times.front(), median = times[times.size() / 2];
    const double weights = static_cast<double>(net.num_weights());
    const double flops_per_step = 6.0 * weights * batch;
    Json out{{"d", d},
             {"width", width},
             {"batch", batch},
             {"steps", steps},
             {"repeats", repeats},
             {"parameters", net.num_parameters()},
             {"gemm", hardnets::mlp_gemm_backend()},
             {"samples_per_second", steps * double(batch) / best},
             {"median_samples_per_second", steps * double(batch) / median},
             {"cpu_samples_per_second", steps * double(batch) / cpu_times.front()},
             {"seconds_per_step", best / steps},
             {"gflops", flops_per_step * steps / best / 1e9},
             {"final_loss", loss}};
    std::puts(out.dump().c_str());
  } catch (const hardnets::UserError& e) {
    std::fprintf(stderr, "hardnets_train_bench: %s\n", e.what());
    return 2;
  }
  return 0;
}
