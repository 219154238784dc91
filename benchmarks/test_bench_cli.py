"""How long a person waits for the command line: help, `list`, bad input, and `report` on a real store.

Each command runs as a user runs it, a fresh `python -m harness.cli.main` process (interpreter start-up
included), 5 rounds (3 at --bench-quick, CI's regression signal); the full run's median is the figure
docs/benchmarks.md states (goal: < 1 s for help, list and bad input; < 3 s for report). The load average at the start travels in extra_info.
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
        "bad-scale": ["run", "bn-walltime", "--scale", "cii"], "bad-activation": ["train", "--activation", "rleu"],
        "workers-for-a-timing-suite": ["run", "bn-walltime", "--workers", "2"]}


def cli(args: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli.main", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)


@pytest.mark.parametrize("name", list(FAST))
def test_bench_cli_answers_at_once(benchmark, bench_scale, name):
    benchmark.extra_info["load_average_1min"] = os.getloadavg()[0]
    result = benchmark.pedantic(cli, args=(FAST[name],), rounds=bench_scale["cli_rounds"], iterations=1,
                                warmup_rounds=bench_scale["cli_warmup"])
    assert result.returncode in (0, 2), result.stderr  # help and list: 0; bad input: 2, one line
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def headline_store(tmp_path_factory) -> tuple[Path, str]:
    """(working folder, tracking URI) of a bn-walltime invocation.

    $HARNESS_BENCH_REPORT_STORE (a tracking URI) names one, e.g. a scratch copy of the main job's store
    (`harness run bn-walltime`, 108 runs; the drawn-plots benchmark writes a metric to it); else docs/benchmarks.md's
    first command at CI scale, one seed (8 runs), is run into a store of its own.
    """
    folder = tmp_path_factory.mktemp("headline")
    uri = os.environ.get("HARNESS_BENCH_REPORT_STORE")
    if uri is None:
        uri = f"sqlite:///{folder}/mlruns/mlflow.db"
        done = cli(["run", "bn-walltime", "--scale", "ci", "--seeds", "1", "--no-progress", "--tracking-uri", uri],
                   cwd=folder)
        assert done.returncode == 0, done.stderr
    return folder, uri


def report(folder: Path, uri: str) -> subprocess.CompletedProcess:
    shutil.rmtree(folder / "reports", ignore_errors=True)  # the files are written anew each time
    return cli(["report", "bn-walltime", "--tracking-uri", uri], cwd=folder)


@pytest.mark.parametrize("plots", ["drawn", "reused", "replayed"])
def test_bench_report(benchmark, bench_scale, headline_store, plots):
    """drawn: the store changed since the plots were attached (a metric more on a judged run), so the report is made
    from the store and every plot drawn again; reused: nothing changed but the report's files were deleted, so it is
    made from the store and the attached PNGs are copied; replayed: nothing changed at all (as after `harness run`,
    which writes the report), so the memo is printed again without MLflow (harness.report.memo)."""
    from harness.store.queries import find_parent, invocation_runs
    from harness.report.build import REUSED_NOTE
    from harness.store.tracking import Tracker

    folder, uri = headline_store
    client = Tracker(uri).client
    parent = find_parent(client, "bn-walltime", None).info.run_id
    judged = invocation_runs(client, "bn-walltime", parent)["run_id"].iloc[0]
    rounds = iter(range(10**6))

    def change_the_store():
        client.log_metric(judged, "bench/round", next(rounds))  # the runs table differs: the digest does
        return (folder, uri), {}

    benchmark.extra_info["load_average_1min"] = os.getloadavg()[0]
    benchmark.extra_info["judged_runs"] = len(invocation_runs(client, "bn-walltime", parent))
    n_rounds, warmup = bench_scale["cli_rounds"], bench_scale["cli_warmup"]
    if plots == "drawn":
        result = benchmark.pedantic(report, setup=change_the_store, rounds=n_rounds, iterations=1, warmup_rounds=warmup)
    elif plots == "reused":
        result = benchmark.pedantic(report, args=(folder, uri), rounds=n_rounds, iterations=1, warmup_rounds=warmup)
    else:
        report(folder, uri)  # the memo of this very request, its files in place
        result = benchmark.pedantic(cli, args=(["report", "bn-walltime", "--tracking-uri", uri],),
                                    kwargs={"cwd": folder}, rounds=n_rounds, iterations=1, warmup_rounds=warmup)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.rstrip().splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("ANSWER to "))  # the answer: the last lines
    assert all(line.startswith(("- ", "  ", "Checks of the implementation")) for line in lines[start + 1:]), lines[start:]
    if plots != "replayed":
        said = " ".join(REUSED_NOTE.split()) in " ".join(result.stdout.split())  # the text wraps to the terminal
        assert said == (plots == "reused")
