#include "hardnets/lab/generate.h"

#include <fstream>
#include <system_error>

#include "hardnets/contracts/dnnt_instance.h"
#include "hardnets/core/error.h"

namespace hardnets {

ResolvedGenerate resolve_generate(const GenerateRequest& request) {
  ResolvedGenerate r;
  r.problem = &problem_registry().get(request.problem);
  r.params = r.problem->spec().resolve(request.params);
  r.seed = request.seed;
  r.sizes = request.sizes;
  r.threads = request.threads;
  check_sizes(r.problem->name(), r.sizes);
  if (r.threads < 1) fail("--threads must be at least 1, got {}", r.threads);
  return r;
}

Instance generate_instance(const ResolvedGenerate& resolved) {
  return resolved.problem->generate(resolved.params, resolved.seed, resolved.sizes,
                                    {resolved.threads});
}

Instance generate_instance(const GenerateRequest& request) {
  return generate_instance(resolve_generate(request));
}

void write_instance(const std::filesystem::path& dir, const Instance& instance,
                    const WriteOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail("cannot create folder '{}': {}", dir.string(), ec.message());
  save_dataset(dir, "train", instance.train);
  save_dataset(dir, "test", instance.test);
  if (options.csv) {
    write_delimited(dir / "train.csv", instance.train, ',');
    write_delimited(dir / "test.csv", instance.test, ',');
  }
  if (options.tsv) {
    write_delimited(dir / "train.tsv", instance.train, '\t');
    write_delimited(dir / "test.tsv", instance.test, '\t');
  }
  std::ofstream(dir / "card.json") << instance.card.dump(2) << "\n";
  std::ofstream(dir / "truth.json") << instance.truth.dump(2) << "\n";
  if (!instance.task.empty()) std::ofstream(dir / "task.json") << instance.task.dump(2) << "\n";
  // Discrete-training problems also get the whole instance as one hand-editable
  // file (docs/problems.md), which `fit --data instance.json` reads back.
  if (instance.task.value("format", "") == "dnnt") {
    std::ofstream(dir / "instance.json")
        << dnnt::DnntInstance::from_task(instance.task, instance.train).to_json().dump(2) << "\n";
  }
}

}  // namespace hardnets
