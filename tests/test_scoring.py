"""AlgoPerf-style scoring as verdict rows (harness.judge.scoring): each arm tuned per task on time to target, each
judged arm against the fastest other arm of its task."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from harness import RatioStatement, outcomes, profile_table, time_or_miss, time_to_target, tuned_per_task, within_best_other

WITHIN = {"mine": RatioStatement("mine trains within 2x of the best other arm", "time-to-target ratio", time_to_target,
                                 "<", 2.0)}
SEEDS = 6


def _runs(mine_s: float, miss_other: bool = False) -> pd.DataFrame:
    """Per task: 'mine' reaches the target in mine_s seconds at lr 0.1 (never at 0.01); 'fast' in 1 s at lr 0.01
    (never at 0.1); 'slow' in 5 s at either lr (or never, with miss_other); every seed a little apart."""
    rows = []
    for task in ("t1", "t2"):
        for name, times in (("mine", {0.1: mine_s, 0.01: None}), ("fast", {0.01: 1.0, 0.1: None}),
                            ("slow", {0.01: None if miss_other else 5.0, 0.1: None if miss_other else 5.0})):
            for lr, t in times.items():
                for seed in range(SEEDS):
                    reached = t is not None
                    rows.append({"task": task, "name": name, "lr": lr, "seed": seed, "converged": float(reached),
                                 "time_to_target_s": t * (1 + 0.01 * seed) if reached else math.nan,
                                 "epochs_to_target": 3.0 if reached else math.nan, "epochs_run": 10.0,
                                 "train_time_s": 10.0, "stop_reason": "target" if reached else "max_epochs"})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("mine_s, want", [(1.5, "supported"), (3.0, "refuted")])
def test_a_judged_arm_is_compared_at_its_tuned_lr_with_the_fastest_other_arm(mine_s, want):
    rows = within_best_other(_runs(mine_s), WITHIN, task="task", arm="name")
    assert outcomes(rows, WITHIN["mine"].statement) == [want, want]
    for v in rows:
        assert [dict(a) for a in v.arms] == [{"name": "mine"}, {"name": "fast"}]  # not 'slow'
        assert [dict(t) for t in v.tuned] == [{"lr": 0.1}, {"lr": 0.01}] and v.n == SEEDS
        assert v.effect == pytest.approx(mine_s)


def test_a_miss_ranks_last_in_tuning_and_in_the_choice_of_comparator():
    runs = _runs(1.5, miss_other=True)
    assert time_or_miss(runs[runs.converged == 0].iloc[0]).value == math.inf
    best = tuned_per_task(runs, task="task", arm="name")
    assert set(zip(best.name, best.lr)) == {("mine", 0.1), ("fast", 0.01), ("slow", 0.01)}  # slow: both miss, a tie
    assert best.loc[best.name == "slow", "time"].isna().all()  # a miss has no time
    rows = within_best_other(runs, WITHIN, task="task", arm="name")
    assert [dict(v.arms[1]) for v in rows] == [{"name": "fast"}] * 2


def test_the_profile_table_is_what_the_profiles_read():
    table = profile_table(_runs(1.5), task="task", arm="name")
    assert {"task", "arm", "seed", "time", "epochs", "lr"} <= set(table.columns)
    assert set(table.arm) == {"mine", "fast", "slow"} and len(table) == 3 * 2 * SEEDS


def test_a_column_the_scoring_adds_cannot_name_the_arms():
    with pytest.raises(ValueError, match="invalid task or arm column 'arm': the scoring adds it"):
        within_best_other(_runs(1.5).rename(columns={"name": "arm"}), WITHIN, task="task", arm="arm")
