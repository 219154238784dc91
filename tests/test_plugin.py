"""The pytest plugin: fixture harness_suite, its options, readable failures, and the example project through it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

pytest_plugins = ["pytester"]  # the fixture that runs pytest on a made-up project

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = ("-p", "harness.pytest_plugin", "-p", "no:cacheprovider")
SUITE_FILE = "from tests.test_history import SUITE  # a fast measuring suite: activation spread at init\n"
TESTS = '''
from pathlib import Path

SUITE_FILE = Path(__file__).with_name("spread_suite.py")


def test_supported(harness_suite):
    harness_suite(SUITE_FILE).finished().supported("the signal keeps its scale", depth=12)


def test_wrongly_expected_refuted(harness_suite):
    harness_suite(SUITE_FILE).refuted("the signal keeps its scale")


def test_absent_row(harness_suite):
    harness_suite(SUITE_FILE).supported("no such statement")
'''


@pytest.fixture
def project(pytester, _empty_store):
    """A made-up project; the store fixture first imports MLflow's SQL store here, since pytester's in-process runs
    drop the modules first imported inside them and a second run would then import SQLAlchemy's twice."""
    import harness.execute.pipeline  # noqa: F401  (same reason)

    pytester.makepyfile(spread_suite=SUITE_FILE, test_spread=TESTS)
    pytester.syspathinsert(ROOT)
    return pytester


def test_fixture_runs_a_suite_file_and_failures_show_the_verdict_table(project):
    result = project.runpytest_inprocess(*PLUGINS)
    result.assert_outcomes(passed=1, failed=2)
    text = result.stdout.str()
    assert "expected 'the signal keeps its scale' REFUTED, got all: supported" in text  # depth: every run's, unsaid
    assert "no verdict row of 'no such statement'; statements: the signal keeps its scale" in text
    assert "statement" in text and "95% interval" in text and "SUPPORTED" in text  # the table itself


def test_options_choose_seeds_and_store(project, tmp_path):
    store = f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"
    project.makepyfile(test_open='''
def test_three_seeds_cannot_decide(harness_suite):
    harness_suite("spread_suite.py").inconclusive("the signal keeps its scale")
''')
    result = project.runpytest_inprocess(*PLUGINS, "--harness-seeds", "3", "--harness-store", store, "test_open.py")
    result.assert_outcomes(passed=1)
    from mlflow.tracking import MlflowClient

    from harness.store.queries import parent_runs

    assert len(parent_runs(MlflowClient(store), "signal-spread")) == 1


def test_plugin_is_declared_and_imports_nothing_heavy():
    entry = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["pytest11"]
    assert entry == {"harness.pytest_plugin": "harness.pytest_plugin"}
    code = "import sys, harness.pytest_plugin as p; print('torch' in sys.modules, 'mlflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_the_example_project_passes_through_the_plugin():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's harness
    done = subprocess.run([sys.executable, "-m", "pytest", "-q"], cwd=ROOT / "examples" / "my_project",
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "2 passed" in done.stdout


def test_a_failing_claim_shows_its_table_without_lightning_lines_and_the_session_says_where_results_went(tmp_path):
    """A trained suite (the example's) asserted the wrong way: the failure is the verdict table, with none of
    Lightning's INFO lines ('GPU available', tips); the session's end names the store and the report."""
    shutil.copy(ROOT / "examples" / "my_project" / "my_suite.py", tmp_path / "my_suite.py")
    (tmp_path / "test_wrong.py").write_text('''
def test_wrongly_refuted(harness_suite):
    harness_suite("my_suite.py").refuted("a wider net needs fewer epochs")
''')
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", *PLUGINS, "-p", "no:xdist", "--harness-seeds", "6"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    out = done.stdout
    assert done.returncode == 1, out[-3000:] + done.stderr[-3000:]
    assert "expected 'a wider net needs fewer epochs' REFUTED, got" in out and "SUPPORTED" in out
    for noise in ("GPU available", "TPU available", "💡", "LOCAL_RANK", "Trainer("):
        assert noise not in out, noise
    (where,) = [line for line in out.splitlines() if line.startswith("wider-trains-faster (ci scale): store ")]
    report = tmp_path / where.split(", report ")[1]
    assert report.name == "report.html" and report.is_file(), where
    assert "store sqlite:///" in where and "parent run " in where
