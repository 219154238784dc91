"""bn-inference: every row at CI scale (6 seeds, a 6-layer net) with the fused net's exactness, and the fusion
verdict failing on a synthetic table where fusion is wrong.

No latency outcome is asserted on the real runs: speed is the benchmarks' business (benchmarks/),
and a wall-clock assertion on a shared CI machine would flake.
"""
from __future__ import annotations

import math

import pytest

from harness.judge.simulated import outcomes, runs_table
from harness.judge.verdict import select
from suites.bn_inference import BATCH_SIZES, FAST, SLOWER, SUITE, TOLERANCE, VARIANTS


def test_every_run_measured_all_nets_at_every_batch_size(result):
    runs = result.runs
    assert not result.failures
    assert len(runs) == 12  # relu x (before, after) x 6 seeds
    for _, run in runs.iterrows():
        assert run["stop_reason"] == "measured"
        for b in BATCH_SIZES:
            for v in VARIANTS:
                value = run[f"latency_s/{v}/b{b}"]
                assert math.isfinite(value) and value > 0, (v, b, value)
            assert run[f"ratio/bn_vs_none/b{b}"] == pytest.approx(run[f"latency_s/bn/b{b}"] / run[f"latency_s/none/b{b}"])


def test_fused_net_has_no_bn_and_computes_the_bn_net(result):
    runs = result.runs
    assert (runs["bn_modules"] == SUITE.configs(scale="ci")[0].depth).all()
    assert (runs["fused_bn_modules"] == 0).all()
    # float32 rounding through 6 layers (see tests/test_fusion.py): measured ~1e-6; a wrong fold gives > 1e-2.
    assert (runs["fused_max_rel_err"] < 1e-5).all() and (runs["bn_max_rel_err"] < 1e-5).all()
    assert outcomes(result.verdicts, "fused computes the BN net") == ["supported", "supported"]
    assert all(v.threshold == TOLERANCE for v in select(result.verdicts, "fused computes the BN net"))


def test_verdict_rows_exist_with_n_and_intervals(suite_run):
    tracker, res = suite_run
    verdicts = res.verdicts
    # 2 placements x (3 batch sizes x 3 statements + 1 exactness row)
    assert len(verdicts) == 20
    for norm in ("before", "after"):
        for b, slower, fast in zip(BATCH_SIZES, SLOWER, FAST):
            assert len(select(verdicts, slower.statement, metric=slower.metric, norm=norm)) == 1, (norm, b)
            assert len(select(verdicts, fast.statement, metric=fast.metric, norm=norm)) == 1, (norm, b)
            (removes,) = select(verdicts, "fusion removes the penalty", activation="relu", norm=norm, batch=b)
            assert removes.n == 6 and removes.label == f"relu, BN {norm}, batch {b}", removes
    for v in verdicts:
        assert v.n == 6 and v.low <= v.effect <= v.high, v
    parent = tracker.client.get_run(res.parent_run_id)
    assert sum(k.startswith("verdict/") for k in parent.data.tags) == 20


def _table(fast: bool, exact: bool):
    def metrics(cfg):
        jitter = 0.005 * cfg.seed
        out = {"stop_reason": "measured", "fused_max_rel_err": (2e-6 if exact else 0.3) * (1 + jitter)}
        for b in BATCH_SIZES:
            out[f"ratio/bn_vs_none/b{b}"] = (1.5 if fast else 0.9) + jitter
            out[f"ratio/fused_vs_none/b{b}"] = (1.0 if fast else 1.3) + jitter
        return out
    return runs_table(SUITE, metrics)


@pytest.mark.parametrize("fast, exact, want", [(True, True, "supported"), (True, False, "refuted"),
                                               (False, True, "refuted")])
def test_fusion_verdict_fails_when_fusion_is_slow_or_wrong(fast, exact, want):
    verdicts = SUITE.judge(_table(fast, exact))
    assert set(outcomes(verdicts, "fusion removes the penalty")) == {want}
    assert set(outcomes(verdicts, "fused computes the BN net")) == {"supported" if exact else "refuted"}
    assert set(outcomes(verdicts, "BN slows inference")) == {"supported" if fast else "refuted"}
