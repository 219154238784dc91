"""The Pitman-Morgan sd-ratio interval: its coverage at the seed counts suites use, normal and heavy-tailed."""
from __future__ import annotations

import numpy as np
import pytest

from harness.stats.spread import sd_ratio

REPS = 4000  # simulated experiments per cell: Monte Carlo s.e. of a 0.95 coverage ~0.0035


def coverage(n: int, true_ratio: float, corr: float, tails: str, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((REPS, n, 2)) if tails == "normal" else rng.standard_t(3, (REPS, n, 2))
    x = z[..., 0]
    y = corr * z[..., 0] + np.sqrt(1 - corr**2) * z[..., 1]  # same spread as x, correlated
    hits = 0
    for i in range(REPS):
        _, low, high = sd_ratio(true_ratio * x[i], y[i])
        hits += low <= true_ratio <= high
    return hits / REPS


@pytest.mark.parametrize("n, corr", [(6, 0.0), (6, 0.7), (9, 0.3)])
def test_covers_at_its_level_for_normal_seeds(n, corr):
    assert coverage(n, 0.5, corr, "normal") == pytest.approx(0.95, abs=0.015)


def test_heavy_tails_cost_coverage_and_it_is_measured_not_hidden():
    # t with 3 degrees of freedom: the normal-theory interval undercovers (measured 0.87 at 6 seeds, 0.83 at 9, 0.80 at 12).
    assert 0.80 < coverage(6, 1.0, 0.0, "t3") < 0.95


def test_the_ratio_and_its_interval_by_hand():
    x, y = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.5]
    ratio, low, high = sd_ratio(x, y)
    assert ratio == pytest.approx(np.std(x, ddof=1) / np.std(y, ddof=1))
    assert low < ratio < high
    assert np.isnan(sd_ratio([1.0, 2.0], [1.0, 3.0])[0])
    assert sd_ratio([1.0, 1.0, 1.0], [1.0, 2.0, 4.0])[:1] == (0.0,)
