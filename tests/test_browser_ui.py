"""A real browser on `harness ui`: headless Chromium renders the MLflow UI and finds the suite's runs and the report.

The MLflow UI is a React app, so the test reads the DOM after Chromium has run the page's scripts
(--dump-dom with a virtual-time budget: virtual time waits for pending fetches). It checks what a
person sees: the experiment and run names on the runs page, a child run's page, and the report
rendered in the parent run's artifact view. Skips cleanly where Chromium is not installed.
"""
from __future__ import annotations

import html
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from mlflow.tracking import MlflowClient

from harness.cli.main import main
from harness.report.build import write_report
from harness.store.tracking import Tracker
from tests.stores import stop_group

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_S = 90  # seconds: the MLflow server imports a lot; a shared 2-core machine is slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ui(tiny_store, request, tmp_path_factory):
    """`harness ui` on the test's store (with a report logged), as a person would start it; stopped afterwards."""
    port = _free_port()
    log = tmp_path_factory.mktemp("ui") / "server.log"
    with open(log, "w") as out:
        # A new session, so the server and its workers can be stopped together by process group.
        proc = subprocess.Popen([sys.executable, "-m", "harness.cli.main", "ui", "--tracking-uri", tiny_store,
                                 "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        # Fill the store while the server starts (it reads the store per request, not at start-up).
        uri, suite, parent = request.getfixturevalue("tiny_invocation")
        write_report(Tracker(uri), suite, parent, tmp_path_factory.mktemp("report"))
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"harness ui exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                pytest.fail(f"harness ui did not answer within {SERVER_START_S} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield base, uri, suite, parent
    finally:
        stop_group(proc)


@pytest.fixture(scope="module")
def browse(tmp_path_factory):
    """url -> the visible text of the rendered page; one browser profile, so scripts load from cache after the first page."""
    profile = tmp_path_factory.mktemp("chromium-profile")

    def visible_text(url: str, expect: list[str], budget_ms: int = 20000) -> str:
        # Retries give a slow machine more (virtual) time to render; the assertion is on what finally renders.
        for attempt in range(3):
            proc = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                   f"--virtual-time-budget={budget_ms * (attempt + 1)}", "--dump-dom", url],
                                  capture_output=True, text=True, timeout=180)
            dom = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", proc.stdout, flags=re.S)
            text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", dom)))
            if all(e in text for e in expect):
                break
        return text

    return visible_text


@needs_chromium
def test_runs_page_shows_the_suite_and_its_invocation(ui, browse):
    base, uri, suite, parent = ui
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name(suite.name)
    parent_name = client.get_run(parent).info.run_name
    text = browse(f"{base}/#/experiments/{exp.experiment_id}/runs", [parent_name])
    assert suite.name in text
    assert parent_name in text, text[:2000]
    n_runs = len(client.search_runs([exp.experiment_id]))  # the parent and its 8 children
    assert f"{n_runs} matching runs" in text, text[:2000]


@needs_chromium
def test_a_child_run_page_shows_its_name_params_and_metrics(ui, browse):
    base, uri, suite, parent = ui
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name(suite.name)
    child = client.search_runs([exp.experiment_id], filter_string=f"tags.`mlflow.parentRunId` = '{parent}'",
                               max_results=1)[0]
    text = browse(f"{base}/#/experiments/{exp.experiment_id}/runs/{child.info.run_id}", [child.info.run_name])
    assert child.info.run_name in text, text[:2000]
    for needle in ("median_epoch_time_s", "val/acc", "Parameters", "stop_reason"):
        assert needle in text


@needs_chromium
def test_the_parent_run_shows_the_report_artifact_rendered(ui, browse):
    base, uri, suite, parent = ui
    exp = MlflowClient(uri).get_experiment_by_name(suite.name)
    url = f"{base}/#/experiments/{exp.experiment_id}/runs/{parent}/artifacts/report/report.md"
    expect = ["report.md", "decomposition.png", "Total = epochs x time per epoch"]
    text = browse(url, expect)
    for needle in [*expect, "learning_curves.png", "verdict.json", f"{suite.name}: report on invocation"]:
        assert needle in text, (needle, text[:3000])


@pytest.mark.parametrize("args,needle", [
    (["--port", "70000"], "invalid --port 70000; must be in 1..65535"),
    (["--port", "x"], "--port"),
])
def test_ui_bad_input_is_one_line_exit_2(args, needle, store_uri, capsys):
    assert main(["ui", *args, "--tracking-uri", store_uri]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1, err


def test_ui_refuses_a_missing_store_and_creates_none(tmp_path, capsys):
    db = tmp_path / "none" / "mlflow.db"
    assert main(["ui", "--tracking-uri", f"sqlite:///{db}"]) == 2
    assert "no store at" in capsys.readouterr().err and not db.parent.exists()
