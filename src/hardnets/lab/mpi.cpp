#include "hardnets/lab/mpi.h"

#include <cstdlib>
#include <string>

#include "hardnets/core/error.h"

#ifdef HARDNETS_WITH_MPI
#include <mpi.h>
#endif

namespace hardnets {
namespace {
// Set by Open MPI's launcher (and by MPICH/PMI as PMI_SIZE) in every rank.
int launcher_size() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    if (const char* v = std::getenv(var)) return std::atoi(v);
  }
  return 0;
}
}  // namespace

bool MpiContext::built_with_mpi() {
#ifdef HARDNETS_WITH_MPI
  return true;
#else
  return false;
#endif
}

MpiContext::MpiContext(int* argc, char*** argv) {
  const int launched = launcher_size();
  if (launched <= 0) return;
#ifdef HARDNETS_WITH_MPI
  MPI_Init(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  active_ = true;
#else
  (void)argc;
  (void)argv;
  if (launched > 1) {
    fail(
        "hardnets was launched by mpirun with {} ranks but built without MPI; install "
        "libopenmpi-dev and rebuild",
        launched);
  }
#endif
}

MpiContext::~MpiContext() {
#ifdef HARDNETS_WITH_MPI
  if (active_) MPI_Finalize();
#endif
}

void MpiContext::barrier() const {
#ifdef HARDNETS_WITH_MPI
  if (active_) MPI_Barrier(MPI_COMM_WORLD);
#endif
}

std::size_t MpiContext::sum(std::size_t value) const {
#ifdef HARDNETS_WITH_MPI
  if (active_) {
    unsigned long long in = value, out = 0;
    MPI_Allreduce(&in, &out, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    return static_cast<std::size_t>(out);
  }
#endif
  return value;
}

}  // namespace hardnets
