"""The percentile bootstrap of the median that verdicts used before the exact interval (kept to show its undercoverage).

harness.tools.coverage compares it with harness.stats.median.interval; no verdict uses it.
"""
from __future__ import annotations

import math

import numpy as np

from harness.stats.median import LEVEL


N_BOOT = 4000  # bootstrap resamples; fixed seed so a verdict recomputed from the store is identical
BOOT_SEED = 0



def bootstrap_median_bounds(lower: np.ndarray, upper: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """Percentile-bootstrap interval of the median, where each seed's value is known only to lie in [lower, upper].

    Resampling seeds (the same resample for both bounds), the interval's low end is the
    alpha/2 quantile of the medians of the lower bounds and its high end the 1-alpha/2 quantile of
    the medians of the upper bounds. Exact values have lower == upper. Infinite bounds (a censored
    run) are allowed: 'lower'/'higher' quantiles never interpolate across an infinity.
    """
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    n = len(lower)
    if n == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(BOOT_SEED)
    idx = rng.integers(0, n, size=(N_BOOT, n))  # (N_BOOT, n) resampled seed indices
    med_lo = np.sort(lower[idx], axis=1)[:, (n - 1) // 2]  # lower median of each resample
    med_hi = np.sort(upper[idx], axis=1)[:, n // 2]  # upper median of each resample
    alpha = 1 - level
    return (float(np.quantile(med_lo, alpha / 2, method="lower")),
            float(np.quantile(med_hi, 1 - alpha / 2, method="higher")))
