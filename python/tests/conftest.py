"""Shared fixtures: the module under test, the CLI built next to it, and temp folders.

ctest sets PYTHONPATH to the built module's folder and HARDNETS_CLI to the
`hardnets` binary of the same build (python/CMakeLists.txt), so the tests
compare the module with the very CLI it was built with.
"""
import os
import pathlib
import subprocess

import pytest

import hardnets

SOURCE_DIR = pathlib.Path(os.environ.get("HARDNETS_SOURCE_DIR",
                                         pathlib.Path(__file__).resolve().parents[2]))

# Small parameters for the problems whose defaults would be slow or large;
# every other registered problem is generated with its defaults.
SMALL = {
    "natural_ksat": {"n": 8, "q": 16, "clauses": 64},
    "prg_depth3": {"n": 16},
    "prg_depth2_smoothed": {"n": 16},
    "prg_hyperedge": {"n": 16},
    "sparse_parity": {"n": 16},
}


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("HARDNETS_CLI")
    if not path:
        pytest.fail("HARDNETS_CLI is not set: run the tests through ctest (make test)")
    return path


def run_cli(cli, *args, check=True):
    """Runs the CLI; returns the CompletedProcess (text mode)."""
    proc = subprocess.run([cli, *map(str, args)], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"hardnets {' '.join(map(str, args))} exited {proc.returncode}:\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def cli_params(params):
    """A kwargs dict as the CLI's -p key=value flags."""
    out = []
    for key, value in params.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        out += ["-p", f"{key}={text}"]
    return out
