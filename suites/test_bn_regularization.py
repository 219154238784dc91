"""bn-regularization at CI scale (BN before vs none, 20 epochs, 2 seeds): the oversized net memorizes
its 359 training digits and generalizes worse, so the gap is there to shrink."""
from __future__ import annotations

from suites.bn_regularization import SUITE


def test_small_training_set_and_fixed_budget(result):
    runs = result.runs
    assert len(runs) == 4 and not result.failures  # 2 norms x 2 seeds
    assert (runs.epochs_run == 20).all() and (runs.stop_reason == "max_epochs").all()
    assert (runs["train/acc"] >= 0.99).all()  # every net memorizes its training split
    n_train = round(1797 * (1 - SUITE.base.val_fraction))
    assert 300 < n_train < 400


def test_without_bn_the_net_overfits(result):
    premise = result.verdicts[0]
    assert premise.statement == "without BN the oversized net overfits" and premise.n == 2
    assert premise.outcome == "supported" and premise.low > 0.02, premise


def test_gap_rows_are_paired_differences(result):
    gap, acc = result.verdicts[1:]
    assert gap.group == "activation=relu, norm before vs none" and gap.metric == "gap difference" and gap.n == 2
    assert gap.direction == "<" and acc.direction == ">"
    assert gap.high < 0.02  # BN does not widen the gap by two points (the claim says it shrinks it)
