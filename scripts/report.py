#!/usr/bin/python3
"""Figures, tables and an HTML page from a hardnets results store.

    /usr/bin/python3 scripts/report.py --db results.db --out report/

`hardnets report --db FILE --out DIR` runs this script (embedded in the
binary). It reads the database read-only and writes

    DIR/index.html                      the report; open it from the file system
    DIR/figures/<sweep>/<name>.png|svg  every figure in both formats
    DIR/tables/runs.csv                 every run, flattened
    DIR/tables/summary-<sweep>.csv      one row per (problem, learner, params)

Figures come from each sweep's [report] section (stored as the meta entry
"report:<sweep>"):

    [report]
    figures = [
      { kind = "line", x = "d", metric = "nmse", logx = true, logy = true },
      { kind = "phase", x = "d", y = "n_train" },            # success rate
      { kind = "phase", x = "d", y = "sigma", metric = "nmse", logz = true },
      { kind = "scaling", x = "d" },                          # seconds vs d
    ]
    defaults = false   # also draw the default figures (default: only without `figures`)

Keys every kind takes: kind, x, metric, problem (only that problem), learner
(a name or a list of names), where (a table of parameter = value or
[values...]; only matching runs), title, name (the file name), include (the
outcomes counted: ["ok"] by default; "time_limit" and "iteration_limit" add the
judged runs stopped by their limits, stated in the caption). `line` also
takes logx, logy; `phase` takes y and logz; `scaling` takes logx/logy too but
defaults them to true. `threshold` takes y (the parameter whose critical
value is located, e.g. the noise), direction ("below": success for y below
the threshold, the default; "above"), logx, logy (default true), and
optionally model (a Python expression in the runs' numeric parameters and one
free constant c, giving the threshold; fitted by least squares on log y over
fit_range = [lo, hi]) drawn dashed with the fitted c. A parameter is named as in the spec (d, sigma, lambda,
n_train, n_test, threads); "problem.NAME" or "learner.NAME" picks one where a
problem and a learner parameter share a name.

Distinguishing experiments (runs stored by `hardnets distinguish --db` or by a
sweep learner with `distinguish = {...}`; their configuration carries
"distinguish") are recombined: the runs of one problem, learner and parameter
setting (seeds, trial role and the null parameter aside) form one experiment,
scored as `hardnets distinguish` scores it: the threshold is the
k-th largest statistic of the C calibration runs, k = floor(alpha (C + 1)), a trial is
called planted above it, advantage = TPR - FPR with Newcombe's hybrid score 95%
interval; a fit that is not judged or lacks the statistic is never called
planted. `advantage` figures draw them (keys: those of `line`; metric defaults
to advantage, may be true_positive_rate or false_positive_rate), with the
experiments' own intervals; each sweep with experiments gets a table of them
(DIR/tables/distinguish-<sweep>.csv). The trial runs themselves keep a
parameter `role` (real, null, calibration), so other figures split by it.

Statistics: means over the seeds of the runs whose status is "ok", with a 95%
Student-t interval (mean +- t * s / sqrt(n)); success rates with a 95% Wilson
score interval. Runs that are not ok are left out of every mean and counted in
captions, legends and the summary tables: a learner that fails is a result.

Exit status 2 (with a message on stderr) for a missing or foreign database;
3 when matplotlib or numpy is missing.
"""

import argparse
import csv
import html
import json
import math
import os
import re
import sqlite3
import sys
import textwrap
import urllib.parse
from collections import Counter, OrderedDict

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    import numpy as np
except ImportError as exc:  # pragma: no cover - depends on the machine
    sys.stderr.write(
        f"report: {exc.name or 'matplotlib'} is not installed for {sys.executable}; "
        "install Debian's python3-matplotlib (apt-get install python3-matplotlib), "
        "which brings numpy with it\n"
    )
    sys.exit(3)

APPLICATION_ID = 0x484E4554  # "HNET", set by the store (src/hardnets/lab/store.cpp)
OK = "ok"
# Metrics chosen for default figures, in order of preference.
DEFAULT_METRICS = ["nmse", "success", "cosine", "accuracy", "mse"]
# Parameters a default scaling figure may use as its size axis, in order.
SIZE_PARAMS = ["d", "n", "n_train"]
# Column order of the summary tables: quality first, costs last.
METRIC_ORDER = ["success", "nmse", "mse", "accuracy", "cosine", "net_distance", "train_loss",
                "test_loss", "samples", "seconds", "cpu_seconds", "peak_mb", "generate_seconds"]
FIGURE_KINDS = ("line", "phase", "scaling", "threshold", "advantage")
# Outcomes whose model is judged (src/hardnets/core/outcome.cpp): a
# distinguisher's statistic counts only from these.
JUDGED = {"ok", "timeout", "iteration_limit"}
COMMON_KEYS = {"kind", "x", "metric", "problem", "learner", "where", "title", "name",
               "include"}
# Outcomes a figure may include (`include`, by outcome name -> stored status):
# ok, and the judged runs stopped by their time or iteration limit, whose
# fitted model so far carries the metric (`hardnets list outcomes`).
INCLUDABLE = {"ok": "ok", "time_limit": "timeout", "iteration_limit": "iteration_limit"}
KIND_KEYS = {
    "line": COMMON_KEYS | {"logx", "logy"},
    "phase": COMMON_KEYS | {"y", "logz"},
    "scaling": COMMON_KEYS | {"logx", "logy"},
    "threshold": COMMON_KEYS | {"y", "logx", "logy", "direction", "model", "fit_range"},
    "advantage": COMMON_KEYS | {"logx"},
}
# Declared defaults, {"problem": {name: {param: value}}, "learner": {...}},
# from `hardnets report` (--defaults): captions list only the fixed
# parameters that differ from them.
DEFAULTS = {}
CI_TEXT = "mean over seeds of the ok runs, 95% Student-t interval (mean ± t·s/√n)"
WILSON_TEXT = "success rate over the ok runs, 95% Wilson score interval"
ADVANTAGE_TEXT = ("each point one distinguishing experiment: threshold the ⌊α(C+1)⌋-th largest "
                  "of C null calibration statistics, advantage = TPR − FPR over the paired "
                  "real/null trials, 95% Newcombe hybrid score interval")


class InputError(Exception):
    """A problem with the user's input: printed, exit status 2."""


def warn(message):
    sys.stderr.write(f"report: warning: {message}\n")


# ---------------------------------------------------------------- statistics

# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom.
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def t975(df):
    if df <= len(T975):
        return T975[df - 1]
    # Cornish-Fisher expansion around the normal quantile: exact to 3 decimals past 30.
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def mean_ci(values):
    """(n, mean, low, high) over the finite values; the interval is NaN for n < 2."""
    v = [x for x in values if x is not None and math.isfinite(x)]
    n = len(v)
    if n == 0:
        return 0, math.nan, math.nan, math.nan
    m = sum(v) / n
    if n < 2:
        return n, m, math.nan, math.nan
    s = math.sqrt(sum((x - m) ** 2 for x in v) / (n - 1))
    h = t975(n - 1) * s / math.sqrt(n)
    return n, m, m - h, m + h


def wilson(successes, n):
    """(rate, low, high) with the 95% Wilson score interval."""
    if n == 0:
        return math.nan, math.nan, math.nan
    z = 1.959964
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return p, max(0.0, centre - half), min(1.0, centre + half)


# ------------------------------------------------------------------- loading


class Run:
    __slots__ = ("id", "run_id", "created_at", "problem", "learner", "seed", "n_train", "n_test",
                 "status", "message", "config", "metrics", "provenance", "sweep", "params",
                 "revision", "interval")


def fmt_value(v):
    """A parameter value as people write it: 4, 0.001, 1e-06, gaussian, true."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isfinite(v) and v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return f"{v:.6g}"
    if isinstance(v, (int, str)):
        return str(v)
    return json.dumps(v, sort_keys=True)


def fmt_num(x, digits=3):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    return f"{x:.{digits}g}"


def hashable(v):
    if isinstance(v, (list, dict)):
        return json.dumps(v, sort_keys=True)
    return v


TABLES_QUERY = "SELECT name FROM sqlite_master WHERE type = 'table'"


def open_db(path):
    if not os.path.exists(path):
        raise InputError(f"no such database file: {path}")
    if os.path.isdir(path):
        raise InputError(f"{path} is a folder, not a database file")
    if not os.access(path, os.R_OK):
        raise InputError(f"cannot read {path}: permission denied")
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True)
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in con.execute(TABLES_QUERY)}
    except sqlite3.DatabaseError as exc:
        # A WAL database in a folder we may not write needs immutable mode to be read.
        try:
            con = sqlite3.connect(uri + "&immutable=1", uri=True)
            app_id = con.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in con.execute(TABLES_QUERY)}
        except sqlite3.DatabaseError:
            raise InputError(f"{path} is not a hardnets results database ({exc})") from None
    if app_id != APPLICATION_ID or not {"runs", "metrics", "meta"} <= tables:
        if not tables:
            raise InputError(f"{path} is not a hardnets results database (it holds no tables)")
        raise InputError(f"{path} is not a hardnets results database "
                         f"(application id {app_id:#x}, tables: {', '.join(sorted(tables))})")
    return con


def load(con):
    meta = OrderedDict(con.execute("SELECT key, value FROM meta ORDER BY key").fetchall())
    metric_rows = {}
    for run_id, name, value in con.execute("SELECT run_id, name, value FROM metrics"):
        metric_rows.setdefault(run_id, {})[name] = math.nan if value is None else float(value)
    runs = []
    query = ("SELECT id, run_id, created_at, problem, learner, seed, n_train, n_test, status, "
             "message, seconds, cpu_seconds, peak_mb, config, provenance FROM runs ORDER BY id")
    for row in con.execute(query):
        r = Run()
        (r.id, r.run_id, r.created_at, r.problem, r.learner, r.seed, r.n_train, r.n_test,
         r.status, r.message, seconds, cpu_seconds, peak_mb, config, provenance) = row
        r.config = parse_json_object(config)
        r.provenance = parse_json_object(provenance)
        r.metrics = dict(metric_rows.get(r.run_id, {}))
        # The time columns are the authority for runs that stored no time metric.
        for name, value in (("seconds", seconds), ("cpu_seconds", cpu_seconds),
                            ("peak_mb", peak_mb)):
            if name not in r.metrics and value is not None:
                r.metrics[name] = float(value)
        sweep = r.config.get("sweep")
        r.sweep = sweep if isinstance(sweep, str) and sweep else None
        r.revision = str(r.provenance.get("git_revision") or "unknown")
        params = OrderedDict()
        for k, v in (r.config.get("problem_params") or {}).items():
            params["problem." + k] = hashable(v)
        params["n_train"] = r.n_train
        params["n_test"] = r.n_test
        if "threads" in r.config:
            params["threads"] = hashable(r.config["threads"])
        for k, v in (r.config.get("learner_params") or {}).items():
            params["learner." + k] = hashable(v)
        if isinstance(r.config.get("distinguish"), dict):
            params["role"] = str(r.config["distinguish"].get("role", ""))
        r.params = params
        r.interval = None
        runs.append(r)
    return meta, runs


def parse_json_object(text):
    try:
        value = json.loads(text) if text else {}
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


# ------------------------------------------------- distinguishing experiments


def newcombe(x1, n1, x0, n0):
    """Newcombe's hybrid score 95% interval (his method 10) for x1/n1 - x0/n0."""
    p1, l1, h1 = wilson(x1, n1)
    p0, l0, h0 = wilson(x0, n0)
    below = math.sqrt((p1 - l1) ** 2 + (h0 - p0) ** 2)
    above = math.sqrt((h1 - p1) ** 2 + (p0 - l0) ** 2)
    return p1 - p0 - below, p1 - p0 + above


def oriented_statistic(run, metric, smaller_is_planted):
    """Larger = planted; -inf (no evidence) for a fit not judged or without the metric."""
    value = run.metrics.get(metric) if run.status in JUDGED else None
    if value is None or not math.isfinite(value):
        return -math.inf
    return -value if smaller_is_planted else value


def experiment_key(run):
    d = run.config["distinguish"]
    null_key = "problem." + str(d.get("null_param"))
    params = tuple((k, json.dumps(v)) for k, v in run.params.items()
                   if k not in (null_key, "role"))
    return (run.sweep, run.problem, run.learner, str(d.get("statistic")),
            bool(d.get("smaller_is_planted")), json.dumps(d.get("alpha")),
            json.dumps(d.get("planted_value")), params)


def score_experiment(members):
    """One Run standing for the experiment of the trial runs `members`."""
    d = members[0].config["distinguish"]
    metric, smaller = str(d.get("statistic")), bool(d.get("smaller_is_planted"))
    alpha = float(d.get("alpha", 0.05))
    by_role = {role: [oriented_statistic(r, metric, smaller) for r in members
                      if r.params.get("role") == role] for role in ("real", "null", "calibration")}
    real = [r for r in members if r.params.get("role") == "real"]
    e = Run()
    template = real[0] if real else members[0]
    for slot in ("id", "run_id", "created_at", "problem", "learner", "n_train", "n_test",
                 "config", "provenance", "sweep", "revision"):
        setattr(e, slot, getattr(template, slot))
    e.seed = min(r.seed for r in members)
    e.params = OrderedDict((k, v) for k, v in template.params.items() if k != "role")
    # The statistic names a series of its own: one learner thresholding two
    # statistics is two distinguishers.
    e.params["statistic"] = ("-" if smaller else "") + metric
    e.interval = None
    failed = sum(1 for r in members if r.status not in JUDGED)
    e.metrics = {"fits": float(len(members)), "failed_fits": float(failed),
                 "fit_seconds": sum(r.metrics.get("seconds", 0.0) for r in members)}
    missing = [role for role, values in by_role.items() if not values]
    if missing:
        e.status, e.message = "error", f"incomplete experiment: no {', '.join(missing)} trial"
        return e
    calibration = sorted(by_role["calibration"], reverse=True)
    k = int(math.floor(alpha * (len(calibration) + 1) + 1e-9))  # as lab/distinguish.cpp
    if k < 1:
        e.status = "error"
        e.message = (f"{len(calibration)} calibration runs cannot calibrate level alpha = "
                     f"{alpha:g}")
        return e
    threshold = calibration[min(k, len(calibration)) - 1]
    tp = sum(1 for v in by_role["real"] if v > threshold)
    fp = sum(1 for v in by_role["null"] if v > threshold)
    n1, n0 = len(by_role["real"]), len(by_role["null"])
    low, high = newcombe(tp, n1, fp, n0)
    e.status, e.message = OK, ""
    e.metrics.update({"advantage": tp / n1 - fp / n0, "advantage_low": low,
                      "advantage_high": high, "true_positive_rate": tp / n1,
                      "false_positive_rate": fp / n0, "trials": float(n1),
                      "calibration": float(len(calibration)), "threshold": threshold,
                      "alpha": alpha})
    tpr, tpr_lo, tpr_hi = wilson(tp, n1)
    fpr, fpr_lo, fpr_hi = wilson(fp, n0)
    e.interval = {"advantage": (low, high), "true_positive_rate": (tpr_lo, tpr_hi),
                  "false_positive_rate": (fpr_lo, fpr_hi)}
    return e


def distinguish_experiments(runs):
    """The experiments among the runs (those whose configuration carries
    "distinguish"), one Run each, in the order of their first trial."""
    groups = OrderedDict()
    for r in runs:
        if isinstance(r.config.get("distinguish"), dict):
            groups.setdefault(experiment_key(r), []).append(r)
    return [score_experiment(members) for members in groups.values()]


EXPERIMENT_METRICS = ["advantage", "advantage_low", "advantage_high", "true_positive_rate",
                      "false_positive_rate", "trials", "calibration", "threshold", "alpha",
                      "fits", "failed_fits", "fit_seconds"]


def write_experiments_csv(path, experiments):
    keys = [k for k in param_keys(experiments) if k != "statistic"]  # a column of its own
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["problem", "learner", "statistic", "status"] + keys + EXPERIMENT_METRICS)
        for e in experiments:
            d = e.config["distinguish"]
            stat = ("-" if d.get("smaller_is_planted") else "") + str(d.get("statistic"))
            line = [e.problem, e.learner, stat, e.status]
            line += [fmt_value(e.params[k]) if k in e.params else "" for k in keys]
            line += [repr(e.metrics[m]) if m in e.metrics and math.isfinite(e.metrics[m]) else ""
                     for m in EXPERIMENT_METRICS]
            w.writerow(line)


def experiments_html(experiments):
    keys = [k for k in varying_keys(experiments) if k != "statistic"]
    names = ParamNames(param_keys(experiments))
    out = ["<div class=scroll><table>", "<tr><th class=l>problem</th><th class=l>learner</th>"
           "<th class=l>statistic</th>"]
    out += [f"<th>{esc(names(k))}</th>" for k in keys]
    out.append("<th>advantage [95%]</th><th>TPR</th><th>FPR</th><th>trials</th>"
               "<th>calibration</th><th>failed fits</th><th>seconds</th></tr>")
    for e in experiments:
        d = e.config["distinguish"]
        stat = ("-" if d.get("smaller_is_planted") else "") + str(d.get("statistic"))
        cells = [f"<td class=l>{esc(e.problem)}</td><td class=l>{esc(e.learner)}</td>"
                 f"<td class=l>{esc(stat)}</td>"]
        cells += [f"<td>{esc(fmt_value(e.params.get(k, '')))}</td>" for k in keys]
        m = e.metrics
        if e.status == OK:
            cells.append(f"<td>{m['advantage']:.2f} [{m['advantage_low']:.2f}, "
                         f"{m['advantage_high']:.2f}]</td><td>{m['true_positive_rate']:.2f}</td>"
                         f"<td>{m['false_positive_rate']:.2f}</td><td>{int(m['trials'])}</td>"
                         f"<td>{int(m['calibration'])}</td>")
        else:
            cells.append(f"<td class=l colspan=5>{esc(e.message)}</td>")
        cells.append(f"<td>{int(m['failed_fits'])}</td><td>{fmt_num(m['fit_seconds'])}</td>")
        out.append(("<tr class=bad>" if e.status != OK or m["failed_fits"] else "<tr>")
                   + "".join(cells) + "</tr>")
    out.append("</table></div>")
    return "\n".join(out)


# ------------------------------------------------------------ parameter sets


def short_name(key):
    return key.split(".", 1)[1] if key.startswith(("problem.", "learner.")) else key


class ParamNames:
    """Short, unambiguous names for the qualified parameter keys of a set of runs."""

    def __init__(self, keys):
        counts = Counter(short_name(k) for k in keys)
        self.label = {k: (short_name(k) if counts[short_name(k)] == 1 else k) for k in keys}

    def __call__(self, key):
        return self.label.get(key, short_name(key))


def resolve_param(name, keys):
    """The qualified key for a user's parameter name, or None."""
    if name in keys:
        return name
    for prefix in ("problem.", "learner."):
        if prefix + name in keys:
            return prefix + name
    return None


def values_equal(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return hashable(a) == hashable(b)


def param_keys(runs):
    keys = OrderedDict()
    for r in runs:
        for k in r.params:
            keys[k] = None
    return list(keys)


def varying_keys(runs, keys=None):
    """Keys with more than one value among the runs (a key missing from some
    runs, e.g. a parameter of one learner only, varies only if its present
    values differ)."""
    out = []
    for k in keys if keys is not None else param_keys(runs):
        seen = {r.params[k] for r in runs if k in r.params}
        if len(seen) > 1:
            out.append(k)
    return out


def tied(runs, a, b):
    """Whether b is a one-to-one function of a over the runs that have both
    (n_train = "50*d", width = "d/2"): such parameters share one axis."""
    fwd, back = {}, {}
    both = False
    for r in runs:
        if a in r.params and b in r.params:
            both = True
            va, vb = r.params[a], r.params[b]
            if fwd.setdefault(va, vb) != vb or back.setdefault(vb, va) != va:
                return False
    return both


def determined(runs, key, by):
    """Whether `key` is a function of the keys `by` over the runs that have it
    (clauses = "2*vars" within each source)."""
    seen = {}
    for r in runs:
        if key in r.params:
            arg = tuple(r.params.get(k) for k in by)
            if seen.setdefault(arg, r.params[key]) != r.params[key]:
                return False
    return True


def series_keys(runs, axes):
    """The varying keys that split a figure's runs into series: every key
    except the axes and those determined by the axes and the other series
    keys (an expression of an axis, possibly per series, names no series of
    its own). Keys with more distinct values are dropped first, so `source`
    stays and `clauses` = f(vars, source) goes."""
    keys = [k for k in varying_keys(runs) if k not in axes]
    distinct = {k: len({repr(r.params[k]) for r in runs if k in r.params}) for k in keys}
    kept = list(keys)
    for k in sorted(keys, key=lambda k: -distinct[k]):
        others = [j for j in kept if j != k]
        if determined(runs, k, list(axes) + others):
            kept.remove(k)
    split, _ = independent_keys(runs, kept)
    return split


def independent_keys(runs, keys):
    """The keys left after dropping each one tied to an earlier key, and a map
    from each kept key to the keys tied to it."""
    kept, ties = [], {}
    for k in keys:
        owner = next((j for j in kept if tied(runs, j, k)), None)
        if owner is None:
            kept.append(k)
            ties[k] = []
        else:
            ties[owner].append(k)
    return kept, ties


def sort_values(values):
    nums = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(nums) == len(values):
        return sorted(values)
    return sorted(values, key=lambda v: (str(type(v)), str(v)))


def is_numeric(values):
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def status_counts(runs):
    return Counter(r.status for r in runs if r.status != OK)


def not_ok_text(runs):
    """'3 of 40 runs not ok (2 timeout, 1 diverged)', or '' when all are ok."""
    bad = status_counts(runs)
    total = sum(bad.values())
    if not total:
        return ""
    detail = ", ".join(f"{n} {s}" for s, n in bad.most_common())
    return f"{total} of {len(runs)} runs not ok ({detail})"


def revisions_text(runs):
    revs = Counter(r.revision for r in runs)
    if len(revs) == 1:
        return f"git {next(iter(revs))}"
    return "git revisions " + ", ".join(f"{rev} ({n} runs)" for rev, n in revs.most_common())


def seeds_text(runs):
    seeds = sorted({r.seed for r in runs})
    shown = ", ".join(str(s) for s in seeds[:8]) + (", …" if len(seeds) > 8 else "")
    return f"{len(seeds)} seed{'s' if len(seeds) != 1 else ''} ({shown})"


def at_default(runs, key, value):
    """Whether `value` of "problem.X" / "learner.X" is X's declared default for
    every run's problem or learner (DEFAULTS, from `hardnets report`)."""
    if key in ("n_train", "n_test"):  # the CLI's and sweeps' defaults
        return values_equal(value, 1000)
    if key == "threads":
        return values_equal(value, 1)
    if "." not in key or not DEFAULTS:
        return False
    kind, name = key.split(".", 1)
    table = DEFAULTS.get(kind, {})
    for r in runs:
        owner = r.problem if kind == "problem" else r.learner
        declared = table.get(owner, {})
        if name not in declared or not values_equal(hashable(declared[name]), value):
            return False
    return True


def fixed_text(runs, names, exclude=(), non_default_only=False):
    """The parameters with one value across the runs, 'name=value' joined;
    with `non_default_only`, those whose value is not the declared default."""
    parts = []
    learners = sorted({r.learner for r in runs})
    for k in param_keys(runs):
        if k in exclude:
            continue
        present = [r for r in runs if k in r.params]
        values = {r.params[k] for r in present}
        if len(values) != 1:
            continue
        if non_default_only and at_default(present, k, next(iter(values))):
            continue
        value = fmt_value(next(iter(values)))
        if k.startswith("learner.") and len(learners) > 1:
            owners = sorted({r.learner for r in present})
            parts.append(f"{names(k)}={value} ({'/'.join(owners)})")
        else:
            parts.append(f"{names(k)}={value}")
    return ", ".join(parts) if parts else "none"


def matches_where(run, where):
    for key, wanted in where.items():
        if key not in run.params:
            return False
        options = wanted if isinstance(wanted, list) else [wanted]
        if not any(values_equal(run.params[key], w) for w in options):
            return False
    return True


# ------------------------------------------------------------------- figures


class Figure:
    def __init__(self, sweep, index, spec, problem):
        self.sweep, self.index, self.spec, self.problem = sweep, index, spec, problem
        self.files = []  # (png, svg, csv) relative to the output folder
        self.caption = ""
        self.details = ""  # the complete configuration (collapsed in the page)
        self.error = ""  # why nothing was drawn
        self.spec_error = False  # the error is the spec's: an unknown parameter or metric
        self.title = ""


def slug(text):
    s = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text)).strip("-.")
    return s[:80] or "x"


def series_label(run, keys, names):
    parts = [run.learner]
    for k in keys:
        if k in run.params:
            parts.append(f"{names(k)}={fmt_value(run.params[k])}")
    return ", ".join(parts)


def group_series(runs, split_keys, names):
    """Runs grouped into series: one per learner and combination of the
    split parameters, in order of first appearance."""
    series = OrderedDict()
    for r in runs:
        key = (r.learner,) + tuple(r.params.get(k) for k in split_keys)
        if key not in series:
            series[key] = (series_label(r, split_keys, names), [])
        series[key][1].append(r)
    return list(series.values())


def metric_values(runs, metric):
    return [r.metrics.get(metric, math.nan) for r in runs if r.status == OK]


def finite(values):
    return [v for v in values if v is not None and math.isfinite(v)]


def is_rate(values):
    """A metric is a rate when every finite value is 0 or 1 (success, found, ...)."""
    v = finite(values)
    return bool(v) and all(x in (0.0, 1.0) for x in v)


def value_bounds(values):
    """(low, high): 0 when no value is negative, 1 when none exceeds 1 (an
    nmse, an accuracy), else unbounded; a mean's interval is cut to them."""
    v = finite(values)
    if not v:
        return -math.inf, math.inf
    return (0.0 if min(v) >= 0 else -math.inf), (1.0 if max(v) <= 1 and min(v) >= 0 else math.inf)


def point_interval(runs, metric, rate=False, bounds=(-math.inf, math.inf)):
    """(n, value, low, high) at one point: a lone distinguishing experiment's
    own interval; for a rate, the fraction of ones with its Wilson interval;
    otherwise the mean with its t interval, cut to `bounds` (value_bounds)."""
    ok = [r for r in runs if r.status == OK]
    if len(ok) == 1 and ok[0].interval and metric in ok[0].interval:
        value = ok[0].metrics.get(metric, math.nan)
        if math.isfinite(value):
            return (1, value) + tuple(ok[0].interval[metric])
    values = finite(metric_values(runs, metric))
    if rate:
        if not values:
            return 0, math.nan, math.nan, math.nan
        return (len(values),) + wilson(sum(1 for v in values if v == 1.0), len(values))
    n, m, lo, hi = mean_ci(values)
    if math.isfinite(lo):
        lo, hi = max(bounds[0], lo), min(bounds[1], hi)
    return n, m, lo, hi


def interval_text(rate, bounds):
    """How a figure's intervals were made, for its caption."""
    if rate:
        return WILSON_TEXT
    if bounds[1] == 1.0:
        return CI_TEXT + "; cut to [0, 1] (no value outside it)"
    if bounds[0] == 0.0:
        return CI_TEXT + "; cut at 0 (no value below it)"
    return CI_TEXT


INCLUDED_MARK = "(included: stopped at its time or iteration limit with a fitted model)"


def footer(runs, names, exclude, stat_text):
    """The caption's lines: what varies, seeds, runs and revision, the fixed
    parameters that differ from their defaults, runs left out, how the
    intervals were made. The complete configuration is the figure's
    `details` (fixed_text), shown collapsed below it."""
    varying = [names(k) for k in varying_keys(runs)]
    lines = [f"varying: {', '.join(varying) if varying else 'nothing'}",
             f"{seeds_text(runs)} · {len(runs)} runs · {revisions_text(runs)}",
             f"not at their defaults: {fixed_text(runs, names, exclude, non_default_only=True)}"]
    bad = not_ok_text(runs)
    if bad:
        lines.append(bad + " — excluded from the statistics")
    included = sum(1 for r in runs if r.message == INCLUDED_MARK)
    if included:
        lines.append(f"{included} runs stopped at their time or iteration limit are included "
                     "(their fitted model's metric; the spec's include)")
    lines.append(stat_text)
    return lines


def finish(fig, title, lines, out_dir, stem, figure, runs=(), names=None, data=()):
    """Saves the figure as PNG and SVG with its data beside it
    (figures/<sweep>/<stem>.csv: series, x, n, value, low, high), its caption
    (`lines`) and, for the collapsed details, the complete configuration."""
    fig.suptitle(title, fontsize=11, fontweight="bold")
    wrapped = "\n".join(textwrap.fill(line, 110) for line in lines)
    fig.text(0.01, -0.02, wrapped, fontsize=7.5, va="top", ha="left", color="#333333")
    rel_dir = os.path.join("figures", slug(figure.sweep))
    os.makedirs(os.path.join(out_dir, rel_dir), exist_ok=True)
    paths = []
    for ext in ("png", "svg"):
        rel = os.path.join(rel_dir, f"{stem}.{ext}")
        fig.savefig(os.path.join(out_dir, rel), dpi=120, bbox_inches="tight")
        paths.append(rel)
    plt.close(fig)
    rel = os.path.join(rel_dir, f"{stem}.csv")
    with open(os.path.join(out_dir, rel), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["series", "x", "n", "value", "low", "high"])
        for row in data:
            w.writerow([row[0], fmt_value(row[1])] + [fmt_num(v, 6) if isinstance(v, float) else v
                                                     for v in row[2:]])
    paths.append(rel)
    figure.files = paths
    figure.title = title
    figure.caption = " · ".join(lines)
    figure.details = fixed_text(runs, names) if names else ""


def x_positions(values):
    """Numeric axis for the values; categorical (0, 1, ...) when any is not a number."""
    ordered = sort_values(list(values))
    if is_numeric(ordered):
        return ordered, {v: float(v) for v in ordered}, False
    return ordered, {v: float(i) for i, v in enumerate(ordered)}, True


def draw_line(figure, runs, spec, names, out_dir, scaling=False):
    x = spec["x"]
    metric = spec["metric"]
    logx = bool(spec.get("logx", scaling))
    logy = bool(spec.get("logy", scaling))
    keys = varying_keys(runs)
    ties = [k for k in keys if k != x and tied(runs, x, k)]
    split = series_keys(runs, [x])
    groups = group_series(runs, split, names)
    all_x, pos, categorical = x_positions({r.params[x] for r in runs})
    if categorical and (logx or scaling):
        figure.error = f"{names(x)} is not numeric; cannot draw it on a log axis"
        return
    # A log x axis cannot place x <= 0 (tau = 0, a baseline): those values are
    # left out of the figure and named in its footer, never squeezed in.
    dropped_x = [v for v in all_x if logx and pos[v] <= 0]
    all_x = [v for v in all_x if v not in dropped_x]
    fig, ax = plt.subplots(figsize=(7.5, 4.6), layout="constrained")
    markers = "osD^vP*Xh<>"
    drew = False
    clipped = False
    values = metric_values(runs, metric)
    rate = is_rate(values) and spec.get("kind") != "advantage"
    bounds = value_bounds(values) if spec.get("kind") != "advantage" else (-math.inf, math.inf)
    data = []
    for i, (label, members) in enumerate(groups):
        bad = not_ok_text(members)
        ok_members = [r for r in members if r.status == OK]
        xs, means, lows, highs, pts_x, pts_y = [], [], [], [], [], []
        for xv in all_x:
            at = [r for r in ok_members if r.params[x] == xv]
            n, m, lo, hi = point_interval(at, metric, rate, bounds)
            if n == 0:
                continue
            data.append((label, xv, n, m, lo, hi))
            xs.append(pos[xv])
            means.append(m)
            lows.append(lo if math.isfinite(lo) else m)
            highs.append(hi if math.isfinite(hi) else m)
            for v in metric_values(at, metric):
                if math.isfinite(v):
                    pts_x.append(pos[xv])
                    pts_y.append(v)
        legend = label + (f" — {bad}" if bad else "")
        color = f"C{i % 10}"
        if not xs:
            reason = f"no ok run has {metric}" if ok_members else "no ok runs"
            ax.plot([], [], color=color,
                    label=f"{label} — {reason}" + (f"; {bad}" if bad else ""))
            continue
        xs_a, m_a = np.array(xs), np.array(means)
        lo_a, hi_a = np.array(lows), np.array(highs)
        if logy:
            positive = m_a > 0
            if not positive.all():
                clipped = True
            xs_a, m_a, lo_a, hi_a = xs_a[positive], m_a[positive], lo_a[positive], hi_a[positive]
            if len(m_a) == 0:
                ax.plot([], [], color=color, label=f"{legend} (no positive means)")
                continue
            if (lo_a <= 0).any():
                clipped = True
                lo_a = np.where(lo_a > 0, lo_a, m_a / 10)
        if scaling:
            fit_x = xs_a > 0
            fit = ""
            if fit_x.sum() >= 2 and len(set(xs_a[fit_x])) >= 2:
                lx, ly = np.log(xs_a[fit_x]), np.log(m_a[fit_x])
                slope, intercept = np.polyfit(lx, ly, 1)
                fit = f" — exponent {slope:.2f}"
                grid = np.linspace(lx.min(), lx.max(), 50)
                ax.plot(np.exp(grid), np.exp(intercept + slope * grid), "--", color=color,
                        linewidth=1, alpha=0.8)
            legend = f"{label}{fit}" + (f" — {bad}" if bad else "")
            ax.plot(xs_a, m_a, marker=markers[i % len(markers)], linestyle="none", color=color,
                    label=legend)
        else:
            ax.plot(xs_a, m_a, marker=markers[i % len(markers)], color=color, label=legend)
        # Error bars rather than bands: with several series, overlapping bands hide each other.
        ax.errorbar(xs_a, m_a, yerr=[np.maximum(m_a - lo_a, 0), np.maximum(hi_a - m_a, 0)],
                    fmt="none", ecolor=color, elinewidth=1, capsize=3, alpha=0.8)
        if pts_x:
            px, py = np.array(pts_x), np.array(pts_y)
            if logy:
                px, py = px[py > 0], py[py > 0]
            ax.scatter(px, py, s=8, color=color, alpha=0.35, linewidths=0)
        drew = True
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    advantage = spec.get("kind") == "advantage"
    if advantage:
        ax.axhline(0.0, color="#888888", linewidth=0.8, linestyle=":")
        ax.set_ylim(-1.05 if metric == "advantage" else -0.05, 1.05)
    if categorical or (logx and len(all_x) <= 12):
        # Ticks at the swept values, written as in the spec (not 4×10⁰).
        ax.set_xticks([pos[v] for v in all_x], [fmt_value(v) for v in all_x])
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    xlabel = names(x) + (f" (with {', '.join(names(k) for k in ties)})" if ties else "")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(metric)
    ax.grid(True, which="both", alpha=0.25)
    if len(groups) > 6:  # a long legend would cover the data: beside the axes instead
        ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    else:
        ax.legend(fontsize=8, loc="best")
    if not drew:
        ax.text(0.5, 0.5, "no ok runs to plot", transform=ax.transAxes, ha="center",
                va="center", color="#a00")
    stat = ADVANTAGE_TEXT if advantage else interval_text(rate, bounds) + "; dots are single runs"
    if scaling:
        stat += "; exponent: least-squares slope of log(mean) on log(" + names(x) + ")"
    if clipped:
        stat += ("; on the log axis, non-positive means are dropped and interval ends ≤ 0 "
                 "drawn at mean/10")
    if dropped_x:
        stat += (f"; {names(x)} = {', '.join(fmt_value(v) for v in dropped_x)} not shown "
                 "(log axis)")
    what = "scaling" if scaling else spec.get("kind", "line")
    title = spec.get("title") or f"{figure.problem}: {metric} vs {names(x)}"
    lines = footer(runs, names, {x, *ties}, stat)
    if advantage:
        fits = int(sum(r.metrics.get("fits", 0) for r in runs))
        lines[1] = f"{len(runs)} experiments, {fits} fits · {revisions_text(runs)}"
    stem = spec.get("name") or (f"{figure.index:02d}-{what}-{metric}-vs-{short_name(x)}-"
                                f"{figure.problem}")
    finish(fig, title, lines, out_dir, slug(stem), figure, runs, names, data)


def draw_phase(figure, runs, spec, names, out_dir):
    x, y = spec["x"], spec["y"]
    metric = spec.get("metric")
    rate = metric is None or metric == "success"
    metric = metric or "success"
    logz = bool(spec.get("logz", False)) and not rate
    keys = varying_keys(runs)
    ties = [k for k in keys if k not in (x, y) and (tied(runs, x, k) or tied(runs, y, k))]
    split = series_keys(runs, [x, y])
    groups = group_series(runs, split, names)
    xs = sort_values(list({r.params[x] for r in runs}))
    ys = sort_values(list({r.params[y] for r in runs}))
    panels, data = [], []
    for label, members in groups:
        grid = np.full((len(ys), len(xs)), np.nan)
        bad = np.zeros((len(ys), len(xs)), dtype=int)
        for j, yv in enumerate(ys):
            for i, xv in enumerate(xs):
                cell = [r for r in members if r.params[x] == xv and r.params[y] == yv]
                bad[j, i] = sum(1 for r in cell if r.status != OK)
                vals = [v for v in metric_values(cell, metric) if math.isfinite(v)]
                if vals:
                    if rate:
                        ones = sum(1 for v in vals if v > 0.5)
                        grid[j, i] = ones / len(vals)
                        data.append((f"{label} {names(y)}={fmt_value(yv)}", xv, len(vals))
                                    + wilson(ones, len(vals)))
                    else:
                        grid[j, i] = sum(vals) / len(vals)
                        data.append((f"{label} {names(y)}={fmt_value(yv)}", xv)
                                    + mean_ci(vals))
        panels.append((label, members, grid, bad))
    cells = sum(p[2].size for p in panels)
    empty = sum(int(np.isnan(p[2]).sum()) for p in panels)
    if cells and empty > cells / 2:
        figure.error = (f"{empty} of its {cells} cells would be empty: {names(x)} and {names(y)} "
                        "are not swept against each other in these runs (choose another y, add a "
                        "`where`, or draw a line figure)")
        return
    finite = np.concatenate([p[2][np.isfinite(p[2])] for p in panels]) if panels else np.array([])
    if rate:
        vmin, vmax = 0.0, 1.0
    elif finite.size:
        vmin, vmax = float(finite.min()), float(finite.max())
    else:
        vmin, vmax = 0.0, 1.0
    norm = None
    if logz:
        pos_vals = finite[finite > 0]
        if pos_vals.size:
            norm = matplotlib.colors.LogNorm(vmin=float(pos_vals.min()), vmax=float(pos_vals.max()))
        else:
            logz = False
    if norm is None:
        if vmin == vmax:
            vmin, vmax = vmin - 0.5, vmax + 0.5
        norm = matplotlib.colors.Normalize(vmin=vmin, vmax=vmax)
    ncols = min(3, max(1, len(panels)))
    nrows = max(1, math.ceil(len(panels) / ncols))
    cw = max(3.2, 0.75 * len(xs) + 1.6)
    ch = max(2.6, 0.5 * len(ys) + 1.4)
    fig, axes = plt.subplots(nrows, ncols, figsize=(cw * ncols + 1.2, ch * nrows + 0.6),
                             squeeze=False, layout="constrained")
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("#dddddd")
    image = None
    any_bad = False
    for p, (label, members, grid, bad) in enumerate(panels):
        ax = axes[p // ncols][p % ncols]
        shown = np.where(grid > 0, grid, np.nan) if logz else grid
        image = ax.imshow(np.ma.masked_invalid(shown), origin="lower", aspect="auto", cmap=cmap,
                          norm=norm)
        for j in range(len(ys)):
            for i in range(len(xs)):
                v = grid[j, i]
                text = "—" if not math.isfinite(v) else (f"{v:.2f}" if rate else f"{v:.3g}")
                if bad[j, i]:
                    any_bad = True
                    text += f"\n({bad[j, i]} not ok)"
                light = math.isfinite(shown[j, i]) and norm(shown[j, i]) < 0.55
                ax.text(i, j, text, ha="center", va="center", fontsize=7.5,
                        color="white" if light else "black")
        ax.set_xticks(range(len(xs)), [fmt_value(v) for v in xs], fontsize=8)
        ax.set_yticks(range(len(ys)), [fmt_value(v) for v in ys], fontsize=8)
        ax.set_xlabel(names(x))
        ax.set_ylabel(names(y))
        bad_text = not_ok_text(members)
        ax.set_title(label + (f"\n{bad_text}" if bad_text else ""), fontsize=8.5)
    for p in range(len(panels), nrows * ncols):
        axes[p // ncols][p % ncols].axis("off")
    if image is not None:
        bar = fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.85,
                           label="success rate" if rate else f"mean {metric}")
        if logz:
            # Plain numbers (0.3, not 3×10⁻¹) on a log colour scale.
            plain = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.3g}")
            bar.ax.yaxis.set_major_formatter(plain)
            bar.ax.yaxis.set_minor_formatter(plain)
    quantity = "success rate" if rate else f"mean {metric}"
    stat = (("success rate: fraction of the ok runs with success = 1" if rate
             else f"cells: mean {metric} over the seeds of the ok runs")
            + "; grey —: no ok run"
            + ("; (k not ok): runs left out of the cell" if any_bad else ""))
    title = spec.get("title") or f"{figure.problem}: {quantity} over {names(x)} × {names(y)}"
    lines = footer(runs, names, {x, y, *ties}, stat)
    if rate:
        lines.append("data: the cells' rates with 95% Wilson score intervals")
    stem = spec.get("name") or (f"{figure.index:02d}-phase-{metric}-{short_name(x)}-"
                                f"{short_name(y)}-{figure.problem}")
    finish(fig, title, lines, out_dir, slug(stem), figure, runs, names, data)

MODEL_FUNCTIONS = {"sqrt": np.sqrt, "log": np.log, "log2": np.log2, "log10": np.log10,
                   "exp": np.exp, "abs": np.abs, "pi": math.pi, "e": math.e}


def locate_threshold(rates, direction):
    """rates: [(y, success rate)] sorted by y. Returns (value, censoring):
    censoring is "" (a threshold between two measured values: their geometric
    mean, or arithmetic if one is not positive), "above" (every value
    succeeds: the threshold lies beyond the largest) or "below" (none does)."""
    good = [r >= 0.5 for _, r in rates]
    ys = [y for y, _ in rates]
    if direction == "above":  # success for y above the threshold: mirror
        good, ys = good[::-1], ys[::-1]
    # The last value, walking away from the easy end, up to which at least
    # half the runs succeed.
    last = -1
    for i, g in enumerate(good):
        if g:
            last = i
        else:
            break
    if last == len(ys) - 1:
        return ys[-1], ("above" if direction == "below" else "below")
    if last < 0:
        return ys[0], ("below" if direction == "below" else "above")
    a, b = ys[last], ys[last + 1]
    return (math.sqrt(a * b) if a > 0 and b > 0 else 0.5 * (a + b)), ""


def fit_model(model, points, lo, hi):
    """Least-squares c on log y for the model over the uncensored points:
    golden-section search after a coarse scan (one free constant)."""
    def residual(c):
        total = 0.0
        for env, y in points:
            v = float(eval(model, {"__builtins__": {}}, {**MODEL_FUNCTIONS, **env, "c": c}))
            if not (v > 0 and math.isfinite(v)):
                return math.inf
            total += (math.log(v) - math.log(y)) ** 2
        return total
    grid = np.linspace(lo, hi, 401)
    values = [residual(c) for c in grid]
    k = int(np.argmin(values))
    a, b = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(80):
        c1, c2 = b - ratio * (b - a), a + ratio * (b - a)
        if residual(c1) < residual(c2):
            b = c2
        else:
            a = c1
    c = 0.5 * (a + b)
    return c, residual(c)


def draw_threshold(figure, runs, spec, names, out_dir):
    x, y = spec["x"], spec["y"]
    metric = spec.get("metric", "success")
    direction = spec.get("direction", "below")
    logx, logy = bool(spec.get("logx", False)), bool(spec.get("logy", True))
    keys = varying_keys(runs)
    ties = [k for k in keys if k not in (x, y) and (tied(runs, x, k) or tied(runs, y, k))]
    split = series_keys(runs, [x, y])
    groups = group_series(runs, split, names)
    fig, ax = plt.subplots(figsize=(7.2, 4.6), layout="constrained")
    fit_points = []
    notes = []
    data = []  # (series, x, values of y tried, threshold, censored side)
    for label, members in groups:
        xs = sort_values(list({r.params[x] for r in members}))
        px, py, cens = [], [], []
        for xv in xs:
            at_x = [r for r in members if values_equal(r.params[x], xv)]
            yvals = sort_values(list({r.params[y] for r in at_x}))
            if logy:
                skipped = [v for v in yvals if not v > 0]
                yvals = [v for v in yvals if v > 0]
                for v in skipped:
                    vals = metric_values([r for r in at_x if values_equal(r.params[y], v)], metric)
                    if vals:
                        notes.append(f"{label}, {names(x)}={fmt_value(xv)}, {names(y)}={fmt_value(v)}: "
                                     f"success {sum(1 for t in vals if t > 0.5)}/{len(vals)}")
            rates = []
            for yv in yvals:
                vals = [t for t in metric_values([r for r in at_x if values_equal(r.params[y], yv)],
                                                 metric) if math.isfinite(t)]
                if vals:
                    rates.append((yv, sum(1 for t in vals if t > 0.5) / len(vals)))
            if not rates:
                continue
            value, censored = locate_threshold(rates, direction)
            data.append((label, xv, len(rates), value, censored or "", ""))
            px.append(float(xv))
            py.append(value)
            cens.append(censored)
            if not censored:
                env = {short_name(k): v for k, v in at_x[0].params.items()
                       if isinstance(v, (int, float)) and not isinstance(v, bool)}
                fit_points.append((env, value))
        if not px:
            continue
        line, = ax.plot(px, py, "-", alpha=0.5)
        color = line.get_color()
        for xv, yv, c in zip(px, py, cens):
            marker = "o" if not c else ("^" if c == "above" else "v")
            ax.plot([xv], [yv], marker, color=color, markersize=7,
                    markerfacecolor=color if not c else "white")
        line.set_label(label)
    fitted = ""
    if spec.get("model") and fit_points:
        lo, hi = spec.get("fit_range", [-10.0, 10.0])
        c, res = fit_model(spec["model"], fit_points, float(lo), float(hi))
        rms = math.sqrt(res / len(fit_points)) if math.isfinite(res) else math.nan
        model_x = sorted({env[short_name(x)] for env, _ in fit_points})
        envs = {}
        for env, _ in fit_points:
            envs.setdefault(env[short_name(x)], env)
        model_y = [float(eval(spec["model"], {"__builtins__": {}},
                              {**MODEL_FUNCTIONS, **envs[v], "c": c})) for v in model_x]
        ax.plot(model_x, model_y, "k--", label=f"model, fitted c = {c:.4g}")
        fitted = (f"model {spec['model']} fitted to {len(fit_points)} located thresholds: "
                  f"c = {c:.4g} (rms error of ln {names(y)}: {rms:.3g})")
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(names(x))
    ax.set_ylabel(f"threshold {names(y)}")
    ax.grid(True, alpha=0.3)
    handles = ax.get_legend_handles_labels()[0]
    if len(handles) > 6:  # a long legend would cover the data: beside the axes instead
        ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    elif handles:
        ax.legend(fontsize=8)
    side = "below" if direction == "below" else "above"
    stat = (f"threshold: between the last {names(y)} (from the easy end) where at least half the "
            f"ok runs have {metric} = 1 and the next value (geometric mean); success expected "
            f"{side} it; hollow ▲/▼: censored (every / no value succeeded)")
    lines = footer(runs, names, {x, y, *ties}, stat)
    if fitted:
        lines.append(fitted)
    if notes:
        lines.append("not on the log axis: " + "; ".join(notes[:12]))
    title = spec.get("title") or f"{figure.problem}: threshold {names(y)} vs {names(x)}"
    stem = spec.get("name") or (f"{figure.index:02d}-threshold-{short_name(y)}-"
                                f"{short_name(x)}-{figure.problem}")
    lines.append("data: value = the located threshold, low = the censored side if any")
    finish(fig, title, lines, out_dir, slug(stem), figure, runs, names, data)


def check_spec(spec, position):
    """Normalises one [report] figure entry; raises ValueError with the reason."""
    if not isinstance(spec, dict):
        raise ValueError(f"[report] figure {position} is not a table")
    kind = spec.get("kind")
    at = f"[report] figure {position} ({kind})"
    if kind not in FIGURE_KINDS:
        raise ValueError(f"[report] figure {position}: kind must be one of "
                         f"{', '.join(FIGURE_KINDS)}, got {kind!r}")
    unknown = sorted(set(spec) - KIND_KEYS[kind])
    if unknown:
        raise ValueError(f"{at}: unknown key(s) {', '.join(unknown)}; "
                         f"expected {', '.join(sorted(KIND_KEYS[kind]))}")
    for key in ("x",) + (("y",) if kind in ("phase", "threshold") else ()):
        if not isinstance(spec.get(key), str):
            raise ValueError(f"{at}: `{key}` (a parameter name) is required")
    for key in ("metric", "problem", "title", "name"):
        if key in spec and not isinstance(spec[key], str):
            raise ValueError(f"{at}: `{key}` must be a string")
    for key in ("logx", "logy", "logz"):
        if key in spec and not isinstance(spec[key], bool):
            raise ValueError(f"{at}: `{key}` must be true or false")
    learner = spec.get("learner")
    if learner is not None and not (isinstance(learner, str) or (
            isinstance(learner, list) and all(isinstance(s, str) for s in learner))):
        raise ValueError(f"{at}: `learner` must be a name or a list of names")
    if "where" in spec and not isinstance(spec["where"], dict):
        raise ValueError(f"{at}: `where` must be a table of parameter = value")
    include = spec.get("include", ["ok"])
    if not (isinstance(include, list) and "ok" in include and
            all(s in INCLUDABLE for s in include)):
        raise ValueError(f"{at}: `include` must be a list of outcomes from "
                         f"{', '.join(INCLUDABLE)}, with ok")
    if kind == "threshold":
        if spec.get("direction", "below") not in ("below", "above"):
            raise ValueError(f"{at}: `direction` must be \"below\" or \"above\"")
        if "model" in spec and not isinstance(spec["model"], str):
            raise ValueError(f"{at}: `model` must be a Python expression (a string)")
        fr = spec.get("fit_range", [-10.0, 10.0])
        if not (isinstance(fr, list) and len(fr) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in fr) and fr[0] < fr[1]):
            raise ValueError(f"{at}: `fit_range` must be [lo, hi] with lo < hi")
    checked = dict(spec)
    checked["_origin"] = f"[report] figure {position}"
    return checked


def default_specs(runs, metrics_present, experiments=()):
    """Figures for a sweep without [report] figures (see the module docstring);
    with distinguishing experiments, their advantage against each parameter
    that varies among them, and nothing else."""
    if experiments:
        keys, _ = independent_keys(experiments, varying_keys(experiments))
        return [{"kind": "advantage", "x": k} for k in keys]
    specs = []
    metric = next((m for m in DEFAULT_METRICS if m in metrics_present), None)
    keys, _ = independent_keys(runs, varying_keys(runs))
    numeric = lambda k: is_numeric([r.params[k] for r in runs if k in r.params])
    for k in keys:
        if metric is None:
            break
        values = sorted({r.params[k] for r in runs if k in r.params}) if numeric(k) else []
        wide = bool(values) and values[0] > 0 and values[-1] / values[0] >= 8
        specs.append({"kind": "line", "x": k, "metric": metric, "logx": wide,
                      "logy": metric in ("nmse", "mse") and wide})
    size = next((resolve_param(s, keys) for s in SIZE_PARAMS
                 if resolve_param(s, keys) and numeric(resolve_param(s, keys))), None)
    if size and "seconds" in metrics_present:
        specs.append({"kind": "scaling", "x": size, "metric": "seconds"})
    if "success" in metrics_present and len(keys) >= 2:
        specs.append({"kind": "phase", "x": keys[0], "y": keys[1]})
    return specs


def spec_errors(report):
    """Every problem of one sweep's [report] section, one message each: what
    `hardnets sweep` checks when it plans the sweep (`--check-spec`), so that a
    mistake is refused before the runs are paid for."""
    if not isinstance(report, dict):
        return ["[report] must be a table"]
    errors = []
    unknown = sorted(set(report) - {"figures", "defaults"})
    if unknown:
        errors.append(f"[report] has unknown key(s) {', '.join(unknown)}; "
                      "expected figures, defaults")
    if "defaults" in report and not isinstance(report["defaults"], bool):
        errors.append("[report] defaults must be true or false")
    entries = report.get("figures")
    if entries is not None and not isinstance(entries, list):
        errors.append("[report] figures must be an array of tables")
        entries = None
    for pos, entry in enumerate(entries or [], start=1):
        try:
            check_spec(entry, pos)
        except ValueError as exc:
            errors.append(str(exc))
    return errors


def figures_for_sweep(sweep, runs, report, out_dir, notes):
    """Draws the sweep's figures; returns the Figure list (with errors for the
    ones that could not be drawn)."""
    entries = report.get("figures") if isinstance(report, dict) else None
    specs = []
    if entries is not None and not isinstance(entries, list):
        notes.append("[report] figures must be an array of tables; drawing the default figures")
        entries = None
    for pos, entry in enumerate(entries or [], start=1):
        try:
            specs.append(check_spec(entry, pos))
        except ValueError as exc:
            notes.append(str(exc))
            warn(f"sweep {sweep}: {exc}")
    unknown = sorted(set(report) - {"figures", "defaults"}) if isinstance(report, dict) else []
    if unknown:
        notes.append(f"[report] has unknown key(s) {', '.join(unknown)}; "
                     "expected figures, defaults")
        warn(f"sweep {sweep}: {notes[-1]}")
    use_defaults = entries is None or bool(report.get("defaults", False))
    figures = []
    index = 0
    problems = list(OrderedDict.fromkeys(r.problem for r in runs))
    for problem in problems:
        prob_runs = [r for r in runs if r.problem == problem]
        metrics_present = {m for r in prob_runs for m in r.metrics}
        experiments = distinguish_experiments(prob_runs)
        todo = [s for s in specs if s.get("problem") in (None, problem)]
        if use_defaults:
            todo += default_specs(prob_runs, metrics_present, experiments)
        for spec in todo:
            index += 1
            figure = Figure(sweep, index, spec, problem)
            figures.append(figure)
            try:
                draw_figure(figure, prob_runs, spec, metrics_present, out_dir, experiments)
            except Exception as exc:  # a figure that fails must not lose the others
                plt.close("all")
                figure.error = f"could not draw: {type(exc).__name__}: {exc}"
            if figure.error:
                warn(f"sweep {sweep}, {spec.get('_origin', 'default figure')} "
                     f"({spec.get('kind')}, {problem}): {figure.error}")
    # A [report] entry that names a parameter or metric none of the sweep's
    # problems has is a mistake in the spec, not a result: the report stops.
    for spec in specs:
        tried = [f for f in figures if f.spec is spec]
        if tried and all(f.spec_error for f in tried):
            raise InputError(f"sweep {sweep}, {spec['_origin']} ({spec['kind']}): "
                             f"{tried[0].error}; fix the spec's [report] section")
    for spec in specs:
        if spec.get("problem") is not None and spec["problem"] not in problems:
            notes.append(f"a {spec['kind']} figure asks for problem {spec['problem']!r}, which "
                         f"this sweep does not have (it has {', '.join(problems) or 'none'})")
    return figures


def counted_as_ok(runs, metric, statuses):
    """The runs with those of the stored `statuses` that record the metric
    counted as ok (a figure's `include = ["ok", "time_limit"]`); the caption's
    footer then says how many (Run.message marks them)."""
    out = []
    for r in runs:
        if r.status in statuses and (metric is None or math.isfinite(
                r.metrics.get(metric, math.nan))):
            copy = Run()
            for slot in Run.__slots__:
                setattr(copy, slot, getattr(r, slot))
            copy.status = OK
            copy.message = INCLUDED_MARK
            out.append(copy)
        else:
            out.append(r)
    return out


def draw_figure(figure, runs, spec, metrics_present, out_dir, experiments=()):
    kind = spec["kind"]
    if kind == "advantage":
        if not experiments:
            figure.error = (f"no distinguishing runs of {figure.problem} in this sweep (a learner "
                            "with distinguish = {...}, or hardnets distinguish --db)")
            return
        runs = list(experiments)
        metrics_present = {m for e in runs for m in e.metrics}
        spec = dict(spec)
        spec.setdefault("metric", "advantage")
    learners = spec.get("learner")
    if learners is not None:
        wanted = [learners] if isinstance(learners, str) else learners
        runs = [r for r in runs if r.learner in wanted]
    keys = param_keys(runs)
    where = {}
    for name, value in (spec.get("where") or {}).items():
        key = resolve_param(name, keys)
        if key is None:
            figure.error = f"`where` names {name!r}, which is not a parameter here"
            figure.spec_error = True
            return
        where[key] = value
    runs = [r for r in runs if matches_where(r, where)]
    if not runs:
        figure.error = "no runs match the figure's filters"
        return
    stored = {INCLUDABLE[o] for o in spec.get("include", ["ok"])} - {OK}
    if stored:
        runs = counted_as_ok(runs, spec.get("metric"), stored)
    spec = dict(spec)
    for axis in ("x", "y") if kind in ("phase", "threshold") else ("x",):
        key = resolve_param(spec[axis], keys)
        if key is None:
            figure.error = (f"{axis} = {spec[axis]!r} is not a parameter of {figure.problem} "
                            f"(have: {', '.join(short_name(k) for k in keys)})")
            figure.spec_error = True
            return
        spec[axis] = key
        runs = [r for r in runs if key in r.params]
    if kind == "scaling":
        spec.setdefault("metric", "seconds")
    elif kind == "line" and "metric" not in spec:
        spec["metric"] = next((m for m in DEFAULT_METRICS if m in metrics_present), "nmse")
    if kind == "threshold":
        spec.setdefault("metric", "success")
    if kind == "phase" and spec.get("metric") is None and "success" not in metrics_present:
        figure.error = (f"{figure.problem} records no `success` metric; give the phase figure "
                        f"a `metric` (one of {', '.join(sorted(metrics_present))})")
        return
    metric = spec.get("metric")
    if metric is not None and metric not in metrics_present and any(r.status == OK for r in runs):
        figure.error = (f"metric {metric!r} is not recorded for {figure.problem} "
                        f"(have: {', '.join(sorted(metrics_present))})")
        figure.spec_error = True
        return
    names = ParamNames(param_keys(runs))
    if kind == "phase":
        draw_phase(figure, runs, spec, names, out_dir)
    elif kind == "threshold":
        draw_threshold(figure, runs, spec, names, out_dir)
    else:
        draw_line(figure, runs, spec, names, out_dir, scaling=(kind == "scaling"))


# -------------------------------------------------------------------- tables


def ordered_metrics(names):
    rank = {m: i for i, m in enumerate(METRIC_ORDER)}
    return sorted(names, key=lambda m: (rank.get(m, len(METRIC_ORDER) - 3.5), m))


def write_runs_csv(path, runs):
    keys = param_keys(runs)
    metrics = ordered_metrics({m for r in runs for m in r.metrics})
    fixed = ["run_id", "created_at", "sweep", "problem", "learner", "seed", "n_train", "n_test",
             "status", "message", "git_revision"]
    param_cols = [k for k in keys if k not in ("n_train", "n_test")]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(fixed + param_cols + [f"metric.{m}" for m in metrics])
        for r in runs:
            w.writerow([r.run_id, r.created_at, r.sweep or "", r.problem, r.learner, r.seed,
                        r.n_train, r.n_test, r.status, r.message, r.revision]
                       + [fmt_value(r.params[k]) if k in r.params else "" for k in param_cols]
                       + [repr(r.metrics[m]) if m in r.metrics else "" for m in metrics])


BINARY = "(binary)"  # the summary stats' entry: the metrics whose values are all 0 or 1


def summarize(runs):
    """One row per (problem, learner, parameter combination): the runs over
    all seeds, with statistics of each metric over the ok ones."""
    groups = OrderedDict()
    for r in runs:
        key = (r.problem, r.learner,
               tuple(sorted((k, json.dumps(v)) for k, v in r.params.items())))
        groups.setdefault(key, []).append(r)
    keys_by_problem = {}
    for problem in OrderedDict.fromkeys(r.problem for r in runs):
        prob_runs = [r for r in runs if r.problem == problem]
        keys_by_problem[problem] = varying_keys(prob_runs)
    param_cols = list(OrderedDict.fromkeys(k for ks in keys_by_problem.values() for k in ks))
    metrics = ordered_metrics({m for r in runs for m in r.metrics})
    rows = []
    for (problem, learner, _), members in groups.items():
        ok = [r for r in members if r.status == OK]
        row = OrderedDict(problem=problem, learner=learner)
        for k in param_cols:
            row[k] = members[0].params.get(k, "") if k in keys_by_problem[problem] else ""
        row["runs"] = len(members)
        row["ok"] = len(ok)
        bad = status_counts(members)
        row["not_ok"] = sum(bad.values())
        row["not_ok_detail"] = "; ".join(f"{n} {s}" for s, n in bad.most_common())
        row["seeds"] = len({r.seed for r in members})
        stats = {BINARY: {m for m in metrics if is_rate(metric_values(members, m))}}
        for m in metrics:
            vals = metric_values(members, m)
            if m == "success":
                finite = [v for v in vals if math.isfinite(v)]
                rate, lo, hi = wilson(sum(1 for v in finite if v > 0.5), len(finite))
                stats[m] = (len(finite), rate, lo, hi)
            else:
                stats[m] = mean_ci(vals)
        rows.append((row, stats))
    return param_cols, metrics, rows


def write_summary_csv(path, param_cols, metrics, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        head = ["problem", "learner"] + param_cols + ["runs", "ok", "not_ok", "not_ok_detail",
                                                      "seeds"]
        for m in metrics:
            stem = "success_rate" if m == "success" else f"{m}_mean"
            head += [stem, f"{m}_ci_low", f"{m}_ci_high", f"{m}_n"]
        w.writerow(head)
        for row, stats in rows:
            line = [fmt_value(v) if v != "" else "" for v in row.values()]
            for m in metrics:
                n, mean, lo, hi = stats[m]
                line += [repr(x) if math.isfinite(x) else "" for x in (mean, lo, hi)] + [n]
            w.writerow(line)


# ---------------------------------------------------------------------- HTML

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.82em; margin: 0.6em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; text-align: right; }
th { background: #f3f3f3; } td.l, th.l { text-align: left; }
tr.bad td { background: #fff4f0; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.85em; color: #444; max-width: 1000px; }
.note { color: #8a3b00; } .empty { font-size: 1.1em; color: #8a3b00; }
.scroll { overflow-x: auto; } code { background: #f5f5f5; padding: 0 0.2em; }
"""

# Counts the images that loaded and measures the widest table, so a headless
# browser (--dump-dom) can check them.
IMAGE_CHECK = """
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var loaded = images.filter(function (img) { return img.complete && img.naturalWidth > 0; });
  document.body.dataset.imagesTotal = String(images.length);
  document.body.dataset.imagesLoaded = String(loaded.length);
  document.body.dataset.imagesFailed = String(images.length - loaded.length);
  // The widest table, in CSS pixels: a table wider than the window does not fit.
  var widest = 0;
  Array.prototype.forEach.call(document.querySelectorAll("table"), function (t) {
    widest = Math.max(widest, t.scrollWidth);
  });
  document.body.dataset.tablesWidest = String(widest);
  document.body.dataset.windowWidth = String(window.innerWidth);
});
"""


def esc(text):
    return html.escape(str(text), quote=True)


def href(rel):
    return urllib.parse.quote(rel.replace(os.sep, "/"))


def provenance_html(runs, meta, db_path):
    out = ["<table>",
           f"<tr><th class=l>database</th><td class=l><code>{esc(db_path)}</code></td></tr>"]
    for key in ("created_by", "created_at", "schema_version"):
        if key in meta:
            out.append(f"<tr><th class=l>{esc(key)}</th><td class=l>{esc(meta[key])}</td></tr>")
    builds = Counter()
    for r in runs:
        p = r.provenance
        builds[(str(p.get("hardnets_version", "?")), r.revision, str(p.get("compiler", "?")),
                str(p.get("build_type", "?")), str(p.get("hostname", "?")))] += 1
    out.append("</table>")
    if builds:
        out.append("<table><tr><th class=l>hardnets</th><th class=l>git revision</th>"
                   "<th class=l>compiler</th><th class=l>build</th><th class=l>host</th>"
                   "<th>runs</th></tr>")
        for (ver, rev, comp, bt, host), n in builds.most_common():
            out.append(f"<tr><td class=l>{esc(ver)}</td><td class=l><code>{esc(rev)}</code></td>"
                       f"<td class=l>{esc(comp)}</td><td class=l>{esc(bt)}</td>"
                       f"<td class=l>{esc(host)}</td><td>{n}</td></tr>")
        out.append("</table>")
        if len({b[1] for b in builds}) > 1:
            out.append("<p class=note>The runs come from more than one git revision.</p>")
    return "\n".join(out)


def headline_metric(problem, metrics, figures):
    """The metric a problem's summary shows: its first figure's, else success,
    else nmse, else the first one measured."""
    for f in figures:
        if f.problem == problem and not f.error and f.spec.get("metric"):
            return f.spec["metric"]
    for m in ("success", "found", "nmse", "accuracy"):
        if m in metrics:
            return m
    return metrics[0] if metrics else None


def summary_cell(stat, rate):
    """A rate as k/n, a mean as mean ± half its interval."""
    n, mean, lo, hi = stat
    if n == 0 or not math.isfinite(mean):
        return ""
    if rate:
        return f"{round(mean * n)}/{n}"
    if math.isfinite(lo):
        return f"{fmt_num(mean)} ± {fmt_num((hi - lo) / 2, 2)}"
    return fmt_num(mean)


def summary_html(param_cols, metrics, rows, names, figures=()):
    """One table per problem: rows are its varying problem parameters, columns
    its learners (with their varying parameters), cells the headline metric.
    Runs that are not ok are counted in the cell. The flat CSV has every
    metric."""
    out = []
    for problem in OrderedDict.fromkeys(row["problem"] for row, _ in rows):
        mine = [(row, stats) for row, stats in rows if row["problem"] == problem]
        keys = [k for k in param_cols if any(row[k] != "" for row, _ in mine)]
        row_keys = [k for k in keys if not k.startswith("learner.")]
        col_keys = [k for k in keys if k.startswith("learner.")]
        metric = headline_metric(problem, [m for m in metrics if any(s[m][0] for _, s in mine)],
                                 figures)
        if metric is None:
            continue
        rate = all(s[metric][0] == 0 or metric in s[BINARY] for _, s in mine)
        columns = list(OrderedDict.fromkeys(
            (row["learner"],) + tuple(fmt_value(row[k]) for k in col_keys) for row, _ in mine))
        table_rows = list(OrderedDict.fromkeys(tuple(row[k] for k in row_keys) for row, _ in mine))
        cell = {}
        for row, stats in mine:
            col = (row["learner"],) + tuple(fmt_value(row[k]) for k in col_keys)
            text = summary_cell(stats[metric], rate)
            if row["not_ok"]:
                text += f" ({row['not_ok']} not ok)"
            cell[(tuple(row[k] for k in row_keys), col)] = text
        label = "rate (k/n ok runs)" if rate else "mean ± half the 95% interval"
        out.append(f"<h4>{esc(problem)}: {esc(metric)} — {label}</h4>")
        out.append("<div class=scroll><table>")
        head = "".join(f"<th>{esc(names(k))}</th>" for k in row_keys)
        for col in columns:
            extra = ", ".join(f"{names(k)}={v}" for k, v in zip(col_keys, col[1:]))
            head += f"<th>{esc(col[0])}{('<br>' + esc(extra)) if extra else ''}</th>"
        out.append(f"<tr>{head}</tr>")
        for tr in table_rows:
            cells = "".join(f"<td>{esc(fmt_value(v) if v != '' else '')}</td>" for v in tr)
            cells += "".join(f"<td>{esc(cell.get((tr, col), ''))}</td>" for col in columns)
            out.append(f"<tr>{cells}</tr>")
        out.append("</table></div>")
    return "\n".join(out)


def page_head(title):
    """The opening of every page: its title, the style and the load check."""
    return ["<!DOCTYPE html>", "<html lang=en><head><meta charset=utf-8>",
            "<meta name=viewport content='width=device-width, initial-scale=1'>",
            f"<title>{esc(title)}</title>", f"<style>{CSS}</style>",
            f"<script>{IMAGE_CHECK}</script>", "</head><body>"]


def figure_html(f, label, anchor=None):
    """A drawn figure: the image, its caption with `label`, links to the SVG,
    PNG and data, and the complete configuration collapsed."""
    png, svg, data = f.files
    ident = f" id='{esc(anchor)}'" if anchor else ""
    return (f"<figure{ident}><img src='{href(png)}' alt='{esc(f.title)}'>"
            f"<figcaption><b>{esc(label)}.</b> {esc(f.title)}. {esc(f.caption)}. "
            f"<a href='{href(svg)}'>SVG</a> · <a href='{href(png)}'>PNG</a> · "
            f"<a href='{href(data)}'>data (CSV)</a>"
            f"<details><summary>configuration</summary>fixed: {esc(f.details)}"
            "</details></figcaption></figure>")


def range_text(values):
    values = sort_values(list(values))
    if len(values) == 1:
        return fmt_value(values[0])
    if is_numeric(values):
        return f"{fmt_value(values[0])}…{fmt_value(values[-1])}"
    return ", ".join(fmt_value(v) for v in values)


def verdict_lines(paper, runs):
    """One line per problem of the paper in the database: its sizes and, per
    learner, the headline metric over the ok runs (k/n for a rate, the range
    of the values otherwise) — computed from the runs, nothing else."""
    lines = []
    for problem in paper["problems"]:
        mine = [r for r in runs if r.problem == problem]
        if not mine:
            continue
        present = {m for r in mine for m in r.metrics}
        metric = next((m for m in ("success", "found", "nmse", "accuracy") if m in present),
                      None)
        keys = [k for k in varying_keys(mine) if k.startswith("problem.") or k == "n_train"]
        sizes = ", ".join(f"{short_name(k)} = {range_text({r.params[k] for r in mine if k in r.params})}"
                          for k in keys)
        parts = []
        for learner in OrderedDict.fromkeys(r.learner for r in mine):
            theirs = [r for r in mine if r.learner == learner]
            bad = not_ok_text(theirs)
            vals = finite(metric_values(theirs, metric)) if metric else []
            if not vals:
                parts.append(f"{learner}: no ok run" + (f" ({bad})" if bad else ""))
            elif is_rate(vals):
                parts.append(f"{learner}: {metric} {int(sum(vals))}/{len(vals)} ok runs"
                             + (f" ({bad})" if bad else ""))
            else:
                parts.append(f"{learner}: {metric} {fmt_num(min(vals))} to {fmt_num(max(vals))}"
                             + (f" ({bad})" if bad else ""))
        lines.append(f"{problem} ({len(mine)} runs" + (f"; {sizes}" if sizes else "") + "): "
                     + "; ".join(parts))
    return lines


def references_html(runs):
    """What the section's problems and learners cite (DEFAULTS["references"]),
    collapsed: cite the works behind what you ran."""
    refs = DEFAULTS.get("references", {})
    names = list(OrderedDict.fromkeys([r.problem for r in runs] + [r.learner for r in runs]))
    items = []
    for name in names:
        for ref in refs.get(name, []):
            items.append(f"<li><code>{esc(name)}</code> — {esc(ref['what'])}: "
                         f"{esc(ref['citation'])}</li>")
    if not items:
        return ""
    return ("<details><summary>References: what these problems and learners follow "
            "(BibTeX: <code>hardnets cite --bibtex</code>)</summary><ul>" + "".join(items)
            + "</ul></details>")


def write_paper_pages(out_dir, runs, sections):
    """paper-<key>.html for every paper (DEFAULTS["papers"]) with runs of its
    problems: the claim and citation, the verdict computed from the runs, the
    figures drawn for its problems, and what the lab cannot reach. Returns
    [(citation, file)] for the index."""
    pages = []
    for paper in DEFAULTS.get("papers", []):
        if not any(r.problem in paper["problems"] for r in runs):
            continue
        name = f"paper-{slug(paper['key'])}.html"
        parts = page_head(paper["citation"]) + [
                 "<p><a href='index.html'>← the report</a></p>",
                 f"<h1>{esc(paper['citation'])}</h1>",
                 f"<h2>The claim</h2><p>{esc(paper['claim'])}</p>",
                 "<h2>What the lab measured</h2><p>Computed from the runs in this database: "
                 "per problem, its sizes and each learner's headline metric over the ok runs "
                 "(k/n for a rate, else the range of the values).</p><ul>"]
        parts += [f"<li>{esc(line)}</li>" for line in verdict_lines(paper, runs)]
        parts.append("</ul>")
        for s in sections:
            for f in s["figures"]:
                if f.error or f.problem not in paper["problems"]:
                    continue
                parts.append(figure_html(f, f"{s['title']}, figure {f.index}"))
        parts.append(f"<h2>What this scale does not reach</h2><p>{esc(paper['limits'])}</p>")
        parts.append("</body></html>")
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write("\n".join(parts) + "\n")
        pages.append((paper["citation"], name))
    return pages


def write_html(path, db_path, meta, runs, sections, papers=()):
    parts = page_head(f"hardnets report: {os.path.basename(db_path)}") + [
             f"<h1>hardnets report: {esc(os.path.basename(db_path))}</h1>",
             f"<p>Database <code>{esc(os.path.abspath(db_path))}</code>: {len(runs)} runs"
             + (f", {esc(not_ok_text(runs))}" if not_ok_text(runs) else "")
             + ". All runs: <a href='tables/runs.csv'>tables/runs.csv</a>.</p>"]
    if os.path.exists(os.path.join(os.path.dirname(path), "scoreboard.html")):
        parts.append("<p>Runs on the challenge suite's levels: "
                     "<a href='scoreboard.html'>the scoreboard</a>.</p>")
    if not runs:
        parts.append("<p class=empty>The database holds no runs: nothing to draw. Run "
                     "<code>hardnets sweep SPEC --db FILE</code> to fill it.</p>")
    elif not any(r.status == OK for r in runs):
        parts.append(f"<p class=empty>None of the {len(runs)} runs is ok "
                     f"({esc(not_ok_text(runs))}): no means to plot; the tables below count "
                     "them.</p>")
    parts.append("<p>Statistics: " + esc(CI_TEXT) + "; " + esc(WILSON_TEXT)
                 + ". Runs that are not ok are excluded from the statistics and counted.</p>")
    if papers:
        parts.append("<h2 id=papers>Papers</h2><p>A page per paper whose problems these runs "
                     "cover: its claim, the lab's verdict from these runs, its figures.</p><ul>"
                     + "".join(f"<li><a href='{href(f)}'>{esc(c)}</a></li>" for c, f in papers)
                     + "</ul>")
    parts.append("<h2 id=provenance>Provenance</h2>")
    parts.append(provenance_html(runs, meta, db_path))
    if sections:
        parts.append("<h2 id=sweeps>Sweeps</h2>")
        parts.append("<ul>" + "".join(f"<li><a href='#{esc(s['anchor'])}'>{esc(s['title'])}</a>"
                                      f" ({s['nruns']} runs)</li>" for s in sections) + "</ul>")
    for s in sections:
        parts.append(f"<h2 id='{esc(s['anchor'])}'>{esc(s['title'])}</h2>")
        parts.append(s["intro"])
        for note in s["notes"]:
            parts.append(f"<p class=note>{esc(note)}</p>")
        for f in s["figures"]:
            if f.error:
                origin = f.spec.get("_origin", "default figure")
                parts.append(f"<p class=note>Not drawn: {esc(origin)} ({esc(f.spec.get('kind'))}, "
                             f"{esc(f.problem)}): {esc(f.error)}</p>")
                continue
            parts.append(figure_html(f, f"Figure {f.index}", f"{s['anchor']}-fig{f.index}"))
        if s["experiments"]:
            parts.append("<h3>Distinguishing experiments</h3>")
            parts.append(f"<p>One row per experiment: {esc(ADVANTAGE_TEXT)}. CSV: "
                         f"<a href='{href(s['experiments_csv'])}'>{esc(s['experiments_csv'])}"
                         "</a>.</p>")
            parts.append(s["experiments"])
        parts.append("<h3>Summary</h3>")
        parts.append(f"<p>One row per problem, learner and parameter setting, over the seeds. "
                     f"CSV: <a href='{href(s['csv'])}'>{esc(s['csv'])}</a>.</p>")
        parts.append(s["table"])
    parts.append("</body></html>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts) + "\n")


# ---------------------------------------------------------------------- main


def build(db_path, out_dir):
    con = open_db(db_path)
    try:
        meta, runs = load(con)
    except sqlite3.DatabaseError as exc:
        raise InputError(f"cannot read {db_path}: {exc}") from None
    finally:
        con.close()
    readable = [str(v) for v in DEFAULTS.get("schema_versions", [])]
    if readable and meta.get("schema_version") not in readable:
        raise InputError(f"{db_path} has schema version {meta.get('schema_version', 'none')}; "
                         f"this hardnets reads versions {', '.join(readable)}: report it with "
                         "the hardnets that wrote it")
    if not runs:
        raise InputError(f"{db_path} holds no runs: nothing to report (run a sweep, or "
                         "`hardnets run ... --db`, into it first)")
    os.makedirs(os.path.join(out_dir, "tables"), exist_ok=True)
    write_runs_csv(os.path.join(out_dir, "tables", "runs.csv"), runs)

    sweep_names = list(OrderedDict.fromkeys(r.sweep for r in runs))
    # A sweep whose [report] was stored but none of whose runs finished still gets a section.
    for key in meta:
        if key.startswith("report:") and key[len("report:"):] not in sweep_names:
            sweep_names.append(key[len("report:"):])
    sections = []
    used_slugs = set()
    nfigures = 0
    for sweep in sweep_names:
        sweep_runs = [r for r in runs if r.sweep == sweep]
        title = f"Sweep {sweep}" if sweep is not None else "Runs outside any sweep"
        base = slug(sweep) if sweep is not None else "no-sweep"
        anchor = base
        n = 2
        while anchor in used_slugs:
            anchor = f"{base}-{n}"
            n += 1
        used_slugs.add(anchor)
        notes = []
        report = {}
        if sweep is not None and f"report:{sweep}" in meta:
            try:
                report = json.loads(meta[f"report:{sweep}"])
            except ValueError:
                notes.append("the stored [report] section is not valid JSON; drawing the defaults")
            if not isinstance(report, dict):
                report = {}
        intro = [f"<p>{len(sweep_runs)} runs"]
        if sweep_runs:
            problems = ", ".join(OrderedDict.fromkeys(r.problem for r in sweep_runs))
            learners = ", ".join(OrderedDict.fromkeys(r.learner for r in sweep_runs))
            intro.append(f"; problems: {esc(problems)}; learners: {esc(learners)}"
                         f"; {esc(seeds_text(sweep_runs))}; {esc(revisions_text(sweep_runs))}")
            if not_ok_text(sweep_runs):
                intro.append(f"; <b>{esc(not_ok_text(sweep_runs))}</b>")
        if sweep is not None and f"spec:{sweep}" in meta:
            intro.append(f"; spec <code>{esc(meta['spec:' + sweep])}</code>")
        intro.append(".</p>")
        intro.append(references_html(sweep_runs))
        figures = []
        if not sweep_runs:
            notes.append("No runs of this sweep are stored.")
        elif not any(r.status == OK for r in sweep_runs):
            notes.append(f"No run of this sweep is ok ({not_ok_text(sweep_runs)}): nothing to "
                         "plot. The summary below counts the runs.")
        else:
            stored_report = report if (sweep is not None) else {}
            figures = figures_for_sweep(anchor, sweep_runs, stored_report, out_dir, notes)
            nfigures += sum(1 for f in figures if not f.error)
            if not figures and not notes:
                notes.append("No parameter varies across these runs, so there is nothing to plot "
                             "against; the summary below has their statistics.")
        param_cols, metrics, rows = summarize(sweep_runs)
        names = ParamNames(param_cols)
        csv_rel = os.path.join("tables", f"summary-{anchor}.csv")
        write_summary_csv(os.path.join(out_dir, csv_rel), param_cols, metrics, rows)
        experiments = distinguish_experiments(sweep_runs)
        experiments_csv = os.path.join("tables", f"distinguish-{anchor}.csv")
        if experiments:
            write_experiments_csv(os.path.join(out_dir, experiments_csv), experiments)
        sections.append({
            "experiments": experiments_html(experiments) if experiments else "",
            "experiments_csv": experiments_csv,
            "title": title, "anchor": anchor, "nruns": len(sweep_runs), "intro": "".join(intro),
            "notes": notes, "figures": figures, "csv": csv_rel,
            "table": summary_html(param_cols, metrics, rows, names, figures) if rows else
                     "<p>No runs.</p>",
        })
    papers = write_paper_pages(out_dir, runs, sections)
    index = os.path.join(out_dir, "index.html")
    write_html(index, db_path, meta, runs, sections, papers)
    return index, len(runs), nfigures


def main(argv):
    parser = argparse.ArgumentParser(prog="hardnets report", description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="the results database (read-only)")
    parser.add_argument("--out", help="the folder to write the report into")
    parser.add_argument("--defaults", metavar="FILE",
                        help="declared parameter defaults (JSON), for the captions")
    parser.add_argument("--check-spec", metavar="FILE",
                        help="only check a [report] section (JSON): its errors, one a line")
    args = parser.parse_args(argv)
    if args.check_spec:
        with open(args.check_spec, encoding="utf-8") as f:
            errors = spec_errors(json.load(f))
        for error in errors:
            sys.stderr.write(error + "\n")
        return 1 if errors else 0
    if not args.db or not args.out:
        parser.error("--db and --out are required")
    if args.defaults:
        with open(args.defaults, encoding="utf-8") as f:
            DEFAULTS.update(json.load(f))
    try:
        if os.path.exists(args.out) and not os.path.isdir(args.out):
            raise InputError(f"--out {args.out} exists and is not a folder")
        try:
            os.makedirs(args.out, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the output folder {args.out}: "
                             f"{exc.strerror}") from None
        index, nruns, nfigures = build(args.db, args.out)
    except InputError as exc:
        sys.stderr.write(f"report: {exc}\n")
        return 2
    print(f"report: {nruns} runs, {nfigures} figures")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
