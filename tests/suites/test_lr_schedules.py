"""lr-schedules at CI scale (constant vs exponential vs 1cycle at lr 0.1, 2 seeds), and its rules both ways."""
from __future__ import annotations

import pandas as pd
import pytest

from suites.lr_schedules import POINTS, SUITE, B, judge  # noqa: F401


def test_every_schedule_trains_and_logs_its_lr(result):
    runs = result.runs
    assert len(runs) == 6 and not result.failures  # 3 schedules x 2 seeds
    assert (runs.final_val_acc > 0.4).all()  # MNIST-1D: chance is 0.1; the pilot's arms ended at 0.55-0.65
    last_lr = runs.groupby("schedule")["train/lr"].max()  # train/lr's latest value: the last epoch's first step
    assert last_lr["constant"] == pytest.approx(0.1)
    assert last_lr["exponential"] == pytest.approx(0.1 * 0.1 ** ((B - 1) / B), rel=1e-6)
    assert last_lr["1cycle"] == pytest.approx(0.01)  # epoch 10 starts the final 10% of steps, at lr/10
    rows = [v for v in result.verdicts if v.statement == "the schedule beats a constant lr"]
    assert [(v.group, v.arms[0]["schedule"], v.arms[1]["schedule"], v.tuned) for v in rows] == [
        ({"max_epochs": B}, s, "constant", ({"lr": 0.1}, {"lr": 0.1})) for s in ("exponential", "1cycle")]


def synthetic(schedules_help: bool, seeds: int = 6) -> pd.DataFrame:
    rows = []
    for seed in range(seeds):
        for schedule, epochs, milestones, decay_epochs, factor, lr in POINTS:
            good = (schedule != "constant" and epochs == B) == schedules_help
            acc = (0.62 if good else 0.59) - (0.0 if lr == 0.1 else 0.01) + 0.001 * seed
            rows.append(dict(seed=seed, schedule=schedule, max_epochs=epochs, milestones=milestones, lr=lr,
                             decay_epochs=decay_epochs, decay_factor=factor, final_val_acc=acc))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("helps", [True, False])
def test_main_rows_flip_with_the_effect(helps):
    verdicts = judge(synthetic(helps))
    assert len(verdicts) == 6  # 5 schedules vs constant, 1cycle at B vs piecewise at 2B
    assert {v.outcome for v in verdicts} == {"supported" if helps else "refuted"}
