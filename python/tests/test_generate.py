"""hardnets.generate: every problem, bit-identical to `hardnets gen`, no copies."""
import json

import numpy as np
import pytest

import hardnets
from conftest import SMALL, cli_params, run_cli


def test_lists_match_the_cli(cli):
    out = run_cli(cli, "list").stdout
    problems = hardnets.problems()
    learners = hardnets.learners()
    assert problems and learners
    assert "clwe_relu" in problems and "teacher" in problems
    assert "lll_primal" in learners and "sgd" in learners
    listed = [line.split()[0] for line in out.splitlines() if line.startswith("  ")]
    assert listed == problems + learners


def test_describe_is_the_cli_json(cli):
    for name in ["clwe_relu", "sgd", "dnnt_random"]:
        assert hardnets.describe(name) == json.loads(run_cli(cli, "describe", name, "--json").stdout)


@pytest.mark.parametrize("problem", hardnets.problems())
def test_every_problem_is_bit_identical_to_gen(cli, tmp_path, problem):
    params = SMALL.get(problem, {})
    inst = hardnets.generate(problem, seed=3, n_train=60, n_test=25, **params)
    run_cli(cli, "gen", problem, *cli_params(params), "--seed", 3, "--n-train", 60,
            "--n-test", 25, "--out", tmp_path)
    for name in ["X_train", "y_train", "X_test", "y_test"]:
        ours = getattr(inst, name)
        theirs = np.load(tmp_path / f"{name}.npy")
        assert ours.dtype == theirs.dtype == np.float64, name
        assert ours.shape == theirs.shape, name
        # Bytes, not values: -0.0 and NaN payloads must agree too.
        assert ours.tobytes() == theirs.tobytes(), f"{problem}: {name} differs from gen's"
    assert inst.card == json.loads((tmp_path / "card.json").read_text())
    task = tmp_path / "task.json"
    assert inst.task == (json.loads(task.read_text()) if task.exists() else {})
    assert inst.problem == problem
    assert inst.card["problem"] == problem
    assert inst.X_train.shape[0] == inst.y_train.shape[0] == inst.n_train
    assert inst.X_test.shape[0] == inst.y_test.shape[0] == inst.n_test
    # The truth is nowhere in the Python object.
    assert not hasattr(inst, "truth")


def test_clwe_relu_with_typed_and_text_parameters(cli, tmp_path):
    a = hardnets.generate("clwe_relu", seed=1, n_train=500, n_test=100, d=32, gamma=2.5,
                          phi="cos", sup_error=1e-3)
    b = hardnets.generate("clwe_relu", seed=1, n_train=500, n_test=100,
                          params={"d": "32", "gamma": "2.5", "phi": "cos"})
    c = hardnets.generate("clwe_relu", seed=2, n_train=500, n_test=100, d=32, gamma=2.5, phi="cos")
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.X_train, c.X_train)
    assert a.params == b.params
    assert a.params["d"] == 32 and a.params["gamma"] == 2.5 and a.params["phi"] == "cos"
    # numpy scalars are parameters too.
    d = hardnets.generate("clwe_relu", seed=1, n_train=500, n_test=100, d=np.int64(32),
                          gamma=np.float64(2.5), phi="cos")
    assert d.y_train.tobytes() == a.y_train.tobytes()


def test_arrays_are_read_only_views(tmp_path):
    inst = hardnets.generate("teacher", seed=1, n_train=100, n_test=10, d=5)
    X = inst.X_train
    assert X.shape == (100, 5) and X.flags.c_contiguous
    assert not X.flags.writeable and not inst.y_test.flags.writeable
    with pytest.raises(ValueError):
        X[0, 0] = 1.0
    # A view of the instance's memory, not a copy: two reads share it.
    assert np.shares_memory(inst.X_train, inst.X_train)
    assert not X.flags.owndata
    # The view keeps the instance alive after the name is gone.
    y = inst.y_train
    expected = y.copy()
    del inst
    assert np.array_equal(y, expected)
    # A writable copy is the user's to change.
    Z = np.array(X)
    Z[0, 0] = 1.0


def test_empty_test_set():
    inst = hardnets.generate("teacher", seed=1, n_train=10, n_test=0, d=3)
    assert inst.X_test.shape == (0, 3) and inst.y_test.shape == (0,)


def test_save_writes_what_gen_writes(cli, tmp_path):
    inst = hardnets.generate("dnnt_random", seed=4, n_train=5, n_test=3)
    inst.save(tmp_path / "py")
    run_cli(cli, "gen", "dnnt_random", "--seed", 4, "--n-train", 5, "--n-test", 3, "--out",
            tmp_path / "cli")
    names = sorted(p.name for p in (tmp_path / "cli").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "py").iterdir())
    assert "instance.json" in names and "truth.json" in names
    for name in names:
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
