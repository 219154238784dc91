"""A new store is a copy of a migrated empty one (harness.store.template): the same store MLflow would have made, in
milliseconds instead of seconds of migrations."""
from __future__ import annotations

import sqlite3
import time

import pytest
from mlflow.tracking import MlflowClient

from harness.store import template
from harness.store.tracking import Tracker


def contents(path) -> dict:
    """Every table's rows, the Default experiment's creation times left out (a store made later differs there)."""
    with sqlite3.connect(path) as con:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        rows = {t: con.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    rows["experiments"] = [r[:4] + r[6:] for r in rows["experiments"]]  # id, name, location, stage, (times), ...
    return rows


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "harness"


def test_a_seeded_store_is_the_store_mlflow_makes_and_works(tmp_path, cache, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the template is made here, with its Default experiment under elsewhere/mlruns
    assert template.seed(elsewhere / "first.db")
    assert list(cache.glob("mlflow-*-empty.db"))  # kept for the next new store
    monkeypatch.chdir(tmp_path)
    made = tmp_path / "by-mlflow" / "mlflow.db"
    made.parent.mkdir()
    MlflowClient(tracking_uri=f"sqlite:///{made}").search_experiments(max_results=1)
    seeded = tmp_path / "seeded" / "mlflow.db"
    seeded.parent.mkdir()
    assert template.seed(seeded)
    assert contents(seeded) == contents(made)  # Default's artifact location: this folder's mlruns/0 in both
    again = tmp_path / "again" / "mlflow.db"
    again.parent.mkdir()
    started = time.perf_counter()
    assert template.seed(again)
    assert time.perf_counter() - started < 1.0  # a copy (MLflow's migrations take seconds)
    tracker = Tracker(f"sqlite:///{seeded}")
    parent = tracker.start_parent("template-suite", "p", {})
    tracker.client.log_metric(parent, "m", 1.0)
    assert tracker.client.get_run(parent).data.metrics == {"m": 1.0}


def test_an_existing_store_is_never_replaced(tmp_path, cache):
    existing = tmp_path / "mlflow.db"
    existing.write_bytes(b"")
    assert not template.seed(existing)
    assert existing.read_bytes() == b""


@pytest.mark.parametrize("setting", template.MLFLOW_SETTINGS)
def test_mlflow_makes_the_store_itself_where_its_settings_change_what_a_store_holds(tmp_path, cache, monkeypatch,
                                                                                    setting):
    monkeypatch.setenv(setting, "1")
    assert not template.seed(tmp_path / "mlflow.db")
    assert not (tmp_path / "mlflow.db").exists()


def test_an_unwritable_cache_leaves_the_store_to_mlflow(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert not template.seed(tmp_path / "mlflow.db")
    Tracker(f"sqlite:///{tmp_path / 'mlflow.db'}")  # MLflow makes it, as before
    assert (tmp_path / "mlflow.db").exists()
