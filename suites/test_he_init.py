"""he-init at CI scale (2 seeds, 2 epochs): the init-time measurements, which do not depend on the budget.

Robust: with Glorot the 30th layer's activation std is ~1e-4 of the first's and the first layer's
gradient ~1e-4 of He's; PyTorch's default gives a first-layer gradient ~1e-11 of He's. After 2
epochs nothing reaches the target, so the epochs rows must be bounds over censored runs, not drops.
"""
from __future__ import annotations

import math

from harness.queries import load_history
from harness.verdict import select
from suites.he_init import SUITE  # noqa: F401  (the shared fixture in suites/conftest.py runs it)


def _rows(result, statement, group_part):
    rows = select(result.verdicts, statement, group_has=group_part)
    assert rows, (statement, group_part)
    return rows


def test_every_run_finished_with_per_layer_statistics_at_init(suite_run):
    tracker, res = suite_run
    assert len(res.runs) == 6 and not res.failures  # 3 inits x 2 seeds
    hist = load_history(tracker.client, res.runs.run_id.iloc[0]).set_index("epoch")
    assert math.isfinite(hist.loc[0, "act/post_std/layer_30"]) and math.isfinite(hist.loc[0, "grad/norm/layer_01"])


def test_glorot_shrinks_the_signal_and_the_first_layer_gradient(suite_run):
    _, res = suite_run
    (v,) = _rows(res, "activation scale shrinks with depth", "init=glorot_uniform")
    assert v.outcome == "supported" and v.high < 1e-2, v
    for init in ("glorot_uniform", "default"):
        (v,) = _rows(res, "the first layer gets a far smaller gradient", f"init {init} vs he_normal")
        assert v.outcome == "supported" and v.high < 1e-2, v


def test_he_does_not_blow_the_signal_up(suite_run):
    _, res = suite_run
    (v,) = [r for r in _rows(res, "activation scale is kept across depth", "init=he_normal") if r.direction == "<"]
    assert v.outcome == "supported", v


def test_runs_short_of_the_target_are_censored_bounds_not_dropped(suite_run):
    _, res = suite_run
    for v in _rows(res, "more epochs are needed", "vs he_normal"):
        assert v.n == 2 and "he_normal censored in 2/2" in v.note, v
        assert v.outcome == "inconclusive" and v.low == 0 and v.high == math.inf, v
