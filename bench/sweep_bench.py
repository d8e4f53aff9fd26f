#!/usr/bin/python3
"""Sweep engine benchmarks: per-run overhead and parallel speed-up.

1. Overhead: a sweep of trivial runs (the `mean` learner on a 10-sample
   teacher) with --jobs 1; wall time / runs is the cost of planning, forking,
   running, returning and storing one run.
2. Local speed-up: a CPU-bound sweep (sgd trainings of ~0.3 s) with --jobs 1
   and --jobs 2.
3. MPI speed-up: the same sweep under `mpirun -np 2` with --jobs 1 per rank,
   against --jobs 1 locally.
4. The machine's own ceiling: the same sgd training as two independent
   `hardnets run` processes, one after the other and then at the same time.
   Shared caches, memory bandwidth and clock limits keep this below 2x on
   small VMs; the sweep speed-ups are best read against it.
Each measurement is the best of --repeat runs. Usage:
  /usr/bin/python3 bench/sweep_bench.py [--hardnets build/hardnets] [--repeat 3]
"""
import argparse
import os
import shutil
import subprocess
import tempfile
import time

TRIVIAL = """
[sweep]
name = "trivial"
repeats = {runs}
n_train = 10
n_test = 10
[[problems]]
name = "teacher"
params = {{ d = 2 }}
[[learners]]
name = "mean"
"""

CPU_BOUND = """
[sweep]
name = "cpu"
repeats = {runs}
n_train = 20000
n_test = 1000
[[problems]]
name = "teacher"
params = {{ d = 32, width = 16 }}
[[learners]]
name = "sgd"
params = {{ width = 128, epochs = 40, val_fraction = 0.0 }}
"""


def timed(cmd, env=None):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    return time.perf_counter() - start


def best_of(repeat, make_cmd, workdir, env=None):
    best = float("inf")
    for i in range(repeat):
        db = os.path.join(workdir, f"b{i}-{time.monotonic_ns()}.sqlite")
        best = min(best, timed(make_cmd(db), env))
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hardnets", default="build/hardnets")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--trivial-runs", type=int, default=500)
    ap.add_argument("--cpu-runs", type=int, default=12)
    args = ap.parse_args()
    cli = os.path.abspath(args.hardnets)
    env = dict(os.environ, CI="1")
    with tempfile.TemporaryDirectory() as work:
        trivial = os.path.join(work, "trivial.toml")
        with open(trivial, "w") as f:
            f.write(TRIVIAL.format(runs=args.trivial_runs))
        cpu = os.path.join(work, "cpu.toml")
        with open(cpu, "w") as f:
            f.write(CPU_BOUND.format(runs=args.cpu_runs))

        t = best_of(args.repeat, lambda db: [cli, "sweep", trivial, "--db", db, "--jobs", "1"], work, env)
        print(f"overhead: {args.trivial_runs} trivial runs in {t:.3f} s = "
              f"{1000 * t / args.trivial_runs:.2f} ms per run (target < 5 ms)")

        j1 = best_of(args.repeat, lambda db: [cli, "sweep", cpu, "--db", db, "--jobs", "1"], work, env)
        j2 = best_of(args.repeat, lambda db: [cli, "sweep", cpu, "--db", db, "--jobs", "2"], work, env)
        print(f"local: {args.cpu_runs} sgd runs: --jobs 1 {j1:.2f} s, --jobs 2 {j2:.2f} s, "
              f"speed-up {j1 / j2:.2f}x (target >= 1.8x)")

        run = [cli, "run", "teacher", "sgd", "-p", "d=32", "-p", "width=16", "--n-train", "20000",
               "--n-test", "1000", "-l", "width=128", "-l", "epochs=40", "-l", "val_fraction=0"]
        serial = parallel = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            for _ in range(4):
                subprocess.run(run, check=True, stdout=subprocess.DEVNULL)
            serial = min(serial, time.perf_counter() - start)
            start = time.perf_counter()
            for _ in range(2):
                procs = [subprocess.Popen(run, stdout=subprocess.DEVNULL) for _ in range(2)]
                for p in procs:
                    p.wait()
            parallel = min(parallel, time.perf_counter() - start)
        print(f"ceiling: 4 sgd runs as 4 serial processes {serial:.2f} s, as 2 x 2 concurrent "
              f"{parallel:.2f} s: the machine gives {serial / parallel:.2f}x for 2 processes")

        mpirun = shutil.which("mpirun")
        if mpirun:
            mpi_env = dict(env, OMPI_MCA_plm="isolated")
            m2 = best_of(args.repeat, lambda db: [mpirun, "--allow-run-as-root", "--oversubscribe", "-np", "2",
                                                  cli, "sweep", cpu, "--db", db, "--jobs", "1"], work, mpi_env)
            print(f"mpi: {args.cpu_runs} sgd runs on 2 ranks x 1 job: {m2:.2f} s, speed-up over "
                  f"--jobs 1 {j1 / m2:.2f}x (target >= 1.8x)")
        else:
            print("mpi: skipped (mpirun not installed)")


if __name__ == "__main__":
    main()
