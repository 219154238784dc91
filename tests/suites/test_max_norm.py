"""max-norm: CI scale (r off, 1.5, 0.5 at lr 0.01; no dropout; 10 epochs; 3 seeds) keeps every hidden row within r and records
the loss gap; every main row flips between supported and refuted on a synthetic table at the default scale, and each lr's
rows are judged on that lr's runs only (issue 23: no arm's lr chosen on the seeds it is judged on)."""
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
    assert [(v.group, v.arms) for v in shrinks] == [({"dropout": 0.0, "lr": 0.01}, ({"max_norm": r}, {"max_norm": 0.0}))
                                                    for r in (1.5, 0.5)]
    (smaller,) = [v for v in result.verdicts if v.statement == "a smaller r regularizes more"]
    assert smaller.group == {"dropout": 0.0, "lr": 0.01} and smaller.arms == ({"max_norm": 0.5}, {"max_norm": 1.5})
    assert smaller.label == "no dropout, lr 0.01, max-norm 0.5 vs max-norm 1.5" and smaller.n == 3


def _table(regularizes_at: set[float]):
    """The constraint shrinks the gap (more for a smaller r) at the lrs in `regularizes_at` and widens it at the
    others; r off would have the higher accuracy at lr 0.03, which no row may use to pick its lr."""
    def metrics(cfg):
        r = cfg.max_norm
        strength = 0.0 if r == 0 else 1.0 / r  # smaller r, stronger constraint
        gap = 0.5 + (-0.1 if cfg.lr in regularizes_at else 0.1) * strength + 0.01 * cfg.seed
        acc = 0.9 if (r == 0) == (cfg.lr == LRS[1]) else 0.8
        return {"stop_reason": "max_epochs", "epochs_run": 40.0, "gap/loss": gap, "final_val_acc": acc}
    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("regularizes, want", [(True, "supported"), (False, "refuted")])
def test_main_rows_flip_with_the_effect(regularizes, want):
    verdicts = SUITE.judge(_table(set(LRS) if regularizes else set()))
    assert outcomes(verdicts, "max-norm shrinks the train-validation loss gap") == [want] * 8  # 2 dropout x 2 lr x 2 r
    assert outcomes(verdicts, "a smaller r regularizes more") == [want] * 4
    assert (verdicts[0].group, verdicts[0].arms) == ({"dropout": 0.0, "lr": 0.01}, ({"max_norm": 1.5}, {"max_norm": 0.0}))


def test_each_lr_is_judged_on_its_own_runs():
    verdicts = SUITE.judge(_table({LRS[1]}))  # regularizes at 0.03 only
    for v in verdicts:
        assert v.outcome == ("supported" if v.group["lr"] == LRS[1] else "refuted"), v
