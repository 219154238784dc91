"""The Ray engine end to end against a local Ray instance on the loopback address: a small grid packed
several runs per task, every run recorded once under one parent, the same verdict as one at a time."""
from __future__ import annotations

import pytest

ray = pytest.importorskip("ray", reason="the optional extra [ray] is not installed")

from harness.config.run_config import ConfigError  # noqa: E402
from harness.execute.pipeline import Execution, run_suite  # noqa: E402
from harness.store.queries import load_runs  # noqa: E402
from tests.scale_suites import convergence_suite, timing_suite  # noqa: E402

SUITE = convergence_suite("ray-suite", activations=("relu",), seeds=2)  # 4 runs


@pytest.fixture(scope="module")
def local_ray():
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1")
    yield
    ray.shutdown()


def test_ray_runs_the_grid_once_each_and_judges_it(local_ray, tracker):
    result = run_suite(SUITE, tracker, SUITE.configs(), Execution(progress=False, engine="ray", pack=2))
    assert not result.failures
    runs = load_runs(tracker.client, SUITE.name)
    assert sorted(runs["config_id"]) == sorted(c.resolved().config_id for c in SUITE.configs())  # each once
    assert set(runs["parent_run_id"]) == {result.parent_run_id}
    for run_id in runs["run_id"]:
        tags = tracker.client.get_run(run_id).data.tags
        assert tags["harness.engine"] == "ray" and tags["threads"] == "1"
    # Ray tasks name their runs as the driver does: by the field the grid varies (activation is fixed here)
    names = {tracker.client.get_run(run_id).info.run_name for run_id in runs["run_id"]}
    assert names == {f"norm {c.norm}, seed {c.seed}" for c in SUITE.configs()}  # as the driver names them (words)
    assert [v.n for v in result.verdicts] == [2]
    # One at a time in this process gives the same per-run figures and verdict.
    serial = run_suite(SUITE, tracker, SUITE.configs(), Execution(progress=False, force=True))
    cols = ["config_id", "epochs_run", "final_val_acc"]
    assert serial.runs[cols].sort_values("config_id").reset_index(drop=True).equals(
        result.runs[cols].sort_values("config_id").reset_index(drop=True))
    assert [v.outcome for v in serial.verdicts] == [v.outcome for v in result.verdicts]


def test_ray_refuses_a_timing_suite(local_ray, tracker):
    suite = timing_suite("ray-timing")
    with pytest.raises(ConfigError, match="judges wall-clock time"):
        run_suite(suite, tracker, suite.configs(), Execution(progress=False, engine="ray"))
