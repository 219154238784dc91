"""selu-self-normalization: CI scale (baseline and He init, 6 seeds, full depth: a forward pass at init each),
and every row flipping on a synthetic table at the default scale (10 seeds).

Robust at CI scale: SELU + LeCun on standardized inputs settles inside the domain; He init's last
layers lie far outside it.
"""
from __future__ import annotations

import math

import pytest

from harness.store.queries import load_history
from harness.judge.simulated import outcomes, runs_table
from harness.judge.verdict import select
from suites.selu_self_normalization import LAST, SUITE, domain_distance


def test_per_layer_statistics_are_logged_with_the_layer_as_step(suite_run):
    tracker, res = suite_run
    assert len(res.runs) == 12 and not res.failures
    assert (res.runs.stop_reason == "measured").all()
    hist = load_history(tracker.client, res.runs.run_id.iloc[0])
    assert hist.epoch.tolist() == list(range(1, 101))
    assert hist[["layer_mean", "layer_std", "layer_distance"]].notna().all().all()
    assert res.runs.entry_depth.between(1, 101).all()


def test_lecun_settles_inside_the_domain_and_he_init_leaves_it(result):
    (keeps,) = select(result.verdicts, "keeps mean ~0, variance ~1 in the last layers")
    assert keeps.outcome == "supported" and keeps.n == 6, keeps
    (breaks,) = select(result.verdicts, "breaks self-normalization")
    assert breaks.group["init"] == "he_normal" and breaks.outcome == "supported", breaks


def test_distance_is_measured_in_units_of_the_domain_edges():
    assert domain_distance(0.0, 1.0) == 0.0
    assert domain_distance(0.1, 1.0) == pytest.approx(1.0)
    assert domain_distance(0.0, math.sqrt(1.5)) == pytest.approx(1.0)
    assert domain_distance(0.0, math.sqrt(0.8)) == pytest.approx(1.0)
    assert domain_distance(math.nan, 1.0) == math.inf


@pytest.mark.parametrize("claim_holds, want", [(True, "supported"), (False, "refuted")])
def test_rows_flip_with_the_effect(claim_holds, want):
    def metrics(cfg):
        baseline_like = cfg.init == "lecun_normal" and cfg.standardize and cfg.norm == "none" and (
            cfg.dropout == 0 or cfg.dropout_kind == "alpha")
        inside = baseline_like == claim_holds
        return {"stop_reason": "measured", "last_distance": (0.4 if inside else 3.0) + 0.01 * cfg.seed,
                "entry_depth": 5.0 if inside else 101.0}
    verdicts = SUITE.judge(runs_table(SUITE, metrics))
    assert set(outcomes(verdicts, "keeps mean ~0, variance ~1 in the last layers")) == {want}
    assert set(outcomes(verdicts, "breaks self-normalization")) == {want}
    assert len(verdicts) == 6 and all(v.n == 10 for v in verdicts) and str(LAST) in verdicts[0].metric
