"""The docs' screenshots (docs/images), taken from a real store: `python -m tests.screenshots SUITE [STORE_URI] [OUT_DIR]`.

Starts `harness ui` on the store, opens in headless Chromium (tests/chromium.py) the suite's runs table with its
newest invocation unfolded, that invocation's parent run page, and its html report in the run's artifacts, and
writes ui-runs-table.png, ui-parent-run.png and html-report.png to OUT_DIR (default docs/images).
"""
from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from mlflow.tracking import MlflowClient

from harness.core.contract import DEFAULT_TRACKING_URI, PARENT, ROLE_TAG
from harness.store.invocations import UI_HOST, UI_PORT, ui_link
from tests.chromium import Browser
from tests.stores import stop_group


def main(suite: str, uri: str = DEFAULT_TRACKING_URI, out: str = "docs/images") -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "harness.cli.main", "ui", "--tracking-uri", uri, "--port",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        for _ in range(180):
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        client = MlflowClient(uri)
        exp = client.get_experiment_by_name(suite)
        parent = client.search_runs([exp.experiment_id], f"tags.`{ROLE_TAG}` = '{PARENT}'",
                                    order_by=["attributes.start_time DESC"])[0]
        link = lambda *a: ui_link(*a).replace(f"http://{UI_HOST}:{UI_PORT}", base)  # noqa: E731
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as profile, Browser(profile, width=1440, height=900) as b:
            b.show(f"{base}/health", ["OK"], timeout=60)
            b.evaluate("localStorage.setItem('mlflow.assistant.panelOpen_v1', 'false');"
                       "localStorage.setItem('mlflow.assistant.fab.autoOpenedOnFirstLoad_v1', 'true')")
            b.show(link(exp.experiment_id), [parent.info.run_name, "matching runs"])
            b.evaluate("document.querySelector('[role=gridcell] button').click()")  # the newest invocation unfolds
            b.show(b.evaluate("location.href"), ["seed 0"])
            b.screenshot(folder / "ui-runs-table.png")
            b.show(link(exp.experiment_id, parent.info.run_id), ["ANSWER to", "Duration", "Child runs"])
            b.screenshot(folder / "ui-parent-run.png")
            artifacts = link(exp.experiment_id, parent.info.run_id).replace(
                "?", "/artifacts/report/report.html?")
            b.show(artifacts, ["report.html"])
            time.sleep(3)  # the report renders in the artifact viewer's frame
            b.screenshot(folder / "html-report.png")
    finally:
        stop_group(server)


if __name__ == "__main__":
    main(*sys.argv[1:])
