"""ci/store_load.py keeps working: two concurrent writers against the PostgreSQL-backed server and against SQLite,
every recorded run found whole in the store. A smoke run with tiny counts; the figures are the README's, not asserted."""
from __future__ import annotations

import importlib.util

import pytest

from tests.server_fixtures import ROOT

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def store_load():
    spec = importlib.util.spec_from_file_location("store_load", ROOT / "ci" / "store_load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("store", ["server", "sqlite"])
def test_two_writers_lose_nothing(store, store_load, mlflow_server, store_uri):
    row = store_load.cell(mlflow_server.url if store == "server" else store_uri, writers=2, runs=2, epochs=3,
                          max_seconds=120)
    assert row["writers_reported"] == 2 and row["errors"] == 0, row
    assert row["runs"] == row["stored_finished"] == row["stored_whole"] == 4 and row["lost"] == 0, row
    assert 0 < row["p50_s"] <= row["p95_s"] and row["runs_per_s"] > 0
