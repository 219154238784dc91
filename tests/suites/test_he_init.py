"""he-init: the init-time measurements at CI scale (6 seeds, 1 epoch), and every main row flipping on a synthetic table.

Robust at CI scale: with Glorot the 30th layer's activation std is ~1e-4 of the first's and the
first layer's gradient ~1e-4 of He's; PyTorch's default gives a first-layer gradient ~1e-11 of He's.
After one epoch nothing reaches the target, so the epochs rows are bounds over censored runs.
"""
from __future__ import annotations

import math

import pytest

from harness.store.queries import load_history
from harness.judge.simulated import censored, outcomes, reached, runs_table
from harness.judge.verdict import select
from suites.he_init import SUITE  # noqa: F401  (the shared fixture in tests/suites/conftest.py runs it)


def test_every_run_finished_with_per_layer_statistics_at_init(suite_run):
    tracker, res = suite_run
    assert len(res.runs) == 18 and not res.failures  # 3 inits x 6 seeds
    hist = load_history(tracker.client, res.runs.run_id.iloc[0]).set_index("epoch")
    assert math.isfinite(hist.loc[0, "act/post_std/layer_30"]) and math.isfinite(hist.loc[0, "grad/norm/layer_01"])


def test_glorot_shrinks_the_signal_and_the_first_layer_gradient(result):
    assert outcomes(result.verdicts, "activation scale shrinks with depth", init="glorot_uniform") == ["supported"]
    for init in ("glorot_uniform", "default"):
        (v,) = select(result.verdicts, "the first layer gets a far smaller gradient", init=init)
        assert v.arms[1] == {"init": "he_normal"} and v.label == f"init {init} vs he_normal", v
        assert v.outcome == "supported" and v.high < 1e-2, v


def test_he_keeps_the_signal_within_the_finite_width_band(result):
    (v,) = select(result.verdicts, "activation scale is kept across depth")
    assert v.n == 6 and 1 / 6 < v.effect < 6 and v.outcome != "refuted", v


def test_runs_short_of_the_target_are_censored_bounds_not_dropped(result):
    rows = select(result.verdicts, "more epochs are needed")
    assert [v.arms[0]["init"] for v in rows] == ["glorot_uniform", "default"]  # each against he_normal
    for v in rows:
        assert v.n == 6 and "baseline (init he_normal) censored in 6 of 6 seeds" in v.note, v
        assert v.outcome == "inconclusive" and v.low == 0 and v.high > 1e300, v  # open above


def _table(he_works: bool):
    """He trains in 8 epochs and keeps its scale; the others stall and shrink; or the reverse."""
    def metrics(cfg):
        good = (cfg.init == "he_normal") == he_works
        spread = 1 + 0.05 * cfg.seed
        return {**(reached(8 * spread) if good else censored(30)),
                "final_val_acc": 0.9 if good else 0.1, "act/std_last_first_ratio_init": (0.7 if good else 1e-4) * spread,
                "grad/first_norm_init": (1.0 if good else 1e-4) * spread}
    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("he_works, want", [(True, "supported"), (False, "refuted")])
def test_main_rows_flip_with_the_effect(he_works, want):
    verdicts = SUITE.judge(_table(he_works))
    for statement in ("activation scale is kept across depth", "activation scale shrinks with depth", "trains",
                      "stalls", "more epochs are needed", "the first layer gets a far smaller gradient"):
        assert set(outcomes(verdicts, statement)) == {want}, statement
