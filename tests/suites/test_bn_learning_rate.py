"""bn-learning-rate: CI scale (lr 0.3, 10 epochs, 2 seeds) shows that there the 20-layer ReLU net trains only
with BN and builds every row; a synthetic table (default grid, 6 seeds) flips the main rows."""
from __future__ import annotations

import math

import pytest

from harness.judge.simulated import censored, outcomes, reached, runs_table
from harness.judge.verdict import select
from suites.bn_learning_rate import SUITE


def test_only_bn_is_stable_at_the_high_rate(result):
    runs = result.runs
    assert len(runs) == 4 and not result.failures  # 2 norms x 1 rate x 2 seeds
    assert (runs[runs.norm == "none"].converged == 0).all()
    assert (runs[runs.norm == "before"].converged == 1).all()


def test_largest_stable_rate_row_bounds_an_open_grid_top(result):
    headline = result.verdicts[0]
    assert headline.statement == "BN allows higher learning rates" and headline.n == 2
    assert "before passes at the grid top in 2/2" in headline.note
    (per_lr,) = select(result.verdicts, "BN needs fewer epochs")
    assert per_lr.group == {"lr": 0.3} and per_lr.arms == ({"norm": "before"}, {"norm": "none"})
    assert per_lr.label == "lr 0.3, BN vs no BN"
    assert per_lr.n == 2 and "baseline (no BN) censored in 2 of 2 seeds" in per_lr.note


def _table(bn_wins: bool):
    """The winning arm is stable up to lr 1 and fast; the other only up to 0.03 and slower."""
    def metrics(cfg):
        good = (cfg.norm == "before") == bn_wins
        top = 1.0 if good else 0.03
        if cfg.lr > top:
            return censored(2, reason="diverged")
        return reached((3 if good else 9) + cfg.seed % 2)
    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("bn_wins, want", [(True, "supported"), (False, "refuted")])
def test_main_rows_flip_with_the_effect(bn_wins, want):
    verdicts = SUITE.judge(_table(bn_wins))
    assert outcomes(verdicts, "BN allows higher learning rates") == [want]
    assert outcomes(verdicts, "BN at its best lr needs fewer epochs") == [want]
    assert not math.isnan(verdicts[0].effect) and verdicts[0].n == 6


def test_a_seed_added_behind_a_few_cells_does_not_reduce_a_partial_grid():
    """Seeds 6-8 added at a later look behind lr 0.01 and 0.03 only (both arms stable there): read on its partial grid,
    BN's largest stable lr for those seeds would be 0.03 instead of 1.0. The grid reductions read the 6 whole seeds."""
    import pandas as pd

    runs = _table(True)
    extra = runs[(runs.seed < 3) & runs.lr.isin((0.01, 0.03))].assign(seed=lambda t: t.seed + 6)
    verdicts = SUITE.judge(pd.concat([runs, extra], ignore_index=True))
    (higher,) = select(verdicts, "BN allows higher learning rates")
    (best,) = select(verdicts, "BN at its best lr needs fewer epochs")
    assert (higher.n, best.n, higher.outcome) == (6, 6, "supported")
    assert select(verdicts, "BN needs fewer epochs", lr=0.01)[0].n == 9  # a per-lr row pairs every seed it has
