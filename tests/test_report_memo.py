"""`harness run` ends by writing its report, and `harness report` prints it again without MLflow while nothing it
was made from has changed (harness.report.memo); any change to the store, the report's files or the request makes
it from the store again. Real CLI processes on a real store of a shipped suite (bn-saturating at --scale ci)."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from harness.report.memo import Request, store_digest

SUITE = "bn-saturating"
# The CLI in a process of its own, saying afterwards whether MLflow was imported (the memo's whole point).
PROBE = ("import sys; from harness.cli.main import main; code = main(sys.argv[1:]); "
         "print('MLFLOW_IMPORTED' if 'mlflow' in sys.modules else 'MLFLOW_NOT_IMPORTED', file=sys.stderr); "
         "sys.exit(code)")


def harness(cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out


def replayed(out: subprocess.CompletedProcess) -> bool:
    return "MLFLOW_NOT_IMPORTED" in out.stderr


@pytest.fixture(scope="module")
def invocation(tmp_path_factory):
    """`harness run bn-saturating --scale ci --seeds 2` in an empty folder (its default store, mlruns/)."""
    cwd = tmp_path_factory.mktemp("memo")
    out = harness(cwd, "run", SUITE, "--scale", "ci", "--seeds", "2", "--no-progress")
    return cwd, out


def test_run_ends_with_its_report_and_the_first_report_after_it_is_printed_without_mlflow(invocation):
    cwd, run = invocation
    line = next(x for x in run.stdout.splitlines() if x.startswith("report: "))
    html = cwd / line.split("report: ", 1)[1]
    assert html.is_file() and html.parent.name.startswith(f"{SUITE}-")
    assert (html.parent / "forest.png").is_file() and (html.parent / "report.txt").is_file()
    assert run.stdout.rstrip().splitlines()[-1].startswith(("- ", "  "))  # the plain answer stays the last lines
    first = harness(cwd, "report", SUITE)
    assert replayed(first), first.stderr
    assert first.stdout == (html.parent / "report.txt").read_text()  # what `harness report` prints as text
    assert f"files: reports/{html.parent.name} " in first.stderr


def test_a_write_to_the_store_makes_the_report_again_then_it_is_replayed(invocation):
    cwd, _ = invocation
    harness(cwd, "report", SUITE)  # a memo for this request
    db = cwd / "mlruns" / "mlflow.db"
    client = MlflowClient(f"sqlite:///{db}")
    parent = client.search_runs([client.get_experiment_by_name(SUITE).experiment_id],
                                "tags.`harness.role` = 'parent'")[0]
    client.set_tag(parent.info.run_id, "reviewed", "yes")  # any write, even one the report does not show
    again = harness(cwd, "report", SUITE)
    assert not replayed(again)
    assert replayed(harness(cwd, "report", SUITE))  # recorded anew for the store as it is now


def test_a_checkpoint_moves_bytes_but_no_row_so_the_memo_holds(invocation):
    cwd, _ = invocation
    harness(cwd, "report", SUITE)
    db = cwd / "mlruns" / "mlflow.db"
    before = store_digest(db)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
    assert store_digest(db) == before
    assert replayed(harness(cwd, "report", SUITE))


def test_a_report_file_deleted_or_edited_is_written_again(invocation):
    cwd, _ = invocation
    first = harness(cwd, "report", SUITE)
    folder = cwd / first.stderr.split("files: ", 1)[1].split(" (", 1)[0]
    (folder / "forest.png").unlink()
    assert not replayed(again := harness(cwd, "report", SUITE)) and (folder / "forest.png").is_file()
    assert again.stdout == first.stdout
    (folder / "report.txt").write_text("edited")
    assert not replayed(harness(cwd, "report", SUITE))
    assert (folder / "report.txt").read_text() == first.stdout


def test_another_request_is_made_from_the_store_and_remembered_apart(invocation, tmp_path):
    cwd, _ = invocation
    harness(cwd, "report", SUITE)
    md = harness(cwd, "report", SUITE, "--format", "markdown", "--out", str(tmp_path / "md"))
    assert not replayed(md) and md.stdout.startswith(f"### {SUITE}: ")  # the pull-request comment
    assert replayed(harness(cwd, "report", SUITE, "--format", "markdown", "--out", str(tmp_path / "md")))
    assert replayed(harness(cwd, "report", SUITE))  # the text one is still there


def test_no_memo_for_a_server_a_suite_not_shipped_or_when_turned_off(invocation, monkeypatch):
    cwd, _ = invocation
    uri = f"sqlite:///{cwd / 'mlruns' / 'mlflow.db'}"
    assert Request.of(uri, SUITE, None, None, "text") is not None
    assert Request.of("http://127.0.0.1:5000", SUITE, None, None, "text") is None
    assert Request.of(uri, "my_suite.py", None, None, "text") is None
    assert Request.of(uri, "registered-at-run-time", None, None, "text") is None
    monkeypatch.setenv("HARNESS_REPORT_CACHE", "0")
    assert Request.of(uri, SUITE, None, None, "text") is None


def test_a_memo_is_whole_json_naming_the_files_it_vouches_for(invocation):
    cwd, _ = invocation
    harness(cwd, "report", SUITE)
    memos = list(Path(__import__("os").environ["XDG_CACHE_HOME"], "harness", "reports").glob("*.json"))
    assert memos and not list(memos[0].parent.glob("*.tmp"))
    files = {Path(p).name for memo in memos for p in json.loads(memo.read_text())["files"]}
    assert {"report.txt", "report.md", "report.html", "forest.png"} <= files


def test_the_code_digest_covers_the_layer_folders(tmp_path, monkeypatch):
    """A change to harness/judge/*.py (a layer folder, not harness/ itself) is a change of the code a memo was made by."""
    from harness.report import memo

    package, suites = tmp_path / "harness", tmp_path / "suites"
    (package / "judge").mkdir(parents=True)
    suites.mkdir()
    (package / "api.py").write_text("x = 1\n")
    rule = package / "judge" / "rules.py"
    rule.write_text("THRESHOLD = 1.0\n")
    monkeypatch.setattr(memo, "PACKAGE", package)
    monkeypatch.setattr(memo, "suites_dir", lambda: suites)
    before = memo.code_digest()
    rule.write_text("THRESHOLD = 2.0\n")
    assert memo.code_digest() != before
