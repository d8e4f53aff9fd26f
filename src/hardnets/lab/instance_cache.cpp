#include "hardnets/lab/instance_cache.h"

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "hardnets/core/rng.h"

namespace hardnets {
namespace {

constexpr char kMagic[8] = {'H', 'N', 'I', 'N', 'S', 'T', '0', '1'};

void write_u64(std::ofstream& out, std::uint64_t value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof value);
}

bool read_u64(std::ifstream& in, std::uint64_t& value) {
  return static_cast<bool>(in.read(reinterpret_cast<char*>(&value), sizeof value));
}

void write_doubles(std::ofstream& out, const double* data, Eigen::Index count) {
  out.write(reinterpret_cast<const char*>(data),
            static_cast<std::streamsize>(count * static_cast<Eigen::Index>(sizeof(double))));
}

bool read_doubles(std::ifstream& in, double* data, Eigen::Index count) {
  return static_cast<bool>(
      in.read(reinterpret_cast<char*>(data),
              static_cast<std::streamsize>(count * static_cast<Eigen::Index>(sizeof(double)))));
}

// Reads one dataset of the given shape; false when the file is short or the
// shape is implausible (more values than the file can hold).
bool read_dataset(std::ifstream& in, std::uint64_t rows, std::uint64_t cols, Dataset& d) {
  if (rows > (1ull << 40) || cols > (1ull << 40) || (cols > 0 && rows > (1ull << 40) / cols)) {
    return false;
  }
  d.X.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  d.y.resize(static_cast<Eigen::Index>(rows));
  return read_doubles(in, d.X.data(), d.X.size()) && read_doubles(in, d.y.data(), d.y.size());
}

}  // namespace

InstanceCache::InstanceCache(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
}

std::string InstanceCache::key_of(const Json& config) {
  const nlohmann::json canonical = nlohmann::json::parse(Json{
      {"problem", config.at("problem")},
      {"problem_params", config.at("problem_params")},
      {"seed", config.at("seed")},
      {"n_train", config.at("n_train")},
      {"n_test", config.at("n_test")}}.dump());
  return fmt::format("{:016x}", stream_id(canonical.dump()));
}

std::filesystem::path InstanceCache::path_of(const std::string& key) const {
  return dir_ / (key + ".instance");
}

bool InstanceCache::contains(const std::string& key) const {
  return std::filesystem::exists(path_of(key));
}

void InstanceCache::remove(const std::string& key) const {
  std::error_code ignored;
  std::filesystem::remove(path_of(key), ignored);
}

void InstanceCache::store(const std::string& key, const Instance& instance) const {
  const Json header{{"problem", instance.problem},
                    {"seed", instance.seed},
                    {"task", instance.task},
                    {"truth", instance.truth},
                    {"card", instance.card}};
  const std::vector<std::uint8_t> cbor = Json::to_cbor(header);
  const std::filesystem::path tmp =
      dir_ / fmt::format("{}.{}.tmp", key, static_cast<long>(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(kMagic, sizeof kMagic);
    for (const Dataset* d : {&instance.train, &instance.test}) {
      write_u64(out, static_cast<std::uint64_t>(d->X.rows()));
      write_u64(out, static_cast<std::uint64_t>(d->X.cols()));
    }
    for (const Dataset* d : {&instance.train, &instance.test}) {
      write_doubles(out, d->X.data(), d->X.size());
      write_doubles(out, d->y.data(), d->y.size());
    }
    write_u64(out, cbor.size());
    out.write(reinterpret_cast<const char*>(cbor.data()),
              static_cast<std::streamsize>(cbor.size()));
    if (!out.flush()) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      return;
    }
  }
  std::error_code error;
  std::filesystem::rename(tmp, path_of(key), error);
  if (error) std::filesystem::remove(tmp, error);
}

std::optional<Instance> InstanceCache::load(const std::string& key, const Params& params) const {
  std::ifstream in(path_of(key), std::ios::binary);
  char magic[sizeof kMagic];
  std::uint64_t shape[4] = {0, 0, 0, 0};
  if (!in.read(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof kMagic) != 0 ||
      !read_u64(in, shape[0]) || !read_u64(in, shape[1]) || !read_u64(in, shape[2]) ||
      !read_u64(in, shape[3])) {
    return std::nullopt;
  }
  // The data first: the large allocations come before any JSON is built, so
  // a memory budget is exceeded where it fails cleanly (std::bad_alloc from
  // Eigen), as it would be by generating.
  Instance instance;
  instance.params = params;
  std::uint64_t length = 0;
  if (!read_dataset(in, shape[0], shape[1], instance.train) ||
      !read_dataset(in, shape[2], shape[3], instance.test) || !read_u64(in, length) ||
      length > (1ull << 32)) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> cbor(length);
  if (!in.read(reinterpret_cast<char*>(cbor.data()), static_cast<std::streamsize>(length))) {
    return std::nullopt;
  }
  const Json header = Json::from_cbor(cbor, /*strict=*/true, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) return std::nullopt;
  try {
    instance.problem = header.at("problem").get<std::string>();
    instance.seed = header.at("seed").get<Seed>();
    instance.task = header.at("task");
    instance.truth = header.at("truth");
    instance.card = header.at("card");
  } catch (const Json::exception&) {
    return std::nullopt;
  }
  return instance;
}

Instance InstanceCache::obtain(const std::string& key, const Params& params,
                               const std::function<Instance()>& generate, bool share,
                               bool* loaded) const {
  if (std::optional<Instance> cached = load(key, params)) {
    if (loaded) *loaded = true;
    return std::move(*cached);
  }
  if (loaded) *loaded = false;
  Instance instance = generate();
  if (share) store(key, instance);
  return instance;
}

}  // namespace hardnets
