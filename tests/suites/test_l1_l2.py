"""l1-l2: CI scale (none, l1 1e-3, l2 1e-2 at lr 0.01; 10 epochs; 3 seeds) records the near-zero share and the loss gap; every
main row flips between supported and refuted on a synthetic table at the default scale, judged at each arm's tuned lr."""
from __future__ import annotations

import pytest

from harness.judge.subject import Subject
from harness import outcomes, runs_table
from suites.l1_l2 import LRS, SUITE


def test_penalized_runs_record_the_share_of_near_zero_weights(result):
    runs = result.runs
    assert len(runs) == 9 and not result.failures  # 3 arms x 3 seeds
    assert (runs.epochs_run == 10).all() and runs["gap/loss"].notna().all()
    share = runs.set_index(["l1", "l2", "seed"])["weights/near_zero_share"]
    assert ((share >= 0) & (share <= 1)).all()
    # He init leaves about 1% of weights within 1e-3 of zero; an unpenalized net keeps about that many
    assert (share.xs((0.0, 0.0), level=["l1", "l2"]) < 0.05).all()


def test_rows_per_arm(result):
    rows = [(v.statement, v.arms[0]["penalty"], v.arms[1]["penalty"], v.tuned) for v in result.verdicts]
    at_lr = (Subject(lr=0.01), Subject(lr=0.01))
    assert rows == [("l1 makes the hidden weights sparse", "l1 0.001", "none", at_lr),
                    ("l2 shrinks but does not sparsify", "l2 0.01", "none", at_lr),
                    ("the penalty shrinks the loss gap", "l1 0.001", "none", at_lr),
                    ("the penalty shrinks the loss gap", "l2 0.01", "none", at_lr)]
    assert result.verdicts[0].label == "l1 0.001 vs no penalty (tuned: lr 0.01)"


def _table(as_claimed: bool):
    """l1 arms tuned at lr 0.03, l2 and none at 0.01; the other lr is worse and shows the reversed effect."""
    def metrics(cfg):
        tuned = cfg.lr == (LRS[1] if cfg.l1 else LRS[0])
        claimed = as_claimed == tuned
        share = 0.01
        if cfg.l1:
            share = 0.4 if claimed else 0.02
        if cfg.l2:
            share = 0.02 if claimed else 0.4
        penalized = bool(cfg.l1 or cfg.l2)
        gap = 0.3 + (0.1 if penalized != claimed else 0.0) + 0.01 * cfg.seed
        return {"stop_reason": "max_epochs", "epochs_run": 40.0, "weights/near_zero_share": share, "gap/loss": gap,
                "final_val_acc": 0.9 if tuned else 0.8}
    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("as_claimed, want", [(True, "supported"), (False, "refuted")])
def test_main_rows_flip_with_the_effect(as_claimed, want):
    verdicts = SUITE.judge(_table(as_claimed))
    assert outcomes(verdicts, "l1 makes the hidden weights sparse") == [want] * 2
    assert outcomes(verdicts, "l2 shrinks but does not sparsify") == [want] * 2
    assert outcomes(verdicts, "the penalty shrinks the loss gap") == [want] * 4
    assert verdicts[0].arms == ({"penalty": "l1 0.0001"}, {"penalty": "none"})
    assert verdicts[0].tuned == ({"lr": 0.03}, {"lr": 0.01})
