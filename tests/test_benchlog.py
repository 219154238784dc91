"""Benchmark reports into MLflow: a real pytest-benchmark JSON, a real store in a temporary folder."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from harness.tools.benchlog import EXPERIMENT, log_report, main
from harness.store.tracking import Tracker

TINY_BENCH = textwrap.dedent('''
    def test_sum(benchmark):
        benchmark.extra_info.update(ratio_median=1.02, device="cpu", note="text is not a metric")
        assert benchmark.pedantic(sum, args=(range(100),), rounds=5, iterations=10) == 4950
''')


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    """A report written by the installed pytest-benchmark itself, so the logger is tested on the real format."""
    folder = tmp_path_factory.mktemp("bench")
    (folder / "test_tiny.py").write_text(TINY_BENCH)
    (folder / "pytest.ini").write_text("[pytest]\n")  # its own rootdir: none of this project's conftest or addopts
    out = folder / "bench.json"
    # Not as an xdist worker: pytest-benchmark turns itself off where it sees xdist's worker variables.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "test_tiny.py", f"--benchmark-json={out}"],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    data["harness"] = {"scale": "quick", "threads": 1}  # what benchmarks/conftest.py adds
    return data


def test_report_becomes_a_parent_with_one_child_per_benchmark(report, tracker: Tracker):
    parent = log_report(report, tracker)
    exp = tracker.client.get_experiment_by_name(EXPERIMENT)
    runs = tracker.client.search_runs([exp.experiment_id])
    children = [r for r in runs if r.info.run_id != parent]
    assert len(children) == 1
    child = children[0]
    assert child.info.status == "FINISHED"
    assert child.data.tags["mlflow.parentRunId"] == parent
    assert child.data.params["name"] == "test_sum"
    stats = report["benchmarks"][0]["stats"]
    assert child.data.metrics["time/median_s"] == pytest.approx(stats["median"])
    assert child.data.metrics["rounds"] == 5 and child.data.metrics["iterations"] == 10
    assert child.data.metrics["extra/ratio_median"] == pytest.approx(1.02)
    assert not any("note" in k for k in child.data.metrics)
    p = tracker.client.get_run(parent)
    assert p.info.status == "FINISHED"
    assert p.data.tags["scale"] == "quick" and p.data.tags["threads"] == "1"
    assert "device" in p.data.tags and "torch_version" in p.data.tags


def test_cli_logs_and_bad_report_writes_nothing(report, tmp_path, store_uri, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(report))
    assert main([str(good), "--tracking-uri", store_uri]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"benchmarks": [{"name": "x"}]}))
    assert main([str(bad), "--tracking-uri", store_uri]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "lacks fullname, stats" in err
    tracker = Tracker(store_uri)
    exp = tracker.client.get_experiment_by_name(EXPERIMENT)
    assert len(tracker.client.search_runs([exp.experiment_id])) == 2  # the good report's parent and child only
