"""Convergence, divergence, stop reasons, and censoring: the logic every verdict rests on."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from harness.stats.bounds import judge_interval, ratio_bounds
from harness.judge.measures import epochs_to_target, time_to_target
from harness.judge.rules import paired_verdicts
from harness.train.fit import train
from harness.stats.median import Measured
from harness.stats.bootstrap import bootstrap_median_bounds
from harness.judge.verdict import RatioStatement


def test_reaching_the_target_stops_the_run_there(tiny):
    result = train(tiny.replace(target_value=0.0, max_epochs=5))  # any accuracy >= 0: epoch 1
    assert result.stop_reason == "target"
    assert result.epochs_to_target == 1 and len(result.history) == 1
    assert result.time_to_target_s == pytest.approx(result.epoch_times[0])
    s = result.summary()
    assert s["converged"] == 1.0 and s["epochs_to_target"] == 1.0


def test_time_to_target_sums_the_timed_epochs_up_to_the_target(tiny):
    result = train(tiny.replace(target_value=0.0, stop_at_target=False, max_epochs=3))
    assert result.stop_reason == "max_epochs" and result.epochs_to_target == 1
    assert result.time_to_target_s == pytest.approx(result.epoch_times[0])
    assert result.summary()["train_time_s"] == pytest.approx(sum(result.epoch_times))


def test_unreachable_target_is_censored_at_the_budget(tiny):
    result = train(tiny.replace(target_value=1.5, max_epochs=2))
    assert result.stop_reason == "max_epochs" and not result.converged
    s = result.summary()
    assert s["converged"] == 0.0 and "epochs_to_target" not in s and "time_to_target_s" not in s
    assert s["epochs_run"] == 2


def test_loss_target_is_a_minimum(tiny):
    result = train(tiny.replace(target_metric="val/loss", target_value=100.0, max_epochs=3))
    assert result.stop_reason == "target" and result.epochs_to_target == 1


def test_divergence_stops_with_its_reason(tiny):
    result = train(tiny.replace(optimizer="sgd", lr=1e6, depth=3, max_epochs=10, target_value=0.99))
    assert result.stop_reason == "diverged"
    assert not math.isfinite(result.history[-1]["train/loss"])
    assert len(result.history) < 10


# --- censoring in the statistics ---

def test_ratio_bounds_by_censoring():
    assert ratio_bounds(Measured(5), Measured(10)) == (0.5, 0.5, 0.5)
    assert ratio_bounds(Measured(5), Measured(10, censored=True)) == (0.5, 0.0, 0.5)  # base took longer
    assert ratio_bounds(Measured(5, censored=True), Measured(10)) == (0.5, 0.5, math.inf)
    assert ratio_bounds(Measured(5, True), Measured(10, True)) == (0.5, 0.0, math.inf)


def test_bootstrap_interval_contains_the_median_and_handles_infinity():
    low, high = bootstrap_median_bounds(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert low <= 3.0 <= high and low >= 1.0 and high <= 5.0
    low, high = bootstrap_median_bounds(np.array([0.4, 0.5, 0.6]), np.array([0.4, 0.5, math.inf]))
    assert low == 0.4 and high == math.inf
    assert bootstrap_median_bounds(np.array([2.0, 2.0]), np.array([2.0, 2.0])) == (2.0, 2.0)


def test_judge_interval_three_ways():
    assert judge_interval(0.5, 0.9, 1.0, "<") == "supported"
    assert judge_interval(1.1, 1.5, 1.0, "<") == "refuted"
    assert judge_interval(0.5, 1.5, 1.0, "<") == "inconclusive"
    assert judge_interval(1.1, 1.5, 1.0, ">") == "supported"
    assert judge_interval(0.5, 0.9, 1.0, ">") == "refuted"


def _runs(rows):
    return pd.DataFrame(rows, columns=["activation", "norm", "seed", "converged", "epochs_to_target", "epochs_run",
                                       "time_to_target_s", "train_time_s"])


def test_censored_baseline_is_kept_as_a_bound_not_dropped():
    # The baseline never converges (30 epochs run, censored); BN converges in 5: ratio <= 5/30.
    rows = []
    for seed in range(6):  # 6 seeds: the fewest for which an exact 95% interval of the median is bounded
        rows.append(("sigmoid", "none", seed, 0, math.nan, 30, math.nan, 3.0))
        rows.append(("sigmoid", "before", seed, 1, 5, 5, 0.8, 0.8))
    st = [RatioStatement("fewer epochs", "epochs ratio", epochs_to_target, "<"),
          RatioStatement("shorter", "time ratio", time_to_target, "<")]
    v_epochs, v_time = paired_verdicts(_runs(rows), st, "norm", "none", ["activation"])
    assert v_epochs.n == 6 and v_epochs.effect == pytest.approx(5 / 30)
    assert v_epochs.low == 0.0 and v_epochs.high == pytest.approx(5 / 30)
    assert v_epochs.outcome == "supported" and "baseline (norm none) censored in 6 of 6 seeds" in v_epochs.note
    assert v_epochs.censored == (0, 6) and v_epochs.bound == "<="  # the baseline, in every seed: an upper bound
    assert v_time.outcome == "supported" and v_time.high == pytest.approx(0.8 / 3.0)
    # The same effect from 3 seeds cannot reach 95%: the interval is open and the row says why.
    (few,) = paired_verdicts(_runs([r for r in rows if r[2] < 3]), st[:1], "norm", "none", ["activation"])
    assert (few.low, few.high, few.outcome) == (-math.inf, math.inf, "inconclusive")
    assert "needs >= 6 seeds for a 95% interval (has 3)" in few.note


def test_censored_treatment_cannot_support_a_smaller_ratio():
    rows = []
    for seed in range(3):
        rows.append(("relu", "none", seed, 1, 10, 10, 1.0, 1.0))
        rows.append(("relu", "after", seed, 0, math.nan, 5, math.nan, 0.5))  # stopped at 5 epochs, not converged
    st = [RatioStatement("fewer epochs", "epochs ratio", epochs_to_target, "<")]
    (v,) = paired_verdicts(_runs(rows), st, "norm", "none", ["activation"])
    assert v.high == math.inf and v.outcome == "inconclusive"


def test_missing_pairs_are_reported():
    rows = [("elu", "none", 0, 1, 10, 10, 1.0, 1.0), ("elu", "before", 0, 1, 5, 5, 0.6, 0.6),
            ("elu", "none", 1, 1, 10, 10, 1.0, 1.0)]
    st = [RatioStatement("fewer epochs", "epochs ratio", epochs_to_target, "<")]
    (v,) = paired_verdicts(_runs(rows), st, "norm", "none", ["activation"], expected_pairs=2)
    assert v.n == 1 and "1 of 2 pair(s) missing" in v.note
