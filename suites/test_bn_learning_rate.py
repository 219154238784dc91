"""bn-learning-rate at CI scale (lr 0.03 and 0.3, 2 seeds): at 0.3 the 20-layer ReLU net trains only with BN."""
from __future__ import annotations

import math

import pytest

from suites.bn_learning_rate import SUITE  # noqa: F401  (the shared fixture in suites/conftest.py runs it)


def test_only_bn_is_stable_at_the_high_rate(result):
    runs = result.runs
    assert len(runs) == 8 and not result.failures  # 2 norms x 2 rates x 2 seeds
    high = runs[runs.lr == 0.3]
    assert (high[high.norm == "none"].converged == 0).all()
    assert (high[high.norm == "before"].converged == 1).all()
    assert (runs[(runs.lr == 0.03) & (runs.norm == "none")].converged == 1).all()


def test_largest_stable_rate_is_higher_with_bn(result):
    headline = result.verdicts[0]
    assert headline.statement == "BN allows higher learning rates" and headline.n == 2
    # BN is stable at the grid's top (0.3, bound open above), no BN only at 0.03: ratio >= 10.
    assert headline.outcome == "supported" and headline.low == pytest.approx(10.0) and math.isinf(headline.high)
    assert "before passes at the grid top in 2/2" in headline.note


def test_per_rate_rows_cover_the_grid(result):
    per_lr = [v for v in result.verdicts if v.statement == "BN needs fewer epochs"]
    assert [v.group for v in per_lr] == ["lr=0.03, norm before vs none", "lr=0.3, norm before vs none"]
    assert all(v.n == 2 for v in per_lr)
