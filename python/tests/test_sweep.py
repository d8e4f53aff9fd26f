"""hardnets.sweep: the same sweep policy as `hardnets sweep` (lab::run_sweep)."""
import sqlite3

import pytest

import hardnets

SPEC = """
[sweep]
name = "py"
seeds = [1, 2]
n_train = 40
n_test = 10
[[problems]]
name = "teacher"
params = { d = 3 }
[[learners]]
name = "mean"
[[learners]]
name = "ridge"
"""


def test_sweep_runs_every_run_and_resumes(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC)
    db = tmp_path / "runs.sqlite"
    first = hardnets.sweep(spec, db, jobs=2)
    assert first["name"] == "py"
    assert (first["planned"], first["stored"], first["executed"], first["failed"]) == (4, 0, 4, 0)
    with sqlite3.connect(db) as con:
        assert con.execute("select count(*) from runs where status = 'ok'").fetchone()[0] == 4
    # A database that holds the runs is refused without resume, and resume runs nothing.
    with pytest.raises(ValueError, match="pass --resume"):
        hardnets.sweep(spec, db)
    again = hardnets.sweep(spec, db, resume=True)
    assert (again["stored"], again["pending"], again["executed"]) == (4, 0, 0)


def test_sweep_refuses_a_bad_pairing_before_running(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC.replace('name = "ridge"', 'name = "gf2"'))
    db = tmp_path / "runs.sqlite"
    with pytest.raises(ValueError, match="learner 'gf2' reads a goldreich or prg_depth3 or prg_depth2_smoothed or parity task"):
        hardnets.sweep(spec, db)
    assert not db.exists()
