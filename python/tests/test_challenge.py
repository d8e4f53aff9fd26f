"""The challenge suite from Python: hardnets.challenge equals `hardnets
challenge get` bit for bit, a private seed gives another instance, and
examples/torch_challenge.py (docs/challenges.md) records its runs so that the
report's scoreboard lists them beside the lab's breakers."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import hardnets
from conftest import SOURCE_DIR, run_cli


def test_challenge_equals_the_cli(cli, tmp_path):
    run_cli(cli, "challenge", "get", "clwe-lab", "--out", str(tmp_path / "pub"))
    inst = hardnets.challenge("clwe-lab")
    assert np.array_equal(np.load(tmp_path / "pub" / "X_train.npy"), inst.X_train)
    assert np.array_equal(np.load(tmp_path / "pub" / "X_test.npy"), inst.X_test)
    assert not (tmp_path / "pub" / "y_test.npy").exists()
    card = json.loads((tmp_path / "pub" / "card.json").read_text())
    assert card["challenge"]["name"] == "clwe-lab"
    private = hardnets.challenge("clwe-lab", private_seed="a passphrase")
    assert not np.array_equal(private.X_train, inst.X_train)
    names = [level["name"] for level in hardnets.challenges()]
    assert "lwe-128" in names and "dnnt-lab" in names
    with pytest.raises(ValueError, match="unknown level"):
        hardnets.challenge("lwe-7")


def test_torch_challenge_example_fills_the_scoreboard(cli, tmp_path):
    pytest.importorskip("torch")  # scripts/setup installs python3-torch
    db, report = tmp_path / "runs.sqlite", tmp_path / "report"
    proc = subprocess.run(
        [sys.executable, str(SOURCE_DIR / "examples" / "torch_challenge.py"), "--db", str(db),
         "--report", str(report)],
        capture_output=True, text=True, env=os.environ, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line.split() for line in proc.stdout.splitlines()[1:5]]
    assert [(r[0], r[1], r[2]) for r in rows if r[1] != "torch_mlp"] == [
        ("parity-lab", "gf2", "True"), ("clwe-lab", "lll_primal", "True")]
    board = (report / "scoreboard.html").read_text()
    assert board.count("<td>torch_mlp</td><td>outside</td>") == 2
    assert "<td>gf2</td><td>lab</td><td>ok</td><td>yes</td>" in board
    assert "scoreboard.html" in (report / "index.html").read_text()
