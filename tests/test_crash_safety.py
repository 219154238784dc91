"""Crash safety with real processes: an exception fails one run and the suite goes on; SIGTERM or Ctrl-C
mid-suite marks the active run and the parent KILLED, keeps every finished run and exits non-zero;
SIGKILL halfway, then a rerun, completes the grid with no run duplicated or lost."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from harness.execute.pipeline import Execution, run_suite
from harness.judge.suite import Suite
from tests.scale_suites import BASE, convergence_suite, judge_epochs, run_with_ctrl_c_in_seed_1

ROOT = Path(__file__).resolve().parents[1]
NAME = "crash-suite"
# 8 runs of about a second each (8 epochs, no early stop), so a signal lands mid-run.
SUITE_ARGS = dict(activations=("relu", "tanh"), seeds=2, max_epochs=8, stop_at_target=False)

# The real CLI (`harness run`) in its own process, with the test suite registered beside the shipped ones.
SCRIPT = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
if __name__ == "__main__":
    from harness.discovery import suites
    from tests.scale_suites import convergence_suite
    suites().register({NAME!r}, convergence_suite({NAME!r}, **{SUITE_ARGS!r}))
    from harness.cli.main import main
    sys.exit(main(sys.argv[1:]))
"""


def start_cli(tmp_path: Path, uri: str, *extra: str) -> subprocess.Popen:
    script = tmp_path / "run_suite.py"
    script.write_text(SCRIPT)
    # --no-report: what a crash leaves in the store is under test here; the report has its own tests (test_report*.py)
    return subprocess.Popen([sys.executable, str(script), "run", NAME, "--tracking-uri", uri, "--no-progress",
                             "--no-report", *extra],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def runs_by_status(client: MlflowClient) -> dict[str, list]:
    exp = client.get_experiment_by_name(NAME)
    out: dict[str, list] = {}
    for run in client.search_runs([exp.experiment_id]) if exp else []:
        role = run.data.tags.get("harness.role")
        out.setdefault(f"{role}:{run.info.status}", []).append(run)
    return out


def wait_mid_run(proc: subprocess.Popen, client: MlflowClient, finished: int, timeout_s: float = 240) -> None:
    """Until `finished` child runs are FINISHED and another one is RUNNING."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        runs = runs_by_status(client)
        if len(runs.get("child:FINISHED", [])) >= finished and runs.get("child:RUNNING"):
            # Early in the run (3+ epochs of 8 to go), so it is still running when the signal lands.
            epochs = len(client.get_metric_history(runs["child:RUNNING"][0].info.run_id, "train/loss"))
            if epochs <= SUITE_ARGS["max_epochs"] - 3:
                return
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the suite never got mid-run")


def test_exception_in_one_run_fails_it_with_traceback_and_suite_goes_on(tracker):
    # batch 4096 exceeds digits' 1437 training examples: that run raises ValueError in data setup.
    suite = Suite(name="one-bad-run", claim="test", source="tests", base=BASE.replace(max_epochs=2),
                  grid={"batch_size": (32, 4096), "norm": ("none", "before")}, seeds=1, judge=lambda runs: [],
                  timing=False)
    result = run_suite(suite, tracker, suite.configs(), Execution(progress=False))
    assert sorted(c.batch_size for c, _ in result.failures) == [4096, 4096]
    assert all(err.startswith("ValueError: batch_size 4096 exceeds") for _, err in result.failures)
    client = tracker.client
    runs = runs_by_status_named(client, suite.name)
    assert len(runs["child:FINISHED"]) == 2 and len(runs["child:FAILED"]) == 2
    for run in runs["child:FAILED"]:
        assert run.data.tags["stop_reason"] == "failed"
        text = Path(client.download_artifacts(run.info.run_id, "traceback.txt")).read_text()
        assert "Traceback" in text and "exceeds" in text
    assert client.get_run(result.parent_run_id).info.status == "FAILED"
    assert len(result.runs) == 2  # the verdict saw the two finished runs


def runs_by_status_named(client, name):
    exp = client.get_experiment_by_name(name)
    out: dict[str, list] = {}
    for run in client.search_runs([exp.experiment_id]):
        out.setdefault(f"{run.data.tags.get('harness.role')}:{run.info.status}", []).append(run)
    return out


@pytest.fixture
def ctrl_c_deliverable():
    """Python's own SIGINT handler, as in an interactive shell: a shell runs background jobs (CI's, for one)
    with SIGINT ignored, where a Ctrl-C could never arrive."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_mid_suite_kills_active_run_keeps_finished_and_propagates(tracker, ctrl_c_deliverable):
    suite = Suite(name="ctrl-c-suite", claim="test", source="tests", base=BASE.replace(max_epochs=4, stop_at_target=False),
                  grid={"norm": ("none", "before")}, seeds=2, judge=judge_epochs, timing=False,
                  run=run_with_ctrl_c_in_seed_1)
    with pytest.raises(KeyboardInterrupt):
        run_suite(suite, tracker, suite.configs(), Execution(progress=False))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Lightning's SIG_IGN undone
    runs = runs_by_status_named(tracker.client, suite.name)
    assert set(runs) == {"parent:KILLED", "child:FINISHED", "child:KILLED"}
    assert sorted(r.data.params["seed"] for r in runs["child:FINISHED"]) == ["0", "0"]
    for run in runs["child:FINISHED"]:
        assert run.data.metrics["epochs_run"] == 4 and run.data.tags["stop_reason"] == "max_epochs"
    (killed,) = runs["child:KILLED"]
    assert killed.data.params["seed"] == "1" and killed.data.tags["stop_reason"] == "interrupted"


def test_sigterm_mid_suite_through_the_cli_exits_143(tmp_path, store_uri):
    client = MlflowClient(store_uri)
    proc = start_cli(tmp_path, store_uri)
    wait_mid_run(proc, client, finished=2)
    finished_before = {r.info.run_id for r in runs_by_status(client)["child:FINISHED"]}
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    assert "interrupted; finished runs are kept" in err
    runs = runs_by_status(client)
    assert "child:RUNNING" not in runs and "parent:RUNNING" not in runs
    assert len(runs["parent:KILLED"]) == 1
    assert finished_before <= {r.info.run_id for r in runs["child:FINISHED"]}
    for run in runs["child:FINISHED"]:  # finished runs are whole: summary metrics present
        assert "final_val_acc" in run.data.metrics and run.data.tags["stop_reason"] == "max_epochs"
    killed = runs["child:KILLED"]
    assert len(killed) == 1 and killed[0].data.tags["stop_reason"] == "interrupted"


def test_sigkill_halfway_then_rerun_completes_without_duplicates(tmp_path, store_uri, monkeypatch):
    client = MlflowClient(store_uri)
    proc = start_cli(tmp_path, store_uri)
    wait_mid_run(proc, client, finished=2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    runs = runs_by_status(client)
    assert len(runs["parent:RUNNING"]) == 1 and len(runs["child:RUNNING"]) == 1  # what SIGKILL leaves behind
    finished_before = {r.data.tags["config_id"]: r.info.run_id for r in runs["child:FINISHED"]}
    abandoned = runs["child:RUNNING"][0].info.run_id

    suite = convergence_suite(NAME, **SUITE_ARGS)
    from harness.store.tracking import Tracker

    monkeypatch.chdir(tmp_path)  # where the command ran: the same code (no git repository), so its runs are reused
    result = run_suite(suite, Tracker(store_uri), suite.configs(), Execution(progress=False))
    runs = runs_by_status(client)
    assert "child:RUNNING" not in runs and "parent:RUNNING" not in runs
    # The abandoned runs are marked, not counted.
    assert client.get_run(abandoned).info.status == "KILLED"
    assert client.get_run(abandoned).data.tags["stop_reason"] == "abandoned"
    # Every (config, seed) finished exactly once; the earlier finished runs were kept, not redone.
    finished = [r.data.tags["config_id"] for r in runs["child:FINISHED"]]
    assert sorted(finished) == sorted(c.resolved().config_id for c in suite.configs())
    assert result.reused == len(finished_before)
    assert set(result.runs["run_id"]) >= set(finished_before.values())
    assert len(result.runs) == 8 and result.verdicts
