"""The interval of a median over seeds: exact, distribution-free, with censored values bounded, never dropped.

Every verdict, report, plot and comparison takes its intervals from here; the bound arithmetic of
censored ratios and differences and the judgement of an interval against a threshold live in
harness.stats.bounds.
"""
from __future__ import annotations

import contextvars
import functools
import math
from dataclasses import dataclass

import numpy as np

from harness.core.scoped import scoped

LEVEL = 0.95  # two-sided interval level for every verdict (overall, when seeds are added sequentially)
# The level verdicts are computed at: LEVEL, or one look's share of it while seeds are added sequentially
# (harness.judge.sequential). A context variable, so a suite's judge function needs no level argument.
_CURRENT_LEVEL: contextvars.ContextVar[float] = contextvars.ContextVar("interval_level", default=LEVEL)


def current_level() -> float:
    """The interval level verdicts are being computed at."""
    return _CURRENT_LEVEL.get()


def at_level(level: float):
    """Compute verdicts inside the block at `level` (one look of a sequential procedure)."""
    return scoped(_CURRENT_LEVEL, level)


@dataclass(frozen=True)
class Measured:
    """One seed's value; censored means the true value is larger than `value` (the budget ran out first)."""

    value: float
    censored: bool = False


# --- Distribution-free order-statistic interval of the median (issue 11) ---
# The percentile bootstrap (harness.stats.bootstrap) returns [min, max] of 2-6 seeds, whose coverage of the median is only
# 1 - 2^(1-n) (50% at n=2, 94% at n=5). The interval below is exact for any distribution: the number of
# seeds below the median is Binomial(n, 1/2), so [x_(k), x_(n+1-k)] misses it with probability
# 2 P(Binom(n, 1/2) < k). Under interval censoring the k-th smallest lower bound is <= the k-th smallest
# true value (and likewise above), so taking each end from its own bounds only widens the interval.
# See docs/statistics.md for the defence and the measured coverage (python -m harness.tools.coverage).

_ROUNDING = 1e-15  # lets a level built as 1 - alpha (sequential_levels) round-trip; costs <= 1e-15 of coverage


def _check_level(level: float) -> float:
    """alpha = 1 - level, after checking 0 < level <= 1."""
    if not 0 < level <= 1:
        raise ValueError(f"invalid level {level!r}; valid: 0 < level <= 1 (e.g. 0.95)")
    return 1 - level


def _below(n: int, k: int) -> float:
    """P(Binom(n, 1/2) < k), exactly (integer sums) up to the final division."""
    return sum(math.comb(n, i) for i in range(min(max(k, 0), n + 1))) / 2 ** n


@functools.lru_cache(maxsize=None)  # pure; a null simulation asks for the same few (n, level) ~10^5 times
def order_rank(n: int, level: float = LEVEL) -> int:
    """Largest k <= n+1-k with 2 P(Binom(n, 1/2) < k) <= 1 - level, so [x_(k), x_(n+1-k)] has coverage >= level; 0 when none exists."""
    alpha = _check_level(level)
    k, count = 0, 0  # count = 2^n P(Binom(n, 1/2) < k + 1), accumulated so large n stays linear
    while k + 1 <= n - k:
        count += math.comb(n, k)
        if 2 * count / 2 ** n > alpha + _ROUNDING:
            break
        k += 1
    return k


def achieved_level(n: int, level: float = LEVEL) -> float:
    """Exact coverage of interval() for n seeds of a continuous value (>= level; 1.0 when it is unbounded)."""
    k = order_rank(n, level)
    return 1.0 if k == 0 else 1 - 2 * _below(n, k)


@functools.lru_cache(maxsize=None)
def min_seeds(level: float = LEVEL) -> int:
    """Fewest seeds for which a two-sided `level` interval of the median is bounded: smallest n with 2^(1-n) <= 1 - level (6 at 95%)."""
    if _check_level(level) == 0:
        raise ValueError("a level of 1 is never reached with finitely many seeds")
    n = 1
    while order_rank(n, level) == 0:
        n += 1
    return n


def unbounded_reason(n: int, level: float = LEVEL) -> str | None:
    """Why interval() is unbounded for n seeds at `level` (a verdict note), or None when it is bounded."""
    if level >= 1:  # a sequential look whose share of the error is smaller than any n-seed interval can spend
        return f"this look spends no error at {n} seeds (its share is below what {n} seeds can reach)"
    need = min_seeds(level)
    return None if n >= need else f"needs >= {need} seeds for a {level * 100:g}% interval (has {n})"


def sample_median(values) -> float:
    """np.median of a short 1-D array, same value, without its overhead (~10x less at a few seeds, which a null
    simulation pays ~10^5 times): the middle of the sorted values, the mean of the two middle ones for an even
    count; NaN when any value is NaN or there are none."""
    v = np.sort(np.asarray(values, float))
    n = len(v)
    if n == 0 or np.isnan(v[-1]):  # NaN sorts last
        return math.nan
    m = n // 2
    return float(v[m]) if n % 2 else float((v[m - 1] + v[m]) / 2)


def _bounds(lower, upper) -> tuple[np.ndarray, np.ndarray]:
    """lower, upper as float arrays of the same shape, rejecting NaN and lower > upper."""
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    if lower.shape != upper.shape:
        raise ValueError(f"lower and upper differ in shape: {lower.shape} vs {upper.shape}")
    if np.isnan(lower).any() or np.isnan(upper).any():
        raise ValueError("NaN bound: drop seeds without a value before calling (and count them in the note)")
    if (lower > upper).any():
        raise ValueError("a lower bound exceeds its upper bound")
    return lower, upper


def interval_rows(lower, upper, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """interval() for each row of (rows, n) arrays at once (simulations): arrays of low ends and high ends."""
    lower, upper = _bounds(lower, upper)
    if lower.ndim != 2:
        raise ValueError(f"expected (rows, seeds) arrays, got shape {lower.shape}")
    rows, n = lower.shape
    k = order_rank(n, level)
    if k == 0:  # no bounded interval reaches `level` with n seeds: the honest answer is the whole line
        return np.full(rows, -math.inf), np.full(rows, math.inf)
    return np.sort(lower, axis=1)[:, k - 1], np.sort(upper, axis=1)[:, n - k]


def interval(lower, upper, level: float = LEVEL) -> tuple[float, float]:
    """Two-sided `level` interval of the median of per-seed values, each known only to lie in [lower, upper].

    Exact and distribution-free: [k-th smallest lower bound, k-th largest upper bound], k = order_rank(n, level).
    (-inf, inf) when n < min_seeds(level) (n <= 5 at 95%): no interval from so few seeds reaches the level.
    Bounds may be infinite (censored seeds); NaN bounds raise ValueError.
    """
    lower, upper = _bounds(lower, upper)
    if lower.ndim != 1:
        raise ValueError(f"expected one bound per seed, got shape {lower.shape}")
    low, high = interval_rows(lower[None, :], upper[None, :], level)
    return float(low[0]), float(high[0])


def sign_test_p(lower, upper, threshold: float, direction: str) -> float:
    """Exact one-sided p-value that the median lies on the claimed side of `threshold`, counting censored seeds conservatively.

    For '<' it counts seeds whose upper bound is below the threshold (surely below); under the null
    (median >= threshold) that count is at most Binomial(n, 1/2). p <= (1 - level) / 2 exactly when
    interval(level) judges the row supported, so Holm can be applied across rows with these p-values.
    """
    lower, upper = _bounds(lower, upper)
    if direction == "<":
        hits = int((upper < threshold).sum())
    elif direction == ">":
        hits = int((lower > threshold).sum())
    else:
        raise ValueError(f"invalid direction {direction!r}; valid: <, >")
    n = lower.size
    return _below(n, n - hits + 1)  # P(Binom >= hits) = P(Binom <= n - hits) by symmetry


def holm(pvalues, alpha: float) -> list[bool]:
    """Holm's step-down rejections: controls the chance of any false rejection across rows at alpha, any dependence."""
    p = np.asarray(pvalues, float)
    reject = np.zeros(p.size, bool)
    for rank, i in enumerate(np.argsort(p, kind="stable")):
        if p[i] > alpha / (p.size - rank):
            break
        reject[i] = True
    return reject.tolist()


def expected_false_supports(n_rows: int, level: float = LEVEL, n_seeds: int | None = None) -> float:
    """Expected rows 'supported' by chance when every true effect sits at its threshold: n_rows x one-sided error.

    The one-sided error is (1 - level) / 2, or with n_seeds the exact P(Binom(n, 1/2) < k) (smaller:
    order statistics are discrete; 0 below min_seeds). No independence needed (linearity of expectation).
    """
    alpha = _check_level(level)
    if n_seeds is None:
        return n_rows * alpha / 2
    k = order_rank(n_seeds, level)
    return n_rows * (_below(n_seeds, k) if k else 0.0)


def sequential_levels(looks: list[int], level: float = LEVEL, weights: list[float] | None = None) -> list[float]:
    """Per-look interval levels for looks at n = looks[0] < looks[1] < ... seeds, keeping the overall error <= 1 - level.

    Valid by the union bound: the chance that the interval misses the median at ANY look is at most the sum
    of the per-look errors, which this keeps <= alpha, whatever the stopping rule (stopping removes looks).
    alpha is split by `weights` (default equal); each look spends only what its discrete order-statistic
    interval achieves (nothing when n is too small for its share) and passes the rest on to the next look.
    The looks must be fixed in advance, not chosen from the data.
    """
    alpha = _check_level(level)
    if not looks or any(a >= b for a, b in zip(looks, looks[1:])) or looks[0] < 1:
        raise ValueError(f"invalid looks {looks!r}; valid: increasing seed counts >= 1, e.g. [6, 10, 16, 24]")
    w = np.ones(len(looks)) if weights is None else np.asarray(weights, float)
    if w.shape != (len(looks),) or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"invalid weights {weights!r}; valid: one non-negative weight per look, not all 0")
    levels, carry = [], 0.0
    for n, share in zip(looks, alpha * w / w.sum()):
        budget = share + carry
        spent = 1 - achieved_level(n, 1 - budget)
        carry = budget - spent
        levels.append(1 - spent)
    return levels


def two_seed_range(sd: float) -> float:
    """1.96·√2·sd: the 95% range of the difference between two seeds whose values have standard deviation sd.

    An equivalence or non-inferiority margin fixed in advance from seed noise measured on seeds a suite never
    uses (normal approximation): a difference inside it is what two runs of one config show by chance.
    """
    return 1.96 * math.sqrt(2) * sd
