"""Workers that start their first runs at the same moment log the same dataset inputs at once. MLflow stores
a dataset once per experiment (get, else insert): two writers can both miss it and both insert, and the loser
gets a unique-key violation (PostgreSQL: `duplicate key value violates unique constraint "dataset_pk"`;
SQLite: `UNIQUE constraint failed`). That once killed a `--workers 2` worker in CI and left its run KILLED.
Here several writers log one dataset into a fresh experiment together, many times over, on the server and on
SQLite: every log must succeed."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from harness.store.tracking import Tracker

WRITERS, ROUNDS = 4, 3


def _log(tracker: Tracker, run_id: str, barrier: threading.Barrier, errors: list[str]) -> None:
    splits = {"train": np.arange(12.0).reshape(4, 3), "validation": np.ones((2, 3))}
    barrier.wait(timeout=60)
    try:
        tracker.log_dataset(run_id, "toy", "tests:toy", splits)
    except Exception as e:  # noqa: BLE001  (collected; the test fails with it)
        errors.append(f"{type(e).__name__}: {str(e).splitlines()[0][:300]}")


def race(uri: str) -> list[str]:
    """WRITERS threads, each with a tracker of its own (as each worker has), log at a barrier; ROUNDS experiments."""
    trackers = [Tracker(uri) for _ in range(WRITERS)]
    errors: list[str] = []
    for r in range(ROUNDS):
        exp_id = trackers[0].client.create_experiment(f"dataset-race-{r}")
        runs = [t.client.create_run(exp_id).info.run_id for t in trackers]
        barrier = threading.Barrier(WRITERS)
        threads = [threading.Thread(target=_log, args=(t, run_id, barrier, errors)) for t, run_id in zip(trackers, runs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        logged = [len(trackers[0].client.get_run(run_id).inputs.dataset_inputs) for run_id in runs]
        assert logged == [2] * WRITERS or errors, logged  # both splits on every run
    return errors


def test_writers_logging_one_dataset_at_once_all_succeed_on_sqlite(store_uri):
    assert race(store_uri) == []


@pytest.mark.server
def test_writers_logging_one_dataset_at_once_all_succeed_on_the_server(mlflow_server):
    assert race(mlflow_server.url) == []
