// The MPI side of distributed sweeps, optional at build time.
//
// `mpirun -np K hardnets sweep ...` starts K ranks; each reads the plan, all
// read the store before any writes (barrier), then rank r runs the pending
// runs with index ≡ r (mod K) and appends its results to the one SQLite file
// (WAL mode lets the ranks append concurrently on a node-local file system).
// MPI is initialised only when the process was launched by mpirun, so the
// same binary runs normally without it.
#pragma once

#include <cstddef>

namespace hardnets {

class MpiContext {
 public:
  // Initialises MPI when launched by mpirun and built with MPI (HARDNETS_WITH_MPI);
  // launched by mpirun without MPI support is a UserError.
  MpiContext(int* argc, char*** argv);
  ~MpiContext();
  MpiContext(const MpiContext&) = delete;
  MpiContext& operator=(const MpiContext&) = delete;

  int rank = 0;
  int size = 1;
  bool active() const { return active_; }
  void barrier() const;
  std::size_t sum(std::size_t value) const;
  static bool built_with_mpi();

 private:
  bool active_ = false;
};

}  // namespace hardnets
