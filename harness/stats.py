"""Statistics for verdicts: bootstrap intervals of a median over seeds, with censored values bounded, never dropped."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LEVEL = 0.95  # two-sided interval level for every verdict
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


@dataclass(frozen=True)
class Measured:
    """One seed's value; censored means the true value is larger than `value` (the budget ran out first)."""

    value: float
    censored: bool = False


def ratio_bounds(treat: Measured, base: Measured) -> tuple[float, float, float]:
    """(observed, lower, upper) for the ratio treat/base when either side may be censored from above."""
    observed = treat.value / base.value if base.value > 0 else math.inf
    lower = 0.0 if base.censored else observed  # base could be arbitrarily larger -> ratio arbitrarily small
    upper = math.inf if treat.censored else observed  # treat could be arbitrarily larger
    return observed, lower, upper


def judge_interval(low: float, high: float, threshold: float, direction: str) -> str:
    """supported when the whole interval lies on the claimed side of the threshold, refuted when it lies wholly on the other, else inconclusive."""
    if direction == "<":
        return "supported" if high < threshold else "refuted" if low > threshold else "inconclusive"
    if direction == ">":
        return "supported" if low > threshold else "refuted" if high < threshold else "inconclusive"
    raise ValueError(f"invalid direction {direction!r}; valid: <, >")
