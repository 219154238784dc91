"""Statistics for verdicts: a median over seeds and its interval, with censored values bounded, never dropped.

Every verdict, report, plot and comparison takes its intervals and its bound arithmetic from here.
"""
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


def difference_bounds(treat: Measured, base: Measured) -> tuple[float, float, float]:
    """(observed, lower, upper) for the difference treat - base when either side may be censored from above."""
    observed = treat.value - base.value
    lower = -math.inf if base.censored else observed  # base could be arbitrarily larger
    upper = math.inf if treat.censored else observed  # treat could be arbitrarily larger
    return observed, lower, upper


def bounded_ratio(treat: tuple[float, float, float], base: tuple[float, float, float]) -> tuple[float, float, float]:
    """(observed, lower, upper) of treat/base where each side is (value, low, high); x/0 = inf, 0/0 = nan."""

    def div(a: float, b: float) -> float:
        if b == 0:
            return math.inf if a > 0 else math.nan
        return a / b

    observed = div(treat[0], base[0])
    lower = div(treat[1], base[2]) if base[2] != math.inf else 0.0
    upper = div(treat[2], base[1])
    return observed, lower, upper


def bounds_of(m: Measured) -> tuple[float, float]:
    """A censored value is known only to be at least its value."""
    return (m.value, math.inf) if m.censored else (m.value, m.value)


# Equivalence ('no consistent difference') directions. A ratio band is [1/threshold, threshold];
# a difference band is [-threshold, threshold]. Tables show e.g. "within 1.25", "within+- 0.01".
WITHIN_RATIO = "within"
WITHIN_DIFFERENCE = "within+-"


def equivalence_band(direction: str, threshold: float) -> tuple[float, float]:
    """The band an equivalence verdict must lie inside: [1/t, t] for a ratio, [-t, t] for a difference."""
    if direction == WITHIN_RATIO:
        return 1.0 / threshold, threshold
    if direction == WITHIN_DIFFERENCE:
        return -threshold, threshold
    raise ValueError(f"invalid equivalence direction {direction!r}; valid: {WITHIN_RATIO}, {WITHIN_DIFFERENCE}")


def judge_equivalence(low: float, high: float, band: tuple[float, float]) -> str:
    """supported when the interval lies inside the band (any difference is within the margin), refuted when it
    lies wholly outside it (a consistent difference beyond the margin), else inconclusive."""
    if band[0] < low and high < band[1]:
        return "supported"
    if high < band[0] or low > band[1]:
        return "refuted"
    return "inconclusive"


def judge(low: float, high: float, threshold: float, direction: str) -> str:
    """One-sided ('<', '>') via judge_interval, or equivalence ('within', 'within+-') via judge_equivalence."""
    if direction in (WITHIN_RATIO, WITHIN_DIFFERENCE):
        return judge_equivalence(low, high, equivalence_band(direction, threshold))
    return judge_interval(low, high, threshold, direction)


@dataclass(frozen=True)
class Estimate:
    """A median over seeds whose values may be censored (known only to exceed a bound), with its interval.

    lo/hi bound the sample median itself: equal when nothing censored affects it, hi = inf when
    censored runs make up the middle (then all we know is median > lo).
    """

    lo: float
    hi: float
    low: float  # LEVEL interval, low end
    high: float  # LEVEL interval, high end (inf when censoring leaves it open)
    n: int
    n_censored: int

    @classmethod
    def of(cls, values: list[Measured]) -> "Estimate":
        lower = np.array([v.value for v in values], float)
        upper = np.array([math.inf if v.censored else v.value for v in values], float)
        if not len(values):
            return cls(math.nan, math.nan, math.nan, math.nan, 0, 0)
        low, high = bootstrap_median_bounds(lower, upper)
        return cls(float(np.median(lower)), float(np.median(upper)), low, high, len(values),
                   sum(v.censored for v in values))

    def point(self, digits: int = 3) -> str:
        if math.isnan(self.lo):
            return "-"
        if self.lo == self.hi:
            return f"{self.lo:.{digits}g}"
        if math.isinf(self.hi):
            return f">{self.lo:.{digits}g}"
        return f"{self.lo:.{digits}g}..{self.hi:.{digits}g}"

    def interval(self, digits: int = 3) -> str:
        if math.isnan(self.low):
            return "-"
        if math.isinf(self.high):  # censoring leaves the interval open above
            return f"[{self.low:.{digits}g}, open)"
        return f"[{self.low:.{digits}g}, {self.high:.{digits}g}]"
