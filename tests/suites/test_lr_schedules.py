"""lr-schedules at CI scale (constant vs exponential vs 1cycle at lr 0.1, 2 seeds), its rules both ways, and each lr's
rows judged on that lr's runs only (issue 23: no schedule's lr chosen on the seeds it is judged on)."""
from __future__ import annotations

import pandas as pd
import pytest

from suites.lr_schedules import LRS, POINTS, SUITE, B, judge  # noqa: F401


def test_every_schedule_trains_and_logs_its_lr(result):
    runs = result.runs
    assert len(runs) == 6 and not result.failures  # 3 schedules x 2 seeds
    assert (runs.final_val_acc > 0.4).all()  # MNIST-1D: chance is 0.1; the pilot's arms ended at 0.55-0.65
    last_lr = runs.groupby("schedule")["train/lr"].max()  # train/lr's latest value: the last epoch's first step
    assert last_lr["constant"] == pytest.approx(0.1)
    assert last_lr["exponential"] == pytest.approx(0.1 * 0.1 ** ((B - 1) / B), rel=1e-6)
    assert last_lr["1cycle"] == pytest.approx(0.01)  # epoch 10 starts the final 10% of steps, at lr/10
    rows = [v for v in result.verdicts if v.statement == "the schedule beats a constant lr"]
    assert [(v.group, v.arms[0]["schedule"], v.arms[1]["schedule"]) for v in rows] == [
        ({"max_epochs": B, "lr": 0.1}, s, "constant") for s in ("exponential", "1cycle")]
    assert rows[0].label == "in 10 epochs, lr 0.1, exponential vs constant"


def synthetic(helps_at: set[float], seeds: int = 8) -> pd.DataFrame:
    """The schedules at B 0.03 above constant and piecewise at 2B at the lrs in `helps_at`, 0.03 below at the others;
    every schedule is best at lr 0.1 (two points below elsewhere), which no row may use to pick its lr."""
    rows = []
    for seed in range(seeds):
        for schedule, epochs, milestones, decay_epochs, factor, lr in POINTS:
            good = (schedule != "constant" and epochs == B) == (lr in helps_at)
            acc = (0.62 if good else 0.59) - (0.0 if lr == 0.1 else 0.02) + 0.001 * seed
            rows.append(dict(seed=seed, schedule=schedule, max_epochs=epochs, milestones=milestones, lr=lr,
                             decay_epochs=decay_epochs, decay_factor=factor, final_val_acc=acc))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("helps", [True, False])
def test_main_rows_flip_with_the_effect(helps):
    verdicts = SUITE.verdicts(synthetic(set(LRS) if helps else set()))  # labelled with the suite's words
    assert len(verdicts) == 18  # 5 schedules vs constant and 1cycle at B vs piecewise at 2B, at each of 3 lrs
    assert {v.outcome for v in verdicts} == {"supported" if helps else "refuted"}
    assert all(v.n == 8 for v in verdicts)
    cycle = verdicts[-1]
    assert cycle.label == "lr 0.3, 1cycle in 10 epochs vs piecewise in 20 epochs"


def test_each_lr_is_judged_on_its_own_runs():
    verdicts = judge(synthetic({0.03}))  # the schedules help at lr 0.03 only, where every arm is least accurate
    assert {v.group["lr"] for v in verdicts} == set(LRS)
    for v in verdicts:
        assert v.outcome == ("supported" if v.group["lr"] == 0.03 else "refuted"), v
