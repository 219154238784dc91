"""A median over seeds whose values may be censored or missing, with its interval: what reports and plots show."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from harness.stats.median import Measured, interval


@dataclass(frozen=True)
class Estimate:
    """A median over seeds whose values may be censored (known only to exceed a bound), with its interval.

    lo/hi bound the sample median itself: equal when nothing censored affects it, hi = inf when
    censored runs make up the middle (then all we know is median > lo).
    """

    lo: float
    hi: float
    low: float  # LEVEL interval, low end (-inf when too few seeds bound it)
    high: float  # LEVEL interval, high end (inf when censoring or too few seeds leave it open)
    n: int  # seeds with a value
    n_censored: int
    n_missing: int = 0  # seeds without a value (a run that measured something else, or nothing): left out, counted

    @classmethod
    def of(cls, values: list[Measured]) -> "Estimate":
        """The median of the seeds that have a value; seeds without one (nan) are left out and counted in n_missing."""
        measured = [v for v in values if not math.isnan(v.value)]
        missing = len(values) - len(measured)
        if not measured:
            return cls(math.nan, math.nan, math.nan, math.nan, 0, 0, missing)
        lower = np.array([v.value for v in measured], float)
        upper = np.array([math.inf if v.censored else v.value for v in measured], float)
        low, high = interval(lower, upper)
        return cls(float(np.median(lower)), float(np.median(upper)), low, high, len(measured),
                   sum(v.censored for v in measured), missing)

    def point(self, digits: int = 3) -> str:
        if math.isnan(self.lo):
            return "-"
        if self.lo == self.hi:
            return f"{self.lo:.{digits}g}"
        if math.isinf(self.hi):
            return f">{self.lo:.{digits}g}"
        return f"{self.lo:.{digits}g}..{self.hi:.{digits}g}"
