"""selu-self-normalization at CI scale (2 seeds): a forward pass at init, so every value is deterministic given the seed.

Robust: SELU + LeCun on standardized inputs (with or without alpha dropout) keeps all 100 layers in
the domain; He init leaves it at every layer; plain dropout at most layers. BN before the activation
re-normalizes every layer in train mode, so "BN breaks it" is refuted here: asserted as the finding.
"""
from __future__ import annotations

from harness.queries import load_history
from harness.verdict import select
from suites.selu_self_normalization import SUITE  # noqa: F401  (the shared fixture in suites/conftest.py runs it)

SEEDS = 2


def _row(res, statement, **variant):
    group = ", ".join(f"{k}={v}" for k, v in variant.items())
    rows = select(res.verdicts, statement, group=group)
    assert len(rows) == 1, (statement, group)
    return rows[0]


BASE = dict(init="lecun_normal", standardize=True, dropout=0.0, dropout_kind="plain", norm="none")


def test_per_layer_statistics_are_logged_with_the_layer_as_step(suite_run):
    tracker, res = suite_run
    assert len(res.runs) == 6 * SEEDS and not res.failures
    assert (res.runs.stop_reason == "measured").all()
    hist = load_history(tracker.client, res.runs.run_id.iloc[0])
    assert hist.epoch.tolist() == list(range(1, 101)) and hist[["layer_mean", "layer_std"]].notna().all().all()


def test_lecun_on_standardized_inputs_keeps_every_layer_in_the_domain(suite_run):
    _, res = suite_run
    for variant in (BASE, {**BASE, "dropout": 0.1, "dropout_kind": "alpha"}):
        v = _row(res, "keeps mean ~0, variance ~1 at every depth", **variant)
        assert v.outcome == "supported" and v.high == 0.0, v


def test_he_init_and_plain_dropout_break_it(suite_run):
    _, res = suite_run
    for variant, low in (({**BASE, "init": "he_normal"}, 0.9), ({**BASE, "dropout": 0.1}, 0.5)):
        v = _row(res, "breaks self-normalization", **variant)
        assert v.outcome == "supported" and v.low > low, v


def test_bn_before_selu_renormalizes_every_layer_so_the_claim_is_refuted(suite_run):
    _, res = suite_run
    v = _row(res, "breaks self-normalization", **{**BASE, "norm": "before"})
    assert v.outcome == "refuted" and v.high == 0.0, v
