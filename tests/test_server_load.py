"""ci/store_load.py (benchmarks/store_load.py) keeps working: two concurrent writers against the PostgreSQL-backed
server and against SQLite, every recorded run found whole in the store. A smoke run with tiny counts; the figures are docs/scale.md's, not asserted."""
from __future__ import annotations

import pytest

from benchmarks.store_load import cell

pytestmark = pytest.mark.server


@pytest.mark.parametrize("store", ["server", "sqlite"])
def test_two_writers_lose_nothing(store, mlflow_server, store_uri):
    row = cell(mlflow_server.url if store == "server" else store_uri, writers=2, runs=2, epochs=3, max_seconds=120)
    assert row["writers_reported"] == 2 and row["errors"] == 0, row
    assert row["runs"] == row["stored_finished"] == row["stored_whole"] == 4 and row["lost"] == 0, row
    assert 0 < row["p50_s"] <= row["p95_s"] and row["runs_per_s"] > 0
