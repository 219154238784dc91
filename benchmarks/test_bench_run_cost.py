"""What one run costs outside training and validation: opening the run, its params and tags, data and Trainer
set-up, per-epoch writes, the summary, the dataset inputs and the final status (goal: <= 0.2 s on our 2-core CPU).

Each round trains one tiny configuration (2x16 MLP, digits, 2 epochs) as a child run into a real SQLite store,
through harness.train.fit.train with the suite's own Tracker (reused across runs, as a suite does). Cost = the
call's wall time - timed training - validation. The first run (imports, experiment creation) is warm-up.
"""
from __future__ import annotations

import os
import statistics
import time

import pytest

from harness.config.run_config import RunConfig
from harness.train.fit import train
from harness.train.lifecycle import Recording
from harness.store.tracking import Tracker

pytestmark = pytest.mark.benchmark_suite

CONFIG = RunConfig(dataset="digits", depth=2, width=16, optimizer="adam", lr=0.01, max_epochs=2, stop_at_target=False,
                   threads=1)


def test_bench_run_cost_outside_training(benchmark, tmp_path, bench_scale):
    tracker = Tracker(f"sqlite:///{tmp_path / 'mlflow.db'}")
    parent = tracker.start_parent("run-cost", "run-cost", {})
    costs: list[float] = []  # seconds per run outside training and validation

    def one_run(seed=[0]):  # noqa: B006 -- a counter across rounds: each round a new seed, so a new run
        seed[0] += 1
        t0 = time.perf_counter()
        result = train(CONFIG.replace(seed=seed[0]), Recording(tracker, "run-cost", parent))
        wall = time.perf_counter() - t0
        s = result.summary()
        costs.append(wall - s["train_time_s"] - s["val_time_s"])

    benchmark.pedantic(one_run, rounds=max(5, bench_scale["overhead_rounds"]), iterations=1, warmup_rounds=1)
    benchmark.extra_info["cost_outside_training_s_median"] = statistics.median(costs[1:])
    benchmark.extra_info["cost_outside_training_s_all"] = [round(c, 4) for c in costs[1:]]
    benchmark.extra_info["load_average_1min"] = os.getloadavg()[0]
