"""bn-inference at CI scale: the robust parts only (every verdict row with n and an interval, fused == BN).

No latency threshold is asserted here: speed is the benchmarks' business (benchmarks/), and a
wall-clock assertion on a shared CI machine would flake.
"""
from __future__ import annotations

import math

import pytest

from suites.bn_inference import BATCH_SIZES, MARGIN, SUITE, VARIANTS


def test_every_run_measured_all_nets_at_every_batch_size(result):
    runs = result.runs
    assert not result.failures
    assert len(runs) == 4  # relu x (before, after) x 2 seeds
    for _, run in runs.iterrows():
        assert run["stop_reason"] == "measured"
        for b in BATCH_SIZES:
            for v in VARIANTS:
                value = run[f"latency_s/{v}/b{b}"]
                assert math.isfinite(value) and value > 0, (v, b, value)
            assert run[f"ratio/bn_vs_none/b{b}"] == pytest.approx(run[f"latency_s/bn/b{b}"] / run[f"latency_s/none/b{b}"])


def test_fused_net_has_no_bn_and_equals_the_bn_net(result):
    runs = result.runs
    assert (runs["bn_modules"] == SUITE.configs(scale="ci")[0].depth).all()
    assert (runs["fused_bn_modules"] == 0).all()
    # float32 rounding through 6 layers (see tests/test_fusion.py): measured ~1e-6; a wrong fold gives > 1e-2.
    assert (runs["fused_max_rel_diff"] < 1e-5).all(), runs["fused_max_rel_diff"]


def test_verdict_rows_exist_with_n_and_intervals(suite_run):
    tracker, res = suite_run
    verdicts = res.verdicts
    # 2 placements x 3 batch sizes x 2 statements
    assert len(verdicts) == 12
    statements = {v.statement for v in verdicts}
    assert statements == {"BN slows inference", "fusion removes the penalty"}
    for norm in ("before", "after"):
        for b in BATCH_SIZES:
            rows = [v for v in verdicts if f"norm={norm}" in v.group and v.metric.endswith(f"batch {b}")]
            assert len(rows) == 2, (norm, b)
    for v in verdicts:
        assert v.n == 2
        assert v.low <= v.effect <= v.high
        assert v.threshold == 1 + MARGIN
        assert v.outcome in ("supported", "refuted", "inconclusive")
    slows = [v for v in verdicts if v.statement == "BN slows inference"]
    assert all(v.direction == ">" for v in slows)
    assert all(v.direction == "<" for v in verdicts if v not in slows)
    parent = tracker.client.get_run(res.parent_run_id)
    assert sum(k.startswith("verdict/") for k in parent.data.tags) == 12
