"""How long a person waits for the command line: help, `list`, bad input, and `report` on a real store.

Each command runs as a user runs it, a fresh `python -m harness.cli` process (interpreter start-up
included), 5 rounds; the benchmark's median is the figure the README states (goal: < 1 s for help,
list and bad input; < 3 s for report). The load average at the start travels in extra_info.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.benchmark_suite

ROOT = Path(__file__).resolve().parents[1]
FAST = {"help": ["--help"], "list": ["list"], "run-help": ["run", "--help"], "misspelled-suite": ["run", "bn-waltime"],
        "bad-scale": ["run", "bn-walltime", "--scale", "cii"], "bad-activation": ["train", "--activation", "rleu"]}


def cli(args: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)


@pytest.mark.parametrize("name", list(FAST))
def test_bench_cli_answers_at_once(benchmark, name):
    benchmark.extra_info["load_average_1min"] = os.getloadavg()[0]
    result = benchmark.pedantic(cli, args=(FAST[name],), rounds=5, iterations=1, warmup_rounds=1)
    assert result.returncode in (0, 2), result.stderr  # help and list: 0; bad input: 2, one line
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def headline_store(tmp_path_factory) -> Path:
    """The README's first command at CI scale, one seed: a real bn-walltime invocation in a store of its own."""
    folder = tmp_path_factory.mktemp("headline")
    done = cli(["run", "bn-walltime", "--scale", "ci", "--seeds", "1", "--no-progress"], cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder


def test_bench_report(benchmark, headline_store):
    benchmark.extra_info["load_average_1min"] = os.getloadavg()[0]

    def report():
        shutil.rmtree(headline_store / "reports", ignore_errors=True)
        return cli(["report", "bn-walltime"], cwd=headline_store)

    result = benchmark.pedantic(report, rounds=5, iterations=1, warmup_rounds=1)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().splitlines()[-4].startswith("ANSWER to ")
