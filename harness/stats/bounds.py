"""Bounds and judgement: censored per-seed values as [lower, upper], and an interval judged against a threshold."""
from __future__ import annotations

import math

from harness.stats.median import Measured


def ratio_bounds(treat: Measured, base: Measured) -> tuple[float, float, float]:
    """(observed, lower, upper) for the ratio treat/base when either side may be censored from above."""
    observed = treat.value / base.value if base.value > 0 else math.inf
    lower = 0.0 if base.censored else observed  # base could be arbitrarily larger -> ratio arbitrarily small
    upper = math.inf if treat.censored else observed  # treat could be arbitrarily larger
    return observed, lower, upper


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


def judge_interval(low: float, high: float, threshold: float, direction: str) -> str:
    """supported when the whole interval lies on the claimed side of the threshold, refuted when it lies wholly on the other, else inconclusive."""
    if direction == "<":
        return "supported" if high < threshold else "refuted" if low > threshold else "inconclusive"
    if direction == ">":
        return "supported" if low > threshold else "refuted" if high < threshold else "inconclusive"
    raise ValueError(f"invalid direction {direction!r}; valid: <, >")


