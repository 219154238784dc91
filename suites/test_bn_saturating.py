"""bn-saturating at CI scale (sigmoid only, 8 epochs, 2 seeds): every row is clear-cut.

20-layer sigmoid without BN stays at chance (gradient ratio ~1e-13), with BN it reaches 0.9 in
about 2 epochs: fewer epochs even against the censored baseline, and a gradient ratio ~1e12 higher.
"""
from __future__ import annotations

from suites.bn_saturating import SUITE  # noqa: F401  (the shared fixture in suites/conftest.py runs it)


def test_runs_finished_and_the_plain_sigmoid_baseline_is_censored(result):
    runs = result.runs
    assert len(runs) == 4 and not result.failures  # sigmoid x 2 norms x 2 seeds
    plain = runs[runs.norm == "none"]
    assert (plain.stop_reason == "max_epochs").all() and (plain.converged == 0).all()
    assert (runs[runs.norm == "before"].stop_reason == "target").all()


def test_bn_lets_sigmoid_train_sooner_with_gradients_flowing(result):
    (trains,) = [v for v in result.verdicts if v.statement == "with BN it trains"]
    assert trains.outcome == "supported" and trains.low >= 0.9, trains
    (fewer,) = [v for v in result.verdicts if v.statement == "BN needs fewer epochs"]
    assert fewer.outcome == "supported" and fewer.high <= 0.5 and "none censored in 2/2" in fewer.note, fewer
    (flow,) = [v for v in result.verdicts if v.statement == "BN keeps gradients flowing"]
    assert flow.outcome == "supported" and flow.low > 1e6, flow


def test_the_last_sigmoid_input_percentiles_are_recorded(result):
    runs = result.runs
    cols = ["act/last_pre_p15", "act/last_pre_p50", "act/last_pre_p85"]
    assert runs[cols].notna().all().all()
    assert ((runs[cols[0]] <= runs[cols[1]]) & (runs[cols[1]] <= runs[cols[2]])).all()
