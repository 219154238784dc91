"""Local workers: --workers N runs a convergence-only suite's configs in parallel processes, one thread
each, with the same runs and verdict as one at a time; a timing suite is refused, or tagged when allowed."""
from __future__ import annotations

import pytest

from harness.config.run_config import ConfigError
from harness.execute.pipeline import Execution, child_naming, run_suite
from harness.store.queries import load_runs
from harness.store.tracking import Tracker
from harness.train.lifecycle import run_name
from tests.scale_suites import convergence_suite, timing_suite
from tests.stores import copy_store

SUITE = convergence_suite("workers-suite", activations=("relu", "tanh"), seeds=1)  # 4 runs
PER_RUN = ["config_id", "epochs_run", "converged", "final_val_acc", "final_val_loss"]


def verdict_rows(result):
    return [(v.group, v.metric, v.effect, v.low, v.high, v.n, v.outcome) for v in result.verdicts]


def test_two_workers_same_runs_and_verdict_as_one(tmp_path, _empty_store):

    trackers = []
    for name in ("serial", "parallel"):
        (tmp_path / name).mkdir()
        copy_store(_empty_store, tmp_path / name / "mlflow.db")
        trackers.append(Tracker(f"sqlite:///{tmp_path / name / 'mlflow.db'}"))
    serial = run_suite(SUITE, trackers[0], SUITE.configs(), Execution(progress=False, workers=1))
    parallel = run_suite(SUITE, trackers[1], SUITE.configs(), Execution(progress=False, workers=2))
    assert not serial.failures and not parallel.failures
    assert verdict_rows(parallel) == verdict_rows(serial) and verdict_rows(serial)
    a = serial.runs[PER_RUN].sort_values("config_id").reset_index(drop=True)
    b = parallel.runs[PER_RUN].sort_values("config_id").reset_index(drop=True)
    assert len(b) == 4 and a.equals(b)  # one thread per run in either mode: bit-identical figures

    client = trackers[1].client
    runs = load_runs(client, SUITE.name)
    assert len(runs) == 4  # each config ran once, none twice
    for run_id in runs["run_id"]:
        tags = client.get_run(run_id).data.tags
        assert tags["harness.workers"] == "2" and tags["threads"] == "1"
    parent = client.get_run(parallel.parent_run_id)
    assert parent.data.tags["workers"] == "2" and parent.info.status == "FINISHED"
    # worker processes name their runs as the driver does: by the fields the grid varies, in the suite's words
    named = {(r.info.run_name, r.data.tags["config_id"]) for r in map(client.get_run, runs["run_id"])}
    fields, names = child_naming(SUITE, SUITE.configs())
    assert fields == ("activation", "norm")
    grid = [c.resolved() for c in SUITE.configs()]  # as run: the device resolved, so the config_ids recorded
    assert named == {(f"activation {c.activation}, norm {c.norm}, seed {c.seed}", c.config_id) for c in grid}
    assert named == {(run_name(c, fields, names), c.config_id) for c in grid}


def test_timing_suite_is_refused_side_by_side_unless_allowed(tracker):
    suite = timing_suite("workers-timing")
    with pytest.raises(ConfigError, match="judges wall-clock time"):
        run_suite(suite, tracker, suite.configs(), Execution(progress=False, workers=2))
    assert tracker.client.get_experiment_by_name(suite.name) is None  # refused before writing anything

    with pytest.warns(UserWarning, match="timings are not comparable"):
        result = run_suite(suite, tracker, suite.configs(), Execution(progress=False, workers=2, parallel_timing=True))
    client = tracker.client
    assert client.get_run(result.parent_run_id).data.tags["harness.parallel_timing"] == "true"
    for run_id in result.runs["run_id"]:
        assert client.get_run(run_id).data.tags["harness.parallel_timing"] == "true"
