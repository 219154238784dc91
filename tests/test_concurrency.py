"""A store that never locks up: a suite run by two worker processes while a client hammers the UI's REST API.

Real parts: `python -m harness.cli.main ui` (the MLflow server) and `python -m harness.cli.main run --workers 2`, each in
its own process, on one SQLite store. Every status write must land: every run FINISHED, none RUNNING, no
"database is locked", no traceback, and every REST search answered.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.stores import stop_group

ROOT = Path(__file__).resolve().parents[1]
NAME = "concurrency-suite"
SUITE_ARGS = dict(activations=("relu", "tanh"), seeds=2, max_epochs=3, stop_at_target=False)  # 8 short runs
SERVER_START_S = 90  # the MLflow server imports a lot; a shared 2-core machine is slow

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"{}")


class Hammer(threading.Thread):
    """Searches every experiment's runs through the REST API, back to back, until stopped."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base, self.stop, self.requests, self.errors = base, threading.Event(), 0, []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                exps = post(f"{self.base}/api/2.0/mlflow/experiments/search", {"max_results": 100})
                ids = [e["experiment_id"] for e in exps.get("experiments", [])]
                if ids:
                    post(f"{self.base}/api/2.0/mlflow/runs/search", {"experiment_ids": ids, "max_results": 500})
                self.requests += 1
            except Exception as e:  # noqa: BLE001 -- any failure is what the test reports
                self.errors.append(repr(e))


@pytest.fixture
def ui(store_uri, tmp_path):
    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "harness.cli.main", "ui", "--tracking-uri", store_uri,
                                 "--port", str(port)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.5)
        yield base, log
    finally:
        stop_group(proc)


def test_two_workers_and_a_rest_client_on_one_store(ui, store_uri, tmp_path):
    base, log = ui
    hammer = Hammer(base)
    hammer.start()
    script = tmp_path / "run_suite.py"
    script.write_text(SCRIPT)
    try:
        # --no-report: the runs' writes beside the REST client are under test; the report has its own tests
        proc = subprocess.run([sys.executable, str(script), "run", NAME, "--seeds", "2", "--workers", "2", "--no-progress",
                               "--no-report", "--tracking-uri", store_uri], cwd=tmp_path, capture_output=True,
                              text=True, timeout=600)
    finally:
        hammer.stop.set()
        hammer.join(timeout=60)
    assert proc.returncode == 0, proc.stderr
    for text in (proc.stderr, log.read_text()):
        assert "Traceback" not in text and "database is locked" not in text, text[-3000:]
    assert hammer.requests > 5 and not hammer.errors, (hammer.requests, hammer.errors[:3])
    client = MlflowClient(store_uri)
    exp = client.get_experiment_by_name(NAME)
    stored = client.search_runs([exp.experiment_id])
    statuses = sorted((r.data.tags.get("harness.role"), r.info.status) for r in stored)
    assert statuses == [("child", "FINISHED")] * 8 + [("parent", "FINISHED")]
