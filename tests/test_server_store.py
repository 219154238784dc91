"""A team's store, tested for real: the harness CLI against an `mlflow server` on PostgreSQL (tests/server_fixtures.py).

Local workers, the Ray engine, report and compare, SIGKILL and resume, and a server that goes away
mid-suite, all through the server's HTTP API, with artifacts served by the server. Each test writes
an experiment of its own (tests that stop the server get a server and database of their own).
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
from mlflow.tracking import MlflowClient

from harness.discovery import suites
from tests.scale_suites import convergence_suite
from tests.server_fixtures import ROOT, MlflowServer, cli
from tests.test_crash_safety import runs_by_status_named

pytestmark = pytest.mark.server
SUITE = "bn-saturating"  # convergence only (no timing verdict), so --workers and --engine ray are allowed
SEEDS = 2  # sigmoid x (none, before) x 2 seeds = 4 runs of 8 epochs at --scale ci


def children(client: MlflowClient, parent_run_id: str) -> list:
    exp = client.get_experiment_by_name(SUITE)
    return client.search_runs([exp.experiment_id], f"tags.`mlflow.parentRunId` = '{parent_run_id}'")


def parent_id(out: str) -> str:
    return re.search(r"parent run ([0-9a-f]{32})", out).group(1)  # the full id


CRASH = "server-crash-suite"
CRASH_ARGS = dict(activations=("relu",), seeds=2, max_epochs=8, stop_at_target=False)  # 4 runs of about a second
# The real CLI in its own process, with the crash suite registered beside the shipped ones (as in test_crash_safety).
SCRIPT = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
if __name__ == "__main__":
    from harness.discovery import suites
    from tests.scale_suites import convergence_suite
    suites().register({CRASH!r}, convergence_suite({CRASH!r}, **{CRASH_ARGS!r}))
    from harness.cli.main import main
    sys.exit(main(sys.argv[1:]))
"""


def start_cli(tmp_path, uri: str) -> subprocess.Popen:
    script = tmp_path / "run_suite.py"
    script.write_text(SCRIPT)
    return subprocess.Popen([sys.executable, str(script), "run", CRASH, "--seeds", "2", "--tracking-uri", uri,
                             "--no-progress", "--no-report"],  # the report through the server: its own test below
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def runs_by_status(client: MlflowClient) -> dict[str, list]:
    return runs_by_status_named(client, CRASH) if client.get_experiment_by_name(CRASH) else {}


def wait_mid_run(proc: subprocess.Popen, client: MlflowClient, timeout_s: float = 240) -> None:
    """Until one child run is FINISHED and another is RUNNING with 3+ of its 8 epochs to go."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        runs = runs_by_status(client)
        if runs.get("child:FINISHED") and runs.get("child:RUNNING"):
            if len(client.get_metric_history(runs["child:RUNNING"][0].info.run_id, "train/loss")) <= 5:
                return
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the suite never got mid-run")


@pytest.fixture(scope="module")
def workers_invocation(mlflow_server):
    out = cli("run", SUITE, "--scale", "ci", "--seeds", str(SEEDS), "--workers", "2", "--no-progress", "--no-report",
              "--tracking-uri", mlflow_server.url)  # the report: test_report_and_compare_through_the_server
    assert out.returncode == 0, out.stderr
    return parent_id(out.stdout)


@pytest.fixture(scope="module")
def ray_invocation(mlflow_server, workers_invocation):
    pytest.importorskip("ray", reason="the optional extra [ray] is not installed")
    # --force: the same grid again, on a local Ray instance on 127.0.0.1 whose tasks write to the server.
    out = cli("run", SUITE, "--scale", "ci", "--seeds", str(SEEDS), "--engine", "ray", "--force", "--no-progress",
              "--no-report", "--tracking-uri", mlflow_server.url, env={"RAY_USAGE_STATS_ENABLED": "0", "RAY_ADDRESS": ""})
    assert out.returncode == 0, out.stderr
    return parent_id(out.stdout)


def test_two_workers_write_each_run_once_with_artifacts_served(mlflow_server, workers_invocation):
    client = MlflowClient(mlflow_server.url)
    runs = children(client, workers_invocation)
    expected = sorted(c.resolved().config_id for c in suites().get(SUITE).configs(SEEDS, scale="ci"))
    assert sorted(r.data.tags["config_id"] for r in runs) == expected  # each (config, seed) once
    unfinished = [(r.info.status, r.data.tags.get("stop_reason")) for r in runs if r.info.status != "FINISHED"]
    assert not unfinished, unfinished
    assert {r.data.tags["harness.workers"] for r in runs} == {"2"}
    parent = client.get_run(workers_invocation)
    assert parent.info.status == "FINISHED" and parent.info.artifact_uri.startswith("mlflow-artifacts:")
    # The verdict went through the server's artifact proxy into its --artifacts-destination folder.
    stored = list(mlflow_server.artifacts.rglob(f"{workers_invocation}/artifacts/verdict.txt"))
    assert len(stored) == 1 and stored[0].read_text().startswith("bn-saturating: ")


def test_ray_engine_writes_each_run_once_through_the_server(mlflow_server, ray_invocation):
    client = MlflowClient(mlflow_server.url)
    runs = children(client, ray_invocation)
    assert len(runs) == 2 * SEEDS and len({r.data.tags["config_id"] for r in runs}) == 2 * SEEDS
    assert {r.info.status for r in runs} == {"FINISHED"}
    assert {r.data.tags["harness.engine"] for r in runs} == {"ray"}


def test_report_and_compare_through_the_server(mlflow_server, workers_invocation, ray_invocation, tmp_path):
    out = cli("report", SUITE, "--run", workers_invocation, "--out", str(tmp_path / "report"),
              "--tracking-uri", mlflow_server.url)
    assert out.returncode == 0, out.stderr
    assert "batch norm lets 20-layer sigmoid and tanh nets train" in out.stdout
    assert (tmp_path / "report" / "report.html").is_file()
    logged = MlflowClient(mlflow_server.url).list_artifacts(workers_invocation, "report")
    assert {"report/report.txt", "report/report.md"} <= {a.path for a in logged}
    # Workers and Ray pin one thread per run: the same epochs and accuracies, so convergence is unchanged.
    out = cli("compare", workers_invocation, ray_invocation, "--tracking-uri", mlflow_server.url)
    assert out.returncode == 0, out.stderr
    assert f"convergence: UNCHANGED in all {2 * SEEDS} paired runs" in out.stdout
    assert "verdicts: 0 of 3 changed outcome" in out.stdout
    assert f"({workers_invocation})" in out.stdout and f"({ray_invocation})" in out.stdout


def test_sigkill_mid_suite_then_resume_through_the_server(mlflow_server, tmp_path):
    client = MlflowClient(mlflow_server.url)
    proc = start_cli(tmp_path, mlflow_server.url)
    wait_mid_run(proc, client)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    runs = runs_by_status(client)
    assert len(runs["parent:RUNNING"]) == 1 and len(runs["child:RUNNING"]) == 1  # what SIGKILL leaves behind
    finished_before = {r.info.run_id for r in runs["child:FINISHED"]}
    abandoned = runs["child:RUNNING"][0].info.run_id

    proc = start_cli(tmp_path, mlflow_server.url)
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    assert f"{len(finished_before)} of 4 runs already in the store" in err
    assert_grid_finished_once(client, finished_before)
    assert client.get_run(abandoned).data.tags["stop_reason"] == "abandoned"


def assert_grid_finished_once(client: MlflowClient, finished_before: set[str]) -> None:
    runs = runs_by_status(client)
    assert "child:RUNNING" not in runs and "parent:RUNNING" not in runs and "child:FAILED" not in runs
    finished = [r.data.tags["config_id"] for r in runs["child:FINISHED"]]
    assert sorted(finished) == sorted(c.resolved().config_id for c in convergence_suite(CRASH, **CRASH_ARGS).configs())
    assert finished_before <= {r.info.run_id for r in runs["child:FINISHED"]}  # kept, not redone


@pytest.fixture
def own_server(pg_cluster, tmp_path):
    """A server (and database) of the test's own, which it may stop and start again on the same port."""
    server = MlflowServer(pg_cluster.create_db(f"own_{os.getpid()}_{time.monotonic_ns()}"), tmp_path / "artifacts")
    try:
        yield server.start()
    finally:
        server.stop()


def test_short_outage_is_ridden_out_by_the_clients_retries(own_server, tmp_path, monkeypatch):
    # MLflow retries with back-off 0, 2, 4, 8, 16, 32 s (+jitter): about a minute, more than a restart takes.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "6")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
    client = MlflowClient(own_server.url)
    proc = start_cli(tmp_path, own_server.url)
    wait_mid_run(proc, client)
    own_server.stop()  # SIGTERM: a graceful restart, requests in flight are answered first
    own_server.start()
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    runs = runs_by_status(client)
    assert set(runs) == {"parent:FINISHED", "child:FINISHED"}, err
    assert_grid_finished_once(client, set())


def test_server_gone_mid_suite_is_one_line_then_resume_finishes_the_grid(own_server, tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")  # MLflow would otherwise retry for minutes
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    client = MlflowClient(own_server.url)
    proc = start_cli(tmp_path, own_server.url)
    wait_mid_run(proc, client)
    finished_before = {r.info.run_id for r in runs_by_status(client)["child:FINISHED"]}
    os.killpg(own_server.proc.pid, signal.SIGKILL)  # gone, without a word
    t0 = time.monotonic()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert time.monotonic() - t0 < 60  # one failed request, not one retry loop per clean-up step
    errors = [line for line in err.strip().splitlines() if not line.startswith("running ")]  # the plan line stays
    assert "Traceback" not in err and len(errors) == 1, err
    assert errors[0].startswith(f"harness: error: tracking server {own_server.url} stopped answering"), err
    assert "run the same command again" in err

    own_server.start()  # back, on the same port and database
    runs = runs_by_status(client)
    assert finished_before <= {r.info.run_id for r in runs["child:FINISHED"]}  # finished runs kept
    in_flight = runs["child:RUNNING"]  # could not be written to once the server was gone
    assert len(in_flight) == 1 and len(runs["parent:RUNNING"]) == 1
    proc = start_cli(tmp_path, own_server.url)
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    assert_grid_finished_once(client, finished_before)
    killed = client.get_run(in_flight[0].info.run_id)
    assert killed.info.status == "KILLED" and killed.data.tags["stop_reason"] == "abandoned"
