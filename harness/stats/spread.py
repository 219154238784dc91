"""The ratio of two spreads over seeds, paired by seed: sd(treatment) / sd(baseline) with the Pitman-Morgan interval.

No distribution-free interval for a ratio of spreads exists at 6-12 seeds (a percentile bootstrap of sds
covers far below its label there), so this one is parametric: exact when the paired values are bivariate
normal (Pitman 1939, Morgan 1939: with lam the true variance ratio, x/sqrt(lam) + y and x/sqrt(lam) - y are
uncorrelated, which a t test on their correlation checks; inverting it gives the interval below). Its
coverage at 6 seeds, normal and heavy-tailed, is measured in tests/test_spread.py.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

from harness.stats.median import LEVEL


def sd_ratio(treatment, baseline, level: float = LEVEL) -> tuple[float, float, float]:
    """(sd ratio, low, high) of paired values (one per seed): sd(treatment) / sd(baseline) and its `level` interval.

    nan when fewer than 3 pairs; (inf or 0, ...) bounds follow from a zero spread on either side.
    """
    x, y = np.asarray(treatment, float), np.asarray(baseline, float)
    n = len(x)
    if n < 3 or len(y) != n:
        return math.nan, math.nan, math.nan
    vx, vy = x.var(ddof=1), y.var(ddof=1)
    if vx == 0 or vy == 0:  # no spread on a side: the ratio is 0 or infinite, its interval unknown
        return (0.0 if vx == 0 and vy > 0 else math.inf if vy == 0 and vx > 0 else math.nan), 0.0, math.inf
    f = vx / vy
    r = float(np.corrcoef(x, y)[0, 1])
    t = stats.t.ppf(0.5 + level / 2, n - 2)
    k = 1 + 2 * (1 - r * r) * t * t / (n - 2)
    root = math.sqrt(k * k - 1)
    return math.sqrt(f), math.sqrt(f * (k - root)), math.sqrt(f * (k + root))
