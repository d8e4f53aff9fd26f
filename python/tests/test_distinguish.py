"""hardnets.distinguish and hardnets.estimate: the CLI's experiments and estimates as dicts."""
import json
import math
import sqlite3

import pytest

import hardnets
from conftest import run_cli

XOR = {"n": 32, "predicate": "xor", "k": 3, "encoding": "index"}


def test_distinguish_is_the_cli_experiment(cli, tmp_path):
    db = tmp_path / "d.sqlite"
    py = hardnets.distinguish("prg_hyperedge", "gf2", trials=10, statistic="found",
                              n_train=128, n_test=200, problem_params=XOR, db=db)
    proc = run_cli(cli, "distinguish", "prg_hyperedge", "gf2", "-p", "n=32", "-p",
                   "predicate=xor", "-p", "k=3", "-p", "encoding=index", "--trials", 10,
                   "--statistic", "found", "--n-train", 128, "--n-test", 200, "--json")
    out = json.loads(proc.stdout)
    # Gaussian elimination separates XOR_3 outputs from uniform bits at m = 4n.
    assert py["metrics"]["advantage"] >= 0.9
    for key in ("advantage", "advantage_low", "advantage_high", "true_positive_rate",
                "false_positive_rate", "threshold", "trials", "calibration", "fits"):
        assert py["metrics"][key] == pytest.approx(out["metrics"][key], abs=0), key
    assert py["null"] == out["null"] and py["statistic"] == out["statistic"] == "found"
    # Every fit is stored: 2 T + C = 20 + 19.
    with sqlite3.connect(db) as con:
        assert con.execute("select count(*) from runs").fetchone()[0] == 39


def test_mean_is_no_distinguisher():
    r = hardnets.distinguish("prg_hyperedge", "mean", trials=10, n_train=128, n_test=200,
                             problem_params=XOR)
    m = r["metrics"]
    assert m["advantage_low"] <= 0.0 <= m["advantage_high"]


def test_distinguish_bad_input_is_a_value_error():
    with pytest.raises(ValueError, match="--trials must be in"):
        hardnets.distinguish("teacher", "mean", trials=1)
    with pytest.raises(ValueError, match="declares no null hypothesis"):
        hardnets.distinguish("dnnt_random", "mean", trials=3)
    with pytest.raises(ValueError, match="cannot calibrate level alpha = 0.05"):
        hardnets.distinguish("teacher", "mean", trials=3, calibration=5)


def test_estimate_is_the_cli_estimate(cli):
    py = hardnets.estimate("sparse_parity", n=32, n_train=40)
    out = json.loads(run_cli(cli, "estimate", "sparse_parity", "-p", "n=32", "--n-train", 40,
                             "--json").stdout)
    assert py["cheapest"] == out["cheapest"] == "elimination"
    assert [a["log2_ops"] for a in py["attacks"]] == [a["log2_ops"] for a in out["attacks"]]
    assert py["attacks"][0]["log2_ops"] == pytest.approx(math.log2(39) + 10)


def test_estimate_inverse_mode_and_errors():
    s = hardnets.estimate("sparse_parity", noise=0.1, n_train=100000, solve_for="n",
                          target_bits=30)
    assert s["solved"]["found"] and s["solved"]["below"] == s["solved"]["value"] - 1
    assert s["params"]["n"] == s["solved"]["value"] and s["solved"]["param"] == "n"
    assert s["cheapest"] is not None
    with pytest.raises(ValueError, match="no cost model for problem 'natural_ksat'"):
        hardnets.estimate("natural_ksat")
    with pytest.raises(ValueError, match="does not apply"):
        hardnets.estimate("sparse_parity", attack="primal_usvp")


def test_estimate_budget_seconds_is_the_cli_one(cli):
    py = hardnets.estimate("lwe", n=40, n_train=2000, attack="primal_usvp", solve_for="n",
                           budget_seconds=60)
    out = json.loads(run_cli(cli, "estimate", "lwe", "-p", "n=40", "--n-train", 2000,
                             "--attack", "primal_usvp", "--solve-for", "n",
                             "--budget-seconds", 60, "--json").stdout)
    assert py["solved"]["found"] and py["solved"]["value"] == out["solved"]["value"]
    assert "takes at least 60" in py["solved"]["goal"]
    assert py["attacks"][0]["seconds"] >= 60
    with pytest.raises(ValueError, match="needs --attack NAME"):
        hardnets.estimate("lwe", n_train=2000, solve_for="n", budget_seconds=60)
