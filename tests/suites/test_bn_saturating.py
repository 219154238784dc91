"""bn-saturating: sigmoid with Glorot init at CI scale (6 seeds, 3 epochs), where every row is clear-cut, and
every main row flipping on a synthetic table at the default grid.

20-layer sigmoid without BN stays at chance (gradient ratio ~1e-13), with BN it reaches 0.9 in
about 2 epochs: fewer epochs even against the censored baseline, and a gradient ratio far closer to 1.
"""
from __future__ import annotations

import pytest

from harness.judge.simulated import censored, outcomes, reached, runs_table
from harness.judge.verdict import select
from suites.bn_saturating import SUITE


def test_runs_finished_and_the_plain_sigmoid_baseline_is_censored(result):
    runs = result.runs
    assert len(runs) == 12 and not result.failures  # sigmoid x 2 norms x 6 seeds
    plain = runs[runs.norm == "none"]
    assert (plain.stop_reason == "max_epochs").all() and (plain.converged == 0).all()


def test_bn_lets_sigmoid_train_sooner_with_gradients_flowing(result):
    (trains,) = select(result.verdicts, "with BN it trains")
    assert trains.outcome == "supported" and trains.n == 6, trains
    (fewer,) = select(result.verdicts, "BN needs fewer epochs")
    assert fewer.outcome == "supported" and "baseline (no BN) censored in 6 of 6 seeds" in fewer.note, fewer
    (flow,) = select(result.verdicts, "BN keeps gradients flowing")
    assert flow.outcome == "supported" and flow.high < -5, flow  # |log ratio| drops by > 5 (a factor > 150)


def test_the_last_sigmoid_input_percentiles_are_recorded(result):
    runs = result.runs
    cols = ["act/last_pre_p15", "act/last_pre_p50", "act/last_pre_p85"]
    assert runs[cols].notna().all().all()
    assert ((runs[cols[0]] <= runs[cols[1]]) & (runs[cols[1]] <= runs[cols[2]])).all()


def _table(bn_helps: bool):
    """BN trains in 3 epochs with a gradient ratio near 1 while no BN stalls far from 1; or the reverse."""
    def metrics(cfg):
        good = (cfg.norm == "before") == bn_helps
        return {**(reached(3 + cfg.seed % 2) if good else censored(30)), "final_val_acc": 0.9 if good else 0.1,
                "grad/first_last_ratio_init": (1.2 if good else 1e-6) * (1 + 0.01 * cfg.seed)}
    return runs_table(SUITE, metrics)


def test_explosion_is_not_flow():
    """A BN ratio of 2.6 against a no-BN ratio of 1.0 moves away from 1: refuted, not supported."""
    runs = runs_table(SUITE, lambda cfg: {**reached(2), "final_val_acc": 0.9,
                                          "grad/first_last_ratio_init": 2.6 if cfg.norm == "before" else 1.0})
    assert set(outcomes(SUITE.judge(runs), "BN keeps gradients flowing")) == {"refuted"}


@pytest.mark.parametrize("bn_helps, want", [(True, "supported"), (False, "refuted")])
def test_main_rows_flip_with_the_effect(bn_helps, want):
    verdicts = SUITE.judge(_table(bn_helps))
    for statement in ("with BN it trains", "BN needs fewer epochs", "BN keeps gradients flowing"):
        assert set(outcomes(verdicts, statement)) == {want}, statement
    assert len(select(verdicts, "BN needs fewer epochs")) == 4  # sigmoid, tanh x Glorot, default
