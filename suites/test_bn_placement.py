"""bn-placement at CI scale (elu, BN before and after, 10 epochs, 2 seeds): both placements train;
the equivalence rows are built with their margins."""
from __future__ import annotations

from harness.bounds import WITHIN_DIFFERENCE, WITHIN_RATIO
from suites.bn_placement import SUITE  # noqa: F401  (the shared fixture in suites/conftest.py runs it)


def test_both_placements_train(result):
    runs = result.runs
    assert len(runs) == 4 and not result.failures  # elu x 2 placements x 2 seeds
    assert set(runs.norm) == {"before", "after"}
    assert (runs.final_val_acc > 0.9).all(), runs[["norm", "seed", "final_val_acc"]]


def test_equivalence_rows_with_margins_stated_up_front(result):
    epochs, acc, overall = result.verdicts
    assert (epochs.direction, epochs.threshold, epochs.n) == (WITHIN_RATIO, 1.25, 2)
    assert (acc.direction, acc.threshold, acc.n) == (WITHIN_DIFFERENCE, 0.01, 2)
    assert epochs.group == "activation=elu, norm after vs before"
    # the overall row is the intersection of the per-activation rows
    outcomes = {epochs.outcome, acc.outcome}
    expected = "refuted" if "refuted" in outcomes else "supported" if outcomes == {"supported"} else "inconclusive"
    assert overall.statement == "no consistent winner for any activation" and overall.outcome == expected
