"""bn-walltime: CI scale (sigmoid with Glorot, relu with PyTorch's default init; 8 epochs, 2 seeds) records
both baselines and censors the ones that never train; a synthetic table (default scale, 6 seeds) flips the
three decomposed rows. Two seeds leave every interval open, so no outcome is asserted on the real runs.
"""
from __future__ import annotations

import pytest

from harness.judge.simulated import censored, outcomes, reached, runs_table
from harness.judge.verdict import select
from suites.bn_walltime import STATEMENTS, SUITE

ROWS = [st.statement for st in STATEMENTS]


def test_every_run_finished_and_the_untrainable_baselines_are_censored(result):
    runs = result.runs
    assert len(runs) == 8 and not result.failures  # (sigmoid, auto), (relu, default) x 2 norms x 2 seeds
    assert set(zip(runs.activation, runs.init)) == {("sigmoid", "auto"), ("relu", "default")}
    plain = runs[runs.norm == "none"]
    assert (plain.converged == 0).all() and (plain.stop_reason == "max_epochs").all()
    rows = select(result.verdicts, "fewer epochs are needed")
    assert len(rows) == 2  # one per baseline
    for v in rows:
        assert v.n == 2 and "baseline (no BN) censored in 2 of 2 seeds" in v.note, v


def test_each_baseline_gets_the_three_decomposed_rows(result):
    assert len(result.verdicts) == 2 * 3
    for activation, init, label in (("sigmoid", "auto", "sigmoid, BN vs no BN"),
                                    ("relu", "default", "relu, default init, BN vs no BN")):
        rows = select(result.verdicts, activation=activation, init=init)
        assert [v.statement for v in rows] == ROWS and {v.label for v in rows} == {label}
    assert all(v.n == 2 and v.low <= v.effect <= v.high for v in result.verdicts)


def _table(bn_wins: bool):
    """BN: epochs 1.5x slower; BN reaches the target in 4 epochs vs 12 (or 12 vs 4), so total time follows."""
    def metrics(cfg):
        bn = cfg.norm == "before"
        epoch_s = (0.15 if bn == bn_wins else 0.1) * (1 + 0.01 * cfg.seed)
        return reached(4 if bn == bn_wins else 12, epoch_s)
    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("bn_wins, want", [(True, "supported"), (False, "refuted")])
def test_decomposed_rows_flip_with_the_effect(bn_wins, want):
    verdicts = SUITE.judge(_table(bn_wins))
    assert len(verdicts) == 7 * 3  # 4 recommended-init + 3 default-init baselines
    for statement in ROWS:
        assert set(outcomes(verdicts, statement)) == {want}, statement


def test_a_censored_baseline_bounds_the_ratio_and_still_decides():
    verdicts = SUITE.verdicts(runs_table(SUITE, lambda cfg: reached(3) if cfg.norm == "before" else censored(30)))
    rows = select(verdicts, "fewer epochs are needed")
    assert len(rows) == 7  # every baseline of the default grid
    for v in rows:
        assert v.outcome == "supported" and v.low == 0 and "baseline (no BN) censored in 6 of 6 seeds" in v.note, v
