"""The exact interval of a proportion: how often something happened in n independent seeds (Clopper-Pearson).

For a share judged against 1/2 it decides exactly as the median's order-statistic interval (harness.stats.median)
does on the 0/1 values: its low end exceeds 1/2 when P(Binom(n, 1/2) >= k) <= (1 - level) / 2, the sign test.
"""
from __future__ import annotations

import functools
import math

from harness.stats.median import LEVEL

_ROUNDING = 1e-12  # a tail computed in floats may exceed its exact value by a few ulps; far below any level's step
_BISECTIONS = 60  # halvings of [0, 1]: the ends are found to ~1e-18, far below what a table shows


def _at_least(k: int, n: int, p: float) -> float:
    """P(Binom(n, p) >= k)."""
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(max(k, 0), n + 1))


@functools.lru_cache(maxsize=4096)  # a pure function of three numbers, asked thousands of times by a null simulation
def binomial_interval(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Two-sided `level` Clopper-Pearson interval of a proportion from k of n: coverage >= level for every p.

    Each end leaves (1 - level) / 2 on its side: low solves P(Binom(n, low) >= k) = alpha/2 (0 when k = 0), high
    solves P(Binom(n, high) <= k) = alpha/2 (1 when k = n). (nan, nan) when n = 0: no seed, no interval."""
    if not 0 < level <= 1:
        raise ValueError(f"invalid level {level!r}; valid: 0 < level <= 1 (e.g. 0.95)")
    if not 0 <= k <= n:
        raise ValueError(f"invalid count {k!r} of {n!r}; valid: 0 <= k <= n")
    if n == 0:
        return math.nan, math.nan
    tail = (1 - level) / 2

    def solve(f) -> float:  # f increases in p: the p where f(p) = tail
        lo, hi = 0.0, 1.0
        for _ in range(_BISECTIONS):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if f(mid) < tail else (lo, mid)
        return (lo + hi) / 2

    low = 0.0 if k == 0 else solve(lambda p: _at_least(k, n, p))
    high = 1.0 if k == n else 1 - solve(lambda q: _at_least(n - k, n, q))  # by symmetry: failures at rate 1 - p
    return low, high


def share_outcome(k: int, n: int, threshold: float, level: float = LEVEL) -> str:
    """'supported' when a share of k in n is shown above `threshold` at `level` (one-sided P(Binom(n, threshold) >= k)
    <= (1 - level) / 2, i.e. the Clopper-Pearson low end at or above it), 'refuted' when shown below, else
    'inconclusive'. Decided on the exact tail rather than the interval's end, as the median's interval is
    (harness.stats.median.order_rank): at a sequential look's level an end can sit exactly on the threshold."""
    if n == 0:
        return "inconclusive"
    tail = (1 - level) / 2 + _ROUNDING
    if _at_least(k, n, threshold) <= tail:
        return "supported"
    return "refuted" if _at_least(n - k, n, 1 - threshold) <= tail else "inconclusive"
