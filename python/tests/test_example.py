"""examples/torch_vs_lattice.py, as docs/python.md shows it: it runs (about
15 s on 2 cores), records its ten runs, and shows the contrast it is about."""
import json
import os
import subprocess
import sys

import pytest

from conftest import SOURCE_DIR, run_cli

pytest.importorskip("torch")  # scripts/setup installs python3-torch


def test_torch_vs_lattice(cli, tmp_path):
    db = tmp_path / "runs.sqlite"
    proc = subprocess.run(
        [sys.executable, str(SOURCE_DIR / "examples" / "torch_vs_lattice.py"),
         "--db", str(db), "--report", str(tmp_path / "report")],
        capture_output=True, text=True, env=os.environ, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The table is found by its header and read up to its closing note,
    # wherever other output (the report's status line) falls.
    lines = proc.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["problem", "n_train"])
    printed = {}
    for line in lines[header + 1:]:
        if line.startswith("(nmse 1 ="):
            break
        problem, n_train, learner, nmse, success, cosine, seconds = line.split()
        printed[problem, int(n_train), learner] = nmse
    rows = {(r["problem"], r["n_train"], r["learner"]): r for r in map(
        json.loads, run_cli(cli, "export", "--db", db, "--format", "jsonl").stdout.splitlines())}
    assert len(rows) == 10 and set(rows) == set(printed)
    big = {(problem, learner): rows[problem, n, learner]
           for problem, n, learner in rows if n == 10_000}
    # The contrast the example is about: neither gradient learner learns the
    # hard network (no better than the mean), the lattice attack recovers its
    # direction, and both gradient learners learn the easy teacher.
    assert big["clwe_relu", "torch_mlp"]["metrics"]["nmse"] > 0.5
    assert big["clwe_relu", "sgd"]["metrics"]["nmse"] > 0.5
    assert big["clwe_relu", "lll_labels"]["metrics"]["success"] == 1.0
    assert big["teacher", "torch_mlp"]["metrics"]["nmse"] < 0.1
    assert big["teacher", "sgd"]["metrics"]["nmse"] < 0.1
    assert big["clwe_relu", "torch_mlp"]["provenance"]["outside"]["torch"]
    # The outside runs are drawn beside the built-in learners.
    assert (tmp_path / "report" / "figures" / "no-sweep" /
            "01-line-nmse-vs-n_train-clwe_relu.png").exists()
    assert "torch_mlp" in (tmp_path / "report" / "index.html").read_text()
