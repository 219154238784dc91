"""Fixtures shared by tests/, suites/ and benchmarks/: a real MLflow store in a temporary folder, and tiny configs."""
from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import pytest

from harness.config.run_config import RunConfig
from harness.store.tracking import Tracker
from tests.report_suite import registered, tiny_invocation, tiny_store  # noqa: F401  (report/compare/browser tests share one run)
from tests.server_fixtures import auth_server, mlflow_server, pg_cluster  # noqa: F401  (a real PostgreSQL + mlflow server)
from tests.stores import copy_store
from tests.xdist_groups import group_of, rank

SERIAL_NOTE = ("timing-sensitive tests (marker serial) are left out under xdist: they run alone afterwards, "
               "`python -m pytest -m serial` (the README's test command does both)")


def _under_xdist(config) -> bool:
    return bool(getattr(config.option, "numprocesses", None)) or hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which turns the xdist_group marks into work units
def pytest_collection_modifyitems(config, items):
    """Under xdist: each test into its group (tests/xdist_groups.py), and the timing-sensitive tests (marker serial:
    they assert on wall-clock durations, which another worker's load would move) out, to run alone afterwards."""
    if not _under_xdist(config):
        return
    groups = {}
    for item in items:
        marked = item.get_closest_marker("xdist_group")
        groups[item.nodeid] = marked.args[0] if marked else group_of(item)
        if not marked:
            item.add_marker(pytest.mark.xdist_group(groups[item.nodeid]))
    items.sort(key=lambda item: rank(groups[item.nodeid]))  # stable: the longest groups first, the rest as collected
    if "serial" in (config.option.markexpr or "").replace("not serial", ""):
        return  # asked for by name (-m serial): they run, here
    serial = [item for item in items if item.get_closest_marker("serial")]
    if serial:
        config.hook.pytest_deselected(items=serial)
        items[:] = [item for item in items if not item.get_closest_marker("serial")]


def pytest_report_header(config):
    return SERIAL_NOTE if getattr(config.option, "numprocesses", None) else None


@pytest.fixture(autouse=True)
def _quiet_logs():
    for name in ("pytorch_lightning", "lightning.pytorch", "lightning_fabric", "mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*treespec.*")
    yield


@pytest.fixture(scope="session", autouse=True)
def _report_memos(tmp_path_factory):
    """Report memos (harness.report.memo) in the session's temporary folder, not the user's ~/.cache; set in
    os.environ so that every CLI subprocess inherits it."""
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if saved is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = saved


@pytest.fixture(scope="session")
def _empty_store(tmp_path_factory) -> Path:
    """One migrated, empty SQLite store per session: creating the schema takes seconds, copying it none."""
    path = tmp_path_factory.mktemp("template") / "mlflow.db"
    Tracker(f"sqlite:///{path}")
    return path


@pytest.fixture
def store_uri(tmp_path, _empty_store) -> str:
    """A real, empty MLflow SQLite store of the test's own."""
    path = tmp_path / "mlruns" / "mlflow.db"
    path.parent.mkdir(parents=True)
    copy_store(_empty_store, path)
    return f"sqlite:///{path}"


@pytest.fixture
def tracker(store_uri) -> Tracker:
    return Tracker(store_uri)


@pytest.fixture
def tiny() -> RunConfig:
    """Digits, 2 hidden layers of 16: one epoch takes milliseconds."""
    return RunConfig(dataset="digits", depth=2, width=16, optimizer="adam", lr=0.01, max_epochs=3,
                     target_value=0.5, threads=1)


@pytest.fixture(scope="session")
def ci_suite_run(tmp_path_factory, _empty_store):
    """Runs a suite at a scale (CI by default) into a fresh store of its own, assembled as `harness run` assembles
    it (harness.execute.pipeline.run_invocation): returns (tracker, SuiteResult).

    Once per session (per xdist worker) for each (suite, seeds, scale): the suite's own tests and
    tests/test_every_suite_cli.py read the same invocation (they share an xdist group, so one worker makes it).
    Callers read the store; a test that writes to it works on a copy (tests.stores.copy_store).
    """
    from harness.execute.execution import Execution, Invocation
    from harness.execute.pipeline import run_invocation

    made: dict[tuple, tuple] = {}

    def run(suite, seeds: int | None = None, scale: str = "ci"):
        key = (suite.name, seeds, scale)
        if key not in made:
            db = tmp_path_factory.mktemp(suite.name) / "mlflow.db"
            copy_store(_empty_store, db)
            # project: the store's folder, outside any git repository (no commit recorded), as the folder
            # test_every_suite_cli runs `harness run` in: a run is reused only at the same code (harness.store.resume)
            invocation = Invocation.of(suite, options=Execution(scale=scale, progress=False), seeds=seeds,
                                       store=f"sqlite:///{db}", project=str(db.parent))
            made[key] = run_invocation(suite, invocation)
        return made[key]

    return run
