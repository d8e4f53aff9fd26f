#!/usr/bin/python3
"""Training throughput of hardnets' float kernels against PyTorch, side by side.

For each shape (d, width, batch) both sides train the same MLP
d -> width -> width -> 1 (two hidden ReLU layers, linear output) with Adam
(lr 1e-3) in float32 on one thread, for the same number of steps on the same
data: n = 32 * batch Gaussian samples written once to .npy, step k using the
contiguous batch starting at (k * batch) mod n. Each side runs `warmup` untimed
steps, then `repeats` timed runs of `steps` steps; the best run is reported
(the median and CPU-time figures are in --json output).

GFLOP/s counts 6 * (weights) * batch flops per step: forward, weight gradient
and input gradient are each 2 * weights * batch multiply-adds (biases and the
element-wise work are not counted). Each side's figure is compared with its own
single-thread SGEMM throughput: `hardnets_train_bench --peak` (a large GEMM
through the kernels' GEMM: Eigen's, or OpenBLAS in a HARDNETS_OPENBLAS build)
and torch.mm of the same size.

Which BLAS PyTorch runs on decides the baseline. Debian's python3-torch is
built with BLAS_INFO=generic and calls whatever libblas.so.3 the alternatives
system points at: the netlib reference BLAS by default (3-4 GFLOP/s), or
OpenBLAS once libopenblas0-pthread is installed (scripts/setup). The table names the library PyTorch actually loaded and its
single-thread SGEMM GFLOP/s. OPENBLAS_NUM_THREADS=1 (and OMP_NUM_THREADS=1) are
set before the BLAS loads, so PyTorch runs on one thread like hardnets.
--reference-blas reruns the comparison against the reference BLAS even where
OpenBLAS is installed (it puts Debian's reference libblas.so.3 first on
LD_LIBRARY_PATH, with the reference LAPACK, for the PyTorch side only).

Run with Debian's interpreter: /usr/bin/python3 bench/compare_torch.py
    [--hardnets build/bench/hardnets_train_bench] [--json out.json] [--reference-blas]
"""

import os
import sys

# One BLAS thread for PyTorch, like hardnets. OpenBLAS reads these when it is
# loaded (numpy and torch both load it), so they are set before any import.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

# Debian's netlib reference BLAS and LAPACK (the libblas.so.3 and liblapack.so.3
# alternatives that Debian installs by default).
REFERENCE_BLAS_DIR = "/usr/lib/x86_64-linux-gnu/blas"
REFERENCE_LAPACK_DIR = "/usr/lib/x86_64-linux-gnu/lapack"
# LD_LIBRARY_PATH as it was before --reference-blas changed it (for hardnets).
_ORIGINAL_LD_PATH = "HARDNETS_COMPARE_ORIGINAL_LD_LIBRARY_PATH"

if "--reference-blas" in sys.argv[1:] and _ORIGINAL_LD_PATH not in os.environ:
    # The dynamic loader reads LD_LIBRARY_PATH at start-up only: re-execute.
    os.environ[_ORIGINAL_LD_PATH] = os.environ.get("LD_LIBRARY_PATH", "")
    os.environ["LD_LIBRARY_PATH"] = ":".join(
        p for p in (REFERENCE_BLAS_DIR, REFERENCE_LAPACK_DIR, os.environ.get("LD_LIBRARY_PATH", ""))
        if p)
    os.execv(sys.executable, [sys.executable] + sys.argv)

import argparse  # noqa: E402
import ctypes  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

# name, d, width, batch, steps, target ratio (hardnets / PyTorch samples/s)
SHAPES = [
    ("small", 16, 32, 32, 2000, 20.0),
    ("medium", 64, 256, 128, 100, 1.5),
    ("large", 64, 1024, 128, 12, 1.2),
]


def weights(d, width):
    return d * width + width * width + width


def torch_throughput(X, y, width, batch, steps, warmup, repeats):
    """Trains the MLP in PyTorch; returns timings like hardnets_train_bench."""
    torch.manual_seed(0)
    d = X.shape[1]
    model = torch.nn.Sequential(
        torch.nn.Linear(d, width), torch.nn.ReLU(),
        torch.nn.Linear(width, width), torch.nn.ReLU(),
        torch.nn.Linear(width, 1))
    # Same initialisation law as the hardnets side (He on hidden layers, LeCun
    # on the output, zero biases); it does not change the cost, only the loss.
    with torch.no_grad():
        for i, layer in enumerate(m for m in model if isinstance(m, torch.nn.Linear)):
            gain = 2.0 if i < 2 else 1.0
            layer.weight.normal_(0.0, (gain / layer.in_features) ** 0.5)
            layer.bias.zero_()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    Xt = torch.from_numpy(X.astype(np.float32))
    yt = torch.from_numpy(y.astype(np.float32))
    n_batches = Xt.shape[0] // batch
    state = {"step": 0, "loss": 0.0}

    def run(count):
        for _ in range(count):
            first = (state["step"] % n_batches) * batch
            xb, yb = Xt[first:first + batch], yt[first:first + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = (model(xb).squeeze(1) - yb).square().mean()
            loss.backward()
            optimizer.step()
            state["step"] += 1
        state["loss"] = float(loss)

    run(warmup)
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        run(steps)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return {
        "samples_per_second": steps * batch / min(wall),
        "median_samples_per_second": steps * batch / statistics.median(wall),
        "cpu_samples_per_second": steps * batch / min(cpu),
        "seconds_per_step": min(wall) / steps,
        "gflops": 6.0 * weights(d, width) * batch * steps / min(wall) / 1e9,
        "final_loss": state["loss"],
    }


def hardnets_env():
    """The environment for hardnets: without --reference-blas's LD_LIBRARY_PATH."""
    env = dict(os.environ)
    if _ORIGINAL_LD_PATH in env:
        original = env.pop(_ORIGINAL_LD_PATH)
        if original:
            env["LD_LIBRARY_PATH"] = original
        else:
            env.pop("LD_LIBRARY_PATH", None)
    return env


def hardnets_throughput(exe, x_path, y_path, d, width, batch, steps, warmup, repeats):
    out = subprocess.run(
        [exe, "--d", str(d), "--width", str(width), "--batch", str(batch), "--steps", str(steps),
         "--warmup", str(warmup), "--repeats", str(repeats), "--x", x_path, "--y", y_path],
        check=True, capture_output=True, text=True, env=hardnets_env())
    return json.loads(out.stdout)


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def torch_blas():
    """The BLAS library whose sgemm_ PyTorch calls, as loaded in this process.

    Looks sgemm_ up the way libtorch_cpu's own references resolve (dlsym on its
    handle searches its dependency tree in load order) and names the file that
    defines it (dladdr). Several BLAS libraries may be mapped at once: with
    --reference-blas, numpy may still load OpenBLAS, so "which libraries are
    mapped" alone would not tell. Returns {"library": resolved path of the
    library, "name": description, "threads": BLAS threads where known}.
    """
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    info = {"library": None, "name": "unknown", "threads": None}
    torch_cpu = None
    with open("/proc/self/maps") as maps:
        for line in maps:
            if os.path.basename(line.split()[-1]).startswith("libtorch_cpu.so"):
                torch_cpu = line.split()[-1]
                break
    try:
        sgemm = getattr(ctypes.CDLL(torch_cpu or "libtorch_cpu.so"), "sgemm_")
        dl = ctypes.CDLL(None)
        dl.dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DlInfo)]
        where = _DlInfo()
        if not dl.dladdr(ctypes.cast(sgemm, ctypes.c_void_p), ctypes.byref(where)):
            return info
        path = os.path.realpath(where.dli_fname.decode())
    except (OSError, AttributeError):  # no libtorch_cpu, or a BLAS linked in statically
        return info
    info["library"] = path
    lib = ctypes.CDLL(path)
    if hasattr(lib, "openblas_get_config"):
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        info["threads"] = lib.openblas_get_num_threads()
        config = lib.openblas_get_config().decode().split()
        version = config[1] if len(config) > 1 else "?"
        info["name"] = (f"OpenBLAS {version} ({lib.openblas_get_corename().decode()} kernels, "
                        f"{info['threads']} thread{'s' * (info['threads'] != 1)})")
    elif "mkl" in os.path.basename(path):
        info["name"] = "MKL"
    elif os.path.dirname(path) == REFERENCE_BLAS_DIR:
        info["name"] = "netlib reference BLAS"
    else:
        info["name"] = os.path.basename(path)
    return info


def torch_sgemm_gflops(size, repeats=3):
    """PyTorch's single-thread float GEMM throughput: best of `repeats` size^3 products."""
    gen = torch.Generator().manual_seed(1)
    a = torch.randn(size, size, generator=gen)
    b = torch.randn(size, size, generator=gen)
    c = torch.mm(a, b)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b, out=c)
        best = min(best, time.perf_counter() - start)
    return 2.0 * size ** 3 / best / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hardnets", default="build/bench/hardnets_train_bench",
                        help="path to hardnets_train_bench")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per side (best kept)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--scale-steps", type=float, default=1.0,
                        help="multiply every shape's step count (longer, steadier runs)")
    parser.add_argument("--only", choices=[s[0] for s in SHAPES], action="append",
                        help="run only these shapes")
    parser.add_argument("--json", help="also write all figures to this file")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 if a throughput target is missed")
    parser.add_argument("--reference-blas", action="store_true",
                        help="run PyTorch on Debian's netlib reference BLAS "
                        f"({REFERENCE_BLAS_DIR}) even if OpenBLAS is installed")
    args = parser.parse_args()
    if not os.access(args.hardnets, os.X_OK):
        sys.exit(f"compare_torch.py: {args.hardnets} is not an executable "
                 "(build it: cmake --build build --target hardnets_train_bench)")
    torch.set_num_threads(1)

    peak = json.loads(subprocess.run([args.hardnets, "--peak"], check=True, capture_output=True,
                                     text=True, env=hardnets_env()).stdout)
    blas = torch_blas()
    torch_peak = torch_sgemm_gflops(peak["sgemm_size"])
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, d, width, batch, steps, target in SHAPES:
            if args.only and name not in args.only:
                continue
            steps = max(1, int(steps * args.scale_steps))
            rng = np.random.default_rng(0)
            X = rng.standard_normal((32 * batch, d))
            y = rng.standard_normal(32 * batch)
            x_path, y_path = os.path.join(tmp, f"X_{name}.npy"), os.path.join(tmp, f"y_{name}.npy")
            np.save(x_path, X)
            np.save(y_path, y)
            ours = hardnets_throughput(args.hardnets, x_path, y_path, d, width, batch, steps,
                                       args.warmup, args.repeats)
            theirs = torch_throughput(X, y, width, batch, steps, args.warmup, args.repeats)
            ratio = ours["samples_per_second"] / theirs["samples_per_second"]
            results.append({"shape": name, "d": d, "width": width, "batch": batch, "steps": steps,
                            "target_ratio": target, "ratio": ratio,
                            "cpu_ratio": ours["cpu_samples_per_second"]
                            / theirs["cpu_samples_per_second"],
                            "hardnets": ours, "torch": theirs})

    peak_gflops = peak["sgemm_gflops"]
    size = peak["sgemm_size"]
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"torch {torch.__version__} ({torch.get_num_threads()} thread)")
    print(f"torch BLAS: {blas['name']}: {blas['library']}")
    print(f"single-thread SGEMM {size}^3: hardnets ({peak.get('gemm', 'Eigen')}) "
          f"{peak_gflops:.1f} GFLOP/s, "
          f"torch ({blas['name'].split(' (')[0]}) {torch_peak:.1f} GFLOP/s")
    header = (f"{'shape':<7} {'d':>3} {'width':>5} {'batch':>5} {'steps':>5} "
              f"{'hardnets/s':>12} {'torch/s':>10} {'ratio':>7} {'target':>6} "
              f"{'hn GFLOP/s':>10} {'%peak':>6} {'torch GFLOP/s':>13} {'%peak':>6}")
    print(header)
    print("-" * len(header))
    missed = False
    for r in results:
        ours, theirs = r["hardnets"], r["torch"]
        met = r["ratio"] >= r["target_ratio"]
        missed |= not met
        flops = (f"{ours['gflops']:>10.1f} {100 * ours['gflops'] / peak_gflops:>5.0f}% "
                 f"{theirs['gflops']:>13.2f} {100 * theirs['gflops'] / torch_peak:>5.0f}%"
                 if r["shape"] != "small" else f"{'':>10} {'':>6} {'':>13} {'':>6}")
        print(f"{r['shape']:<7} {r['d']:>3} {r['width']:>5} {r['batch']:>5} {r['steps']:>5} "
              f"{ours['samples_per_second']:>12.0f} {theirs['samples_per_second']:>10.0f} "
              f"{r['ratio']:>6.1f}x {r['target_ratio']:>5.1f}x {flops}"
              f"{'' if met else '  (target missed)'}")
    print("%peak: of each side's own single-thread SGEMM above. "
          "samples/s: best of the timed runs, wall clock; ratios on CPU time: "
          + ", ".join(f"{r['shape']} {r['cpu_ratio']:.1f}x" for r in results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"peak": peak, "torch_sgemm_gflops": torch_peak, "torch_blas": blas,
                       "results": results, "torch": torch.__version__,
                       "torch_config": torch.__config__.show()}, f, indent=2)
    if args.strict and missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
