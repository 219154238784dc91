"""max-norm: CI scale (r off, 1.5, 0.5 at lr 0.01; no dropout; 10 epochs; 3 seeds) keeps every hidden row within r and records
the loss gap; every main row flips between supported and refuted on a synthetic table at the default scale, judged at each arm's tuned lr."""
from __future__ import annotations

import pytest

from harness.judge.verdict import select
from harness import outcomes, runs_table
from suites.max_norm import LRS, SUITE


def test_the_fixed_budget_runs_and_records_the_gap(result):
    runs = result.runs
    assert len(runs) == 9 and not result.failures  # 3 r x 3 seeds
    assert (runs.epochs_run == 10).all() and (runs.stop_reason == "max_epochs").all()
    assert (runs["gap/loss"] - (runs["final_val_loss"] - runs["train/eval_loss"])).abs().max() < 1e-9
    assert (runs.final_val_acc > 0.7).all()  # r 0.5 (a third of the init row norm) still trains


def test_rows_compare_each_r_with_off_and_the_smallest_with_the_largest(result):
    shrinks = select(result.verdicts, "max-norm shrinks the train-validation loss gap", dropout=0.0)
    assert [(v.arms, v.tuned) for v in shrinks] == [(({"max_norm": r}, {"max_norm": 0.0}), ({"lr": 0.01}, {"lr": 0.01}))
                                                    for r in (1.5, 0.5)]
    (smaller,) = [v for v in result.verdicts if v.statement == "a smaller r regularizes more"]
    assert smaller.group == {"dropout": 0.0} and smaller.arms == ({"max_norm": 0.5}, {"max_norm": 1.5})
    assert smaller.label == "no dropout, max-norm 0.5 vs max-norm 1.5 (tuned: lr 0.01)" and smaller.n == 3


def _table(regularizes: bool):
    """Capped arms tuned at lr 0.03, off at 0.01; the other lr is worse and shows the reversed effect."""
    def metrics(cfg):
        r = cfg.max_norm
        tuned = cfg.lr == (LRS[1] if r else LRS[0])
        strength = 0.0 if r == 0 else 1.0 / r  # smaller r, stronger constraint
        gap = 0.5 + (-0.1 if regularizes == tuned else 0.1) * strength + 0.01 * cfg.seed
        return {"stop_reason": "max_epochs", "epochs_run": 40.0, "gap/loss": gap, "final_val_acc": 0.9 if tuned else 0.8}
    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("regularizes, want", [(True, "supported"), (False, "refuted")])
def test_main_rows_flip_with_the_effect(regularizes, want):
    verdicts = SUITE.judge(_table(regularizes))
    assert outcomes(verdicts, "max-norm shrinks the train-validation loss gap") == [want] * 4  # 2 dropout x 2 r
    assert outcomes(verdicts, "a smaller r regularizes more") == [want] * 2
    assert (verdicts[0].group, verdicts[0].arms) == ({"dropout": 0.0}, ({"max_norm": 1.5}, {"max_norm": 0.0}))
    assert verdicts[0].tuned == ({"lr": 0.03}, {"lr": 0.01})
