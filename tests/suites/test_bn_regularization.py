"""bn-regularization: CI scale (BN before vs none, 20 epochs, 2 seeds) records the loss gap and the gap at
matched training loss; every main row flips on a synthetic table at the default scale (9 seeds)."""
from __future__ import annotations

import pytest

from harness.judge.simulated import outcomes, runs_table
from suites.bn_regularization import MATCH_LOSS, SUITE


def test_small_training_set_fixed_budget_and_the_gaps_recorded(result):
    runs = result.runs
    assert len(runs) == 4 and not result.failures  # 2 norms x 2 seeds
    assert (runs.epochs_run == 20).all() and (runs.stop_reason == "max_epochs").all()
    assert (runs["train/acc"] >= 0.99).all()  # every net memorizes its training split
    assert (runs["gap/loss"] - (runs["final_val_loss"] - runs["train/eval_loss"])).abs().max() < 1e-9
    assert (runs["gap/match_epoch"] <= 20).all() and runs["gap/loss_at_match"].notna().all()
    n_train = round(1797 * (1 - SUITE.base.val_fraction))
    assert 300 < n_train < 400


def test_rows_are_paired_differences_with_the_premise_first(result):
    premise, gap, matched, acc = result.verdicts
    assert premise.statement == "without BN the oversized net overfits" and premise.n == 2
    assert premise.group == {"norm": "none"} and premise.label == "no BN"
    assert gap.group == {"activation": "relu"} and gap.arms == ({"norm": "before"}, {"norm": "none"})
    assert gap.label == "BN before vs no BN" and gap.n == 2 == matched.n  # relu: every run's, so unsaid
    assert (gap.direction, matched.direction, acc.direction) == ("<", "<", ">")
    assert str(MATCH_LOSS) in matched.metric


def _table(bn_regularizes: bool):
    def metrics(cfg):
        bn = cfg.norm != "none"
        small = bn == bn_regularizes
        gap = (0.3 if small else 0.6) + 0.01 * cfg.seed
        return {"stop_reason": "max_epochs", "converged": 0, "epochs_run": 40.0, "train/acc": 1.0,
                "gap/loss": gap, "gap/loss_at_match": gap - 0.1, "final_val_acc": (0.93 if small else 0.9)}
    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("regularizes, want", [(True, "supported"), (False, "refuted")])
def test_main_rows_flip_with_the_effect(regularizes, want):
    verdicts = SUITE.judge(_table(regularizes))
    for statement in ("BN shrinks the train-validation loss gap", "BN shrinks the gap at matched training loss",
                      "BN raises validation accuracy"):
        assert set(outcomes(verdicts, statement)) == {want}, statement
    assert outcomes(verdicts, "without BN the oversized net overfits") == ["supported"]
