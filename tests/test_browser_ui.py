"""A real browser on `harness ui`: headless Chromium renders the MLflow UI and finds what a person looks for.

The MLflow UI is a React app; Chromium is driven over its DevTools pipe (tests/chromium.py), which waits until a
page's visible text shows what is expected. Every link the harness prints (harness.store.invocations.ui_link) opens
the model-training view; the runs table shows the suite's claim and its runs named in its words; a parent run's page
its answer, duration and children; the HTML report its answer, run time, machine and every plot. Each page is
screenshotted ($HARNESS_SCREENSHOTS: into that folder, e.g. docs/images). Skips cleanly where Chromium is not
installed.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from harness.cli.main import main
from harness.judge.subject import KEY_MAX
from harness.report.build import write_report
from harness.store.invocations import UI_HOST, UI_PORT, ui_link
from harness.store.tracking import Tracker
from tests.chromium import CHROMIUM, Browser
from tests.stores import stop_group

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
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
        report = write_report(Tracker(uri), suite, parent, tmp_path_factory.mktemp("report"))
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
        yield base, uri, suite, parent, report
    finally:
        stop_group(proc)


@pytest.fixture(scope="module")
def browser(ui, tmp_path_factory):
    """One headless Chromium on the UI's origin, its assistant panel closed as a person who had closed it once would
    have it (MLflow keeps that in the page's localStorage), so the pages show the harness's content."""
    base = ui[0]
    with Browser(tmp_path_factory.mktemp("chromium-profile"), width=1440, height=1000) as b:
        b.show(f"{base}/health", ["OK"], timeout=60)  # the UI's origin, where its localStorage lives
        b.evaluate("localStorage.setItem('mlflow.assistant.panelOpen_v1', 'false');"
                   "localStorage.setItem('mlflow.assistant.fab.autoOpenedOnFirstLoad_v1', 'true')")
        yield b


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """Where the pages' screenshots go: $HARNESS_SCREENSHOTS (docs/images) or a temporary folder."""
    folder = os.environ.get("HARNESS_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots")
    return Path(folder)


def training_view(text: str) -> bool:
    """Whether a page is in MLflow's model-training view: its sidebar lists Runs and Models, not the GenAI view's
    evaluation pages."""
    return "Models" in text and not any(genai in text for genai in ("Evaluation runs", "Judges", "Sessions"))


@needs_chromium
def test_the_runs_table_opens_in_the_training_view_with_the_claim_and_runs_named_in_words(ui, browser, shots):
    base, uri, suite, parent, _ = ui
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name(suite.name)
    parent_name = client.get_run(parent).info.run_name
    text = browser.show(ui_link(exp.experiment_id).replace(f"http://{UI_HOST}:{UI_PORT}", base),
                        [parent_name, "matching runs", suite.claim])
    assert training_view(text), text[:2000]
    assert suite.claim in text and f"Source: {suite.source}" in text  # the experiment's description
    n_runs = len(client.search_runs([exp.experiment_id]))  # the parent and its 8 children
    assert f"{n_runs} matching runs" in text, text[:2000]
    browser.evaluate("document.querySelector('[role=gridcell] button').click()")  # the parent's children unfold
    children = [r.info.run_name for r in client.search_runs(
        [exp.experiment_id], filter_string=f"tags.`mlflow.parentRunId` = '{parent}'")]
    text = browser.show(browser.evaluate("location.href"), children[:3])
    assert len(set(children)) == len(children) == 8
    for name in children:  # the varying fields in the suite's words, and the seed
        assert re.fullmatch(r"lr (0\.01|1e-06), (BN|no BN), seed [01]", name), name
        assert name in text, (name, text[:2000])
    browser.screenshot(shots / "ui-runs-table.png")


@needs_chromium
def test_a_parent_run_page_says_the_answer_its_duration_and_its_children(ui, browser, shots):
    base, uri, suite, parent, _ = ui
    client = MlflowClient(uri)
    run = client.get_run(parent)
    link = ui_link(run.info.experiment_id, parent).replace(f"http://{UI_HOST}:{UI_PORT}", base)
    text = browser.show(link, [run.info.run_name, "Duration", "ANSWER to"])
    assert training_view(text), text[:2000]
    for needle in ("Description", "ANSWER to", "Finished", "Duration", "Child runs", "lr 0.01, BN, seed 0", "verdict/"):
        assert needle in text, (needle, text[:3000])
    assert all(len(k) <= KEY_MAX for k in run.data.tags if k.startswith("verdict/"))
    browser.screenshot(shots / "ui-parent-run.png")


@needs_chromium
def test_a_child_run_page_shows_its_name_params_and_metrics(ui, browser):
    base, uri, suite, parent, _ = ui
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name(suite.name)
    child = client.search_runs([exp.experiment_id], filter_string=f"tags.`mlflow.parentRunId` = '{parent}'",
                               max_results=1)[0]
    link = ui_link(exp.experiment_id, child.info.run_id).replace(f"http://{UI_HOST}:{UI_PORT}", base)
    text = browser.show(link, [child.info.run_name, "stop_reason"])
    assert child.info.run_name in text and training_view(text), text[:2000]
    for needle in ("median_epoch_time_s", "val/acc", "Parameters", "stop_reason"):
        assert needle in text


@needs_chromium
def test_the_parent_run_shows_the_report_artifact_rendered(ui, browser):
    base, uri, suite, parent, _ = ui
    exp = MlflowClient(uri).get_experiment_by_name(suite.name)
    url = f"{base}/#/experiments/{exp.experiment_id}/runs/{parent}/artifacts/report/report.md?workflowType=machine_learning"
    expect = ["report.md", "decomposition.png", "Total = epochs x time per epoch"]
    text = browser.show(url, expect)
    for needle in [*expect, "learning_curves.png", "verdict.json", f"{suite.name}: report on invocation"]:
        assert needle in text, (needle, text[:3000])


@needs_chromium
def test_the_html_report_says_the_answer_run_time_and_machine_with_every_plot_drawn(ui, browser, shots):
    report = ui[4]
    text = browser.show((report.out_dir / "report.html").resolve().as_uri(), ["Answer", "run time"])
    for needle in ("Answer", "ANSWER to", "run time ", "machine: device ", "Verdicts", "Total = epochs x time per epoch",
                   "Plots", "workflowType=machine_learning"):
        assert needle in text, (needle, text[:3000])
    drawn = browser.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
    assert drawn == [True] * len(report.plots) and len(drawn) == 4, drawn  # every plot embedded and decoded
    browser.screenshot(shots / "html-report.png")


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
