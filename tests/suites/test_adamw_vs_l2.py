"""adamw-vs-l2 at CI scale (the algebra, and one cell per method, 6 seeds, 6 epochs), and its rules both ways (error ratio, best-decay shift)."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from suites.adamw_vs_l2 import ANALYTIC, SUITE, TASK_POINTS, decay_shifts, judge  # noqa: F401


def test_the_algebra_is_exact_and_both_methods_train(result):
    runs = result.runs
    assert len(runs) == 18 and not result.failures  # 3 arms x 6 seeds
    rows = {v.statement: v for v in result.verdicts}
    assert rows["for SGD, l2 and weight decay are the same step"].outcome == "supported"
    assert rows["for SGD, l2 and weight decay are the same step"].high < 1e-13
    assert rows["for Adam, l2 and weight decay differ"].outcome == "supported"
    assert (runs[runs.dataset == "digits"].final_val_acc > 0.85).all()
    error = rows["AdamW reaches a lower validation error than Adam+l2"]
    assert error.group == {"dataset": "digits"} and error.arms == ({"optimizer": "adamw"}, {"optimizer": "adam"})
    assert error.tuned == ({"lr": 0.001, "weight_decay": 1.0}, {"lr": 0.001, "weight_decay": 0.001}) and error.n == 6


def synthetic(adamw_better: bool, seeds: int = 6) -> pd.DataFrame:
    rows = [dict(seed=s, dataset=ANALYTIC, optimizer="adam", lr=0.01, weight_decay=0.0,
                 sgd_gap=1e-15 if adamw_better else 1e-3, adam_gap=0.1 if adamw_better else 1e-4) for s in range(seeds)]
    for seed in range(seeds):
        for _, opt, lr, wd in TASK_POINTS:
            good = (opt == "adamw") == adamw_better
            decay = lr * wd if opt == "adamw" else wd
            peak = 3e-3 if good or lr == 3e-3 else 3e-2  # the worse method's best decay follows 1/lr
            rows.append(dict(seed=seed, dataset="digits", optimizer=opt, lr=lr, weight_decay=wd,
                             final_val_acc=(0.97 if good else 0.95) - (0.01 if lr == 3e-3 else 0.0) - 0.001 * seed
                             - 0.002 * abs(math.log10(decay / peak))))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("better", [True, False])
def test_main_rows_flip_with_the_effect(better):
    verdicts = judge(synthetic(better))
    assert len(verdicts) == 5  # 2 algebra rows, the error ratio, Adam+l2's shift, the shift difference
    moves = [v for v in verdicts if v.statement == "for Adam+l2 the best decay moves with the lr"]
    assert moves[0].effect == pytest.approx(1.0 if better else 0.0)  # decades: 3e-2 at lr 3e-4, 3e-3 at lr 3e-3
    assert {v.outcome for v in verdicts} == {"supported" if better else "refuted"}


def test_a_seed_without_the_whole_grid_has_no_shift():
    runs = synthetic(True)
    task = runs[runs.dataset == "digits"]
    extra = task[(task.seed == 0) & (task.lr == 3e-3)].assign(seed=6)  # a seed added behind one lr's cells only
    shifts = decay_shifts(pd.concat([task, extra]))
    assert sorted(shifts.seed.unique()) == list(range(6))
