"""Bad input raises ValueError carrying the CLI's own message."""
import re

import numpy as np
import pytest

import hardnets
from conftest import run_cli


def cli_error(cli, *args):
    proc = run_cli(cli, *args, check=False)
    assert proc.returncode == 2, proc.stderr
    prefix = "hardnets: error: "
    assert proc.stderr.startswith(prefix), proc.stderr
    return proc.stderr[len(prefix):].strip()


@pytest.mark.parametrize("params, flags", [
    ({"d": 0}, ["-p", "d=0"]),                      # out of range
    ({"gamma": -1.0}, ["-p", "gamma=-1"]),          # open bound
    ({"phi": "square"}, ["-p", "phi=square"]),      # not a choice
    ({"width": 3}, ["-p", "width=3"]),              # unknown parameter
    ({"d": "many"}, ["-p", "d=many"]),              # not a number
])
def test_bad_problem_parameters(cli, tmp_path, params, flags):
    message = cli_error(cli, "gen", "clwe_relu", *flags, "--out", tmp_path)
    with pytest.raises(ValueError) as error:
        hardnets.generate("clwe_relu", **params)
    assert str(error.value) == message


def test_bad_names_and_sizes(cli, tmp_path):
    message = cli_error(cli, "gen", "no_such_problem", "--out", tmp_path)
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        hardnets.generate("no_such_problem")
    message = cli_error(cli, "describe", "no_such_thing")
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        hardnets.describe("no_such_thing")
    message = cli_error(cli, "gen", "teacher", "--n-train", 0, "--out", tmp_path)
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        hardnets.generate("teacher", n_train=0)


def test_bad_learner_parameters(cli, tmp_path):
    inst = hardnets.generate("teacher", seed=1, n_train=50, n_test=10, d=3)
    message = cli_error(cli, "run", "teacher", "sgd", "-p", "d=3", "-l", "epochs=-2")
    with pytest.raises(ValueError) as error:
        hardnets.fit("sgd", inst, epochs=-2)
    assert str(error.value) == message
    message = cli_error(cli, "run", "teacher", "no_such_learner")
    with pytest.raises(ValueError) as error:
        hardnets.fit("no_such_learner", inst)
    assert str(error.value) == message


def test_wrong_python_types():
    with pytest.raises(ValueError, match="expects int"):
        hardnets.generate("teacher", d=[1, 2])
    with pytest.raises(ValueError, match="cannot store a object"):
        hardnets.generate("teacher", d=object())
    with pytest.raises(ValueError, match="given both"):
        hardnets.generate("teacher", params={"d": 3}, d=4)


def test_bad_predictions():
    inst = hardnets.generate("teacher", seed=1, n_train=50, n_test=10, d=3)
    with pytest.raises(ValueError, match="has 9 values, expected one per test row"):
        inst.judge(np.zeros(9))
    with pytest.raises(ValueError, match="1-D"):
        inst.judge(np.zeros((10, 2)))


def test_unreadable_output():
    inst = hardnets.generate("clwe", seed=1, n_train=20, n_test=0, d=4)
    with pytest.raises(ValueError, match="clwe's judge cannot read this output"):
        inst.judge(output={"w": ["a", "b", "c", "d"]})


def test_bad_record(tmp_path):
    inst = hardnets.generate("teacher", seed=1, n_train=50, n_test=10, d=3)
    db = tmp_path / "runs.sqlite"
    with pytest.raises(ValueError, match="unknown outcome .great.; known: ok"):
        hardnets.record(db, inst, "mine", {"nmse": 0.5}, status="great")
    with pytest.raises(ValueError, match="metric 'nmse' must be a number"):
        hardnets.record(db, inst, "mine", {"nmse": "low"})
    # A built-in learner's configuration goes through its registry.
    with pytest.raises(ValueError, match="sgd: unknown parameter 'depth_of_field'"):
        hardnets.record(db, inst, "sgd", {"nmse": 0.5}, {"depth_of_field": 2})
    (tmp_path / "not_a_db").write_text("hello")
    with pytest.raises(ValueError, match="not_a_db"):
        hardnets.record(tmp_path / "not_a_db", inst, "mine", {"nmse": 0.5})
