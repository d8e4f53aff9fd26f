"""hardnets.fit / judge / run / record: the CLI's learners, judges and results store."""
import csv
import json
import math

import numpy as np
import pytest

import hardnets
from conftest import run_cli

def without_timing(metrics):
    """The metrics that are a pure function of the configuration: all but the
    measured times and memory (seconds, cpu_seconds, reduce_seconds, peak_mb ...)."""
    return {k: v for k, v in metrics.items() if not k.endswith(("seconds", "peak_mb"))}


def same_numbers(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert (a[k] == b[k]) or (a[k] is None and math.isnan(b[k])) or \
            (math.isnan(a[k]) and math.isnan(b[k])), k


def test_judge_is_the_problems_judge():
    inst = hardnets.generate("teacher", seed=5, n_train=200, n_test=300, d=6, sigma=0.0)
    perfect = inst.judge(inst.y_test)
    assert perfect["mse"] == 0.0 and perfect["nmse"] == 0.0
    mean = inst.judge(np.full(inst.n_test, inst.y_test.mean()))
    assert mean["nmse"] == pytest.approx(1.0, abs=1e-12)
    # Noise as a prediction is worse than the mean: the judge can fail a model.
    rng = np.random.default_rng(0)
    noise = inst.judge(rng.normal(size=inst.n_test) * inst.y_test.std())
    assert noise["nmse"] > 1.5
    # A column vector, a float32 array and a list are predictions too.
    assert inst.judge(inst.y_test.reshape(-1, 1))["nmse"] == 0.0
    assert inst.judge(list(inst.y_test))["nmse"] == 0.0
    assert inst.judge(inst.y_test.astype(np.float32))["nmse"] < 1e-12


def test_fit_matches_cli_run():
    args = dict(seed=2, n_train=400, n_test=200)
    inst = hardnets.generate("teacher", d=4, width=3, **args)
    # `lambda` is a Python keyword: such parameters go in the params dict.
    fit = hardnets.fit("ridge", inst, params={"lambda": 0.5}, intercept=False)
    assert fit.status == "ok" and fit.learner == "ridge" and fit.params["lambda"] == 0.5
    cli = hardnets.run("teacher", "ridge", problem_params={"d": 4, "width": 3},
                       learner_params={"lambda": 0.5, "intercept": "false"}, **args)
    assert cli["status"] == "ok"
    same_numbers(without_timing(fit.metrics), without_timing(cli["metrics"]))
    assert fit.config == {k: cli[k] for k in fit.config}
    # The predictor, judged from outside, gives the judge's own figures.
    pred = fit.predict(inst.X_test)
    assert pred.shape == (inst.n_test,)
    judged = inst.judge(pred)
    assert judged["nmse"] == fit.metrics["nmse"] and judged["mse"] == fit.metrics["mse"]
    assert fit.model is not None


def test_fit_matches_the_cli_binary(cli):
    inst = hardnets.generate("clwe", seed=1, n_train=60, n_test=0, d=16, gamma=6.0, beta=1e-4)
    fit = hardnets.fit("lll_primal", inst)
    proc = run_cli(cli, "run", "clwe", "lll_primal", "-p", "d=16", "-p", "gamma=6", "-p",
                   "beta=1e-4", "--seed", 1, "--n-train", 60, "--n-test", 0, "--json")
    theirs = json.loads(proc.stdout)
    same_numbers(without_timing(theirs["metrics"]), without_timing(fit.metrics))
    assert fit.metrics["success"] == 1.0 and fit.output["found"] is True
    # The recovered secret, judged as an outside learner's output, scores the same;
    # a wrong secret fails.
    w = np.asarray(fit.output["w"])
    assert inst.judge(output={"w": w})["cosine"] == fit.metrics["cosine"]
    wrong = inst.judge(output={"w": np.random.default_rng(1).normal(size=16)})
    assert wrong["success"] == 0.0 and wrong["cosine"] < 0.9
    with pytest.raises(ValueError, match="no predictor"):
        fit.predict(inst.X_train)


def test_a_learner_that_fails_raises(cli):
    # A learner that fails while fitting (tensor asked for more units than the
    # moment method can find in d = 2) raises here; `hardnets run` stores the
    # same message as status error.
    inst = hardnets.generate("teacher", seed=1, n_train=3, n_test=2, d=2)
    with pytest.raises(ValueError) as error:
        hardnets.fit("tensor", inst, width=3)
    proc = run_cli(cli, "run", "teacher", "tensor", "-p", "d=2", "-l", "width=3", "--n-train", 3,
                   "--n-test", 2, "--json", check=False)
    assert proc.returncode == 1
    theirs = json.loads(proc.stdout)
    assert theirs["status"] == "error" and theirs["message"] == str(error.value)


def test_a_learner_that_reads_an_unpublished_task_is_refused(cli):
    # A discrete-training solver reads a D-NNT task, which a teacher does not
    # publish: refused before fitting, by the same check and message as the CLI.
    inst = hardnets.generate("teacher", seed=1, n_train=3, n_test=2, d=2)
    with pytest.raises(ValueError) as error:
        hardnets.fit("dnnt_dp", inst)
    assert "reads a dnnt task" in str(error.value)
    assert "problem 'teacher' publishes a hidden_width task" in str(error.value)
    proc = run_cli(cli, "run", "teacher", "dnnt_dp", "-p", "d=2", "--n-train", 3, "--n-test", 2,
                   check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "hardnets: error: " + str(error.value)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_record_rows_appear_in_the_report(cli, tmp_path):
    db = tmp_path / "runs.sqlite"
    args = ["-p", "d=4", "--seed", 1, "--n-train", 100, "--n-test", 50]
    run_cli(cli, "run", "teacher", "ridge", *args, "--db", db)
    inst = hardnets.generate("teacher", seed=1, n_train=100, n_test=50, d=4)
    metrics = inst.judge(np.zeros(inst.n_test))
    metrics["seconds"] = 0.25
    run_id = hardnets.record(db, inst, "torch_mlp", metrics, {"width": 64, "lr": 1e-3},
                             provenance={"torch": "1.13.1"})
    # A built-in learner's run recorded from Python has the CLI's configuration.
    ridge = hardnets.fit("ridge", inst)
    cli_row = next(row for row in map(json.loads, run_cli(
        cli, "export", "--db", db, "--format", "jsonl").stdout.splitlines())
                   if row["learner"] == "ridge")
    assert ridge.record(db) == cli_row["run_id"] + "-2"
    assert hardnets.record(db, inst, "ridge", ridge.metrics) == cli_row["run_id"] + "-3"

    rows = [json.loads(line) for line in
            run_cli(cli, "export", "--db", db, "--format", "jsonl").stdout.splitlines()]
    assert len(rows) == 4
    mine = next(r for r in rows if r["run_id"] == run_id)
    assert mine["learner"] == "torch_mlp" and mine["problem"] == "teacher"
    assert mine["config"]["problem_params"] == inst.params
    assert mine["config"]["learner_params"] == {"width": 64, "lr": 1e-3}
    assert mine["metrics"]["nmse"] == metrics["nmse"] and mine["seconds"] == 0.25
    assert mine["cpu_seconds"] is None  # not measured: unknown, not 0
    assert mine["provenance"]["outside"] == {"torch": "1.13.1"}
    assert mine["provenance"]["git_revision"] == hardnets.git_revision
    assert set(mine["config"]) == set(cli_row["config"])

    out = tmp_path / "report"
    run_cli(cli, "report", "--db", db, "--out", out)
    runs = read_csv(out / "tables" / "runs.csv")
    assert sorted(r["learner"] for r in runs) == ["ridge", "ridge", "ridge", "torch_mlp"]
    summary = read_csv(out / "tables" / "summary-no-sweep.csv")
    learners = {r["learner"] for r in summary}
    assert learners == {"ridge", "torch_mlp"}
    assert "torch_mlp" in (out / "index.html").read_text()


def test_record_into_a_sweep_section(cli, tmp_path):
    db = tmp_path / "runs.sqlite"
    inst = hardnets.generate("teacher", seed=1, n_train=40, n_test=20, d=3)
    for seed in (1, 2):
        inst = hardnets.generate("teacher", seed=seed, n_train=40, n_test=20, d=3)
        hardnets.record(db, inst, "mine", inst.judge(np.zeros(20)), sweep="study")
    out = tmp_path / "report"
    assert hardnets.report(db, out).endswith("index.html")
    assert (out / "tables" / "summary-study.csv").exists()
    assert len(read_csv(out / "tables" / "runs.csv")) == 2


def test_run_stores_like_the_cli(cli, tmp_path):
    db = tmp_path / "runs.sqlite"
    a = hardnets.run("teacher", "mean", problem_params={"d": 2}, n_train=30, n_test=10, db=db)
    b = hardnets.run("teacher", "mean", problem_params={"d": 2}, n_train=30, n_test=10, db=db)
    assert a["status"] == "ok" and b["run_id"] == a["run_id"] + "-2"
    theirs = json.loads(run_cli(cli, "run", "teacher", "mean", "-p", "d=2", "--n-train", 30,
                                "--n-test", 10, "--json", "--db", db).stdout)
    assert {k: a[k] for k in theirs if k not in ("metrics", "card")} == \
        {k: theirs[k] for k in theirs if k not in ("metrics", "card")}
    same_numbers(without_timing(theirs["metrics"]), without_timing(a["metrics"]))
    ids = [json.loads(line)["run_id"] for line in
           run_cli(cli, "export", "--db", db, "--format", "jsonl").stdout.splitlines()]
    assert ids == [a["run_id"], a["run_id"] + "-2", a["run_id"] + "-3"]
