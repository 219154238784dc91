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
from suites.selu_self_normalization import BN, BREAKS, KEEPS, LAST, RAW, SUITE, domain_distance


def test_per_layer_statistics_are_logged_with_the_layer_as_step(suite_run):
    tracker, res = suite_run
    assert len(res.runs) == 12 and not res.failures
    assert (res.runs.stop_reason == "measured").all()
    hist = load_history(tracker.client, res.runs.run_id.iloc[0])
    assert hist.epoch.tolist() == list(range(1, 101))
    assert hist[["layer_mean", "layer_std", "layer_distance"]].notna().all().all()
    assert res.runs.entry_depth.between(1, 101).all()
    assert res.runs.first_distance.notna().all() and (res.runs.all_distance >= res.runs.last_distance).all()


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


def inside_or_not(keeps_variants, first: bool = False):
    """A synthetic forward pass: inside the domain (distance 0.4) or far outside (3.0) per variant; seeds spread it."""
    def metrics(cfg):
        inside = (cfg.init, cfg.standardize, cfg.dropout, cfg.dropout_kind, cfg.norm) in keeps_variants
        d = (0.4 if inside else 3.0) + 0.01 * cfg.seed
        return {"stop_reason": "measured", "last_distance": d, "first_distance": d, "all_distance": d,
                "entry_depth": 5.0 if inside else 101.0}
    return metrics


ALL = {*KEEPS, *BREAKS, RAW, BN}


@pytest.mark.parametrize("claim_holds, want", [(True, "supported"), (False, "refuted")])
def test_rows_flip_with_the_effect(claim_holds, want):
    keeps = {*KEEPS, BN} if claim_holds else {*BREAKS, RAW}
    verdicts = SUITE.judge(runs_table(SUITE, inside_or_not(keeps)))
    assert set(outcomes(verdicts, "keeps mean ~0, variance ~1 in the last layers")) == {want}
    assert set(outcomes(verdicts, "breaks self-normalization")) == {want}
    assert outcomes(verdicts, "raw inputs break it in the first layers") == [want]
    assert outcomes(verdicts, "BN renormalizes every layer") == [want]
    assert len(verdicts) == 6 and all(v.n == 10 for v in verdicts) and str(LAST) in verdicts[0].metric


@pytest.mark.parametrize("column, want", [("first_distance", "supported"), ("last_distance", "refuted")])
def test_raw_inputs_are_judged_on_the_first_layers(column, want):
    """Raw inputs outside the domain in one stretch of layers only: the row reads the first layers, not the last."""
    def metrics(cfg):
        m = inside_or_not(ALL)(cfg)
        if (cfg.init, cfg.standardize, cfg.dropout, cfg.dropout_kind, cfg.norm) == RAW:
            m[column] = 3.0 + 0.01 * cfg.seed
        return m
    verdicts = SUITE.judge(runs_table(SUITE, metrics))
    assert outcomes(verdicts, "raw inputs break it in the first layers") == [want]


@pytest.mark.parametrize("all_distance, want", [(0.05, "supported"), (3.0, "refuted")])
def test_bn_row_is_a_check_on_every_layer(all_distance, want):
    """BN's row reads the largest distance over every layer and is a check, apart from the claim's rows."""
    def metrics(cfg):
        m = inside_or_not(ALL)(cfg)
        m["all_distance"] = all_distance + 0.001 * cfg.seed
        return m
    (bn,) = select(SUITE.judge(runs_table(SUITE, metrics)), "BN renormalizes every layer")
    assert bn.outcome == want and bn.check and bn.group["norm"] == "before"
