"""Measured coverage of harness.stats.interval: python -m harness.tools.coverage [--reps N] [--seed S] prints docs/statistics.md's table.

Synthetic experiments with a known true median: per-seed values that are log-normal, heavy-tailed
(log of a t with 3 df), skewed (a fifth of seeds much slower), or censored epoch ratios (a treatment
that may not converge within the budget -> upper bound inf; a baseline that may not -> lower bound 0,
as harness.stats.ratio_bounds). Vectorized over experiments: the default run takes about 10 s.
"""
from __future__ import annotations

import argparse
import math

import numpy as np
from scipy import optimize, special, stats

from harness.stats.median import LEVEL, achieved_level, interval_rows, order_rank, sequential_levels
from harness.stats.bootstrap import bootstrap_median_bounds

DISTS = ("log-normal", "log-t3", "slow-seeds", "censored")
TABLE_N = (2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 17, 20, 25, 30)
LOOKS = (6, 10, 16, 24)  # the sequential design simulated under the table
# Slow seeds: log value N(0, 0.3^2), but a fifth of seeds are e-times slower (skewed, bimodal on the log scale).
SLOW_SHARE, SLOW_SHIFT, SLOW_SPREAD = 0.2, 1.0, 0.3
# Censored case: epochs to target, log-normal, medians 45 (treatment) and 35 (baseline), budget 60 epochs:
# about 28% of treatments and 14% of baselines never converge. Censoring is informative (slow runs are cut).
TREAT_MEDIAN, BASE_MEDIAN, SPREAD, BUDGET = 45.0, 35.0, 0.5, 60.0


def draw(dist: str, rng: np.random.Generator, reps: int, n: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(lower, upper, true median) for `reps` experiments of n seeds: (reps, n) per-seed bounds."""
    if dist == "log-normal":
        x = np.exp(rng.standard_normal((reps, n)))
        return x, x, 1.0
    if dist == "log-t3":
        x = np.exp(rng.standard_t(3, (reps, n)))
        return x, x, 1.0
    if dist == "slow-seeds":
        x = np.exp(SLOW_SPREAD * rng.standard_normal((reps, n)) + SLOW_SHIFT * (rng.random((reps, n)) < SLOW_SHARE))
        return x, x, math.exp(slow_seeds_log_median())
    if dist == "censored":
        _, lower, upper, median = censored_ratios(rng, reps, n)
        return lower, upper, median
    raise ValueError(f"invalid dist {dist!r}; valid: {', '.join(DISTS)}")


def slow_seeds_log_median() -> float:
    """The median of the slow-seeds log value: the root of its mixture CDF minus 1/2."""
    def cdf(m):
        return (1 - SLOW_SHARE) * special.ndtr(m / SLOW_SPREAD) + SLOW_SHARE * special.ndtr((m - SLOW_SHIFT) / SLOW_SPREAD)
    return optimize.brentq(lambda m: cdf(m) - 0.5, -5, 5)


def censored_ratios(rng: np.random.Generator, reps: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(observed, lower, upper, true median) of epoch ratios treatment/baseline when runs stop at BUDGET epochs."""
    treat = TREAT_MEDIAN * np.exp(SPREAD * rng.standard_normal((reps, n)))
    base = BASE_MEDIAN * np.exp(SPREAD * rng.standard_normal((reps, n)))
    observed = np.minimum(treat, BUDGET) / np.minimum(base, BUDGET)  # what a run stopped at the budget reports
    lower = np.where(base > BUDGET, 0.0, observed)  # baseline could be arbitrarily slower
    upper = np.where(treat > BUDGET, math.inf, observed)  # treatment could be arbitrarily slower
    return observed, lower, upper, TREAT_MEDIAN / BASE_MEDIAN  # the ratio of two log-normals is log-normal


def coverage(low: np.ndarray, high: np.ndarray, median: float) -> float:
    """Share of experiments whose interval contains the true median."""
    return float(np.mean((low <= median) & (median <= high)))


def false_support(low: np.ndarray, high: np.ndarray, threshold: float, direction: str = "<") -> float:
    """Share judged supported (as harness.stats.judge_interval) for a claim `direction` threshold; false when the truth sits at it."""
    return float(np.mean(high < threshold) if direction == "<" else np.mean(low > threshold))


def sequential_false_support(lower: np.ndarray, upper: np.ndarray, threshold: float, looks, levels) -> float:
    """Share of experiments first stopping on 'supported' for '<' when each looks at the first looks[i] seeds at levels[i].

    An experiment stops at the first look whose interval excludes the threshold (supported or refuted).
    """
    running = np.ones(lower.shape[0], bool)
    supported = np.zeros(lower.shape[0], bool)
    for n, level in zip(looks, levels):
        low, high = interval_rows(lower[:, :n], upper[:, :n], level)
        supported |= running & (high < threshold)
        running &= (low <= threshold) & (threshold <= high)
    return float(supported.mean())


def old_bootstrap_coverage(lower: np.ndarray, upper: np.ndarray, median: float) -> float:
    """Coverage of the percentile bootstrap (bootstrap_median_bounds) that verdicts used before this module."""
    ends = np.array([bootstrap_median_bounds(lo, hi) for lo, hi in zip(lower, upper)])
    return coverage(ends[:, 0], ends[:, 1], median)


def log_t_coverage(x: np.ndarray, median: float, level: float) -> float:
    """Coverage of the t interval of the mean of log values, read as an interval of the median (the rejected alternative)."""
    logs, n = np.log(x), x.shape[1]
    half = stats.t.ppf(1 - (1 - level) / 2, n - 1) * logs.std(axis=1, ddof=1) / math.sqrt(n)
    return coverage(np.exp(logs.mean(axis=1) - half), np.exp(logs.mean(axis=1) + half), median)


def _rank_label(n: int, level: float) -> str:
    k = order_rank(n, level)
    return "unbounded" if k == 0 else f"[x({k}), x({n + 1 - k})]"


def table(reps: int, seed: int, boot_reps: int, level: float = LEVEL) -> str:
    """The markdown coverage table plus the sequential check, from one seeded generator."""
    rng = np.random.default_rng(seed)
    se = math.sqrt(level * (1 - level) / reps)
    lines = [f"Coverage of the two-sided {level * 100:g}% interval of the median ({reps} experiments per cell, "
             f"seed {seed}; Monte Carlo s.e. about {se:.4f} for a coverage near {level:g}, "
             f"{math.sqrt((1 - level) / 2 * (1 + level) / 2 / reps):.4f} for a false-support rate near {(1 - level) / 2:g}; "
             f"old bootstrap: {boot_reps} experiments per cell)", "",
             "| n | interval | exact (per side) | " + " | ".join(DISTS) + " | false support '<' (" + " / ".join(DISTS) + f"; ≤ {(1 - level) / 2:g})"
             " | same, censoring ignored | old bootstrap |",
             "|---:|:---|---:|" + "---:|" * len(DISTS) + "---:|---:|---:|"]
    for n in TABLE_N:
        cells, rates = [], []
        for dist in DISTS:
            lower, upper, median = draw(dist, rng, reps, n)
            low, high = interval_rows(lower, upper, level)
            cells.append(f"{coverage(low, high, median):.3f}")
            rates.append(f"{false_support(low, high, median):.4f}")  # the truth sits exactly at the threshold
        observed, _, _, median = censored_ratios(rng, reps, n)  # budget-capped values taken as exact
        ignored = false_support(*interval_rows(observed, observed, level), median)
        lower, upper, median = draw("log-normal", rng, boot_reps, n)
        old = old_bootstrap_coverage(lower, upper, median)
        lines.append(f"| {n} | {_rank_label(n, level)} | {achieved_level(n, level):.3f} ({(1 - achieved_level(n, level)) / 2:.4f}) | " + " | ".join(cells)
                     + f" | {' / '.join(rates)} | {ignored:.4f} | {old:.3f} |")
    lines += ["", f"Rejected alternative: a {level * 100:g}% t interval on log values, {reps} experiments per cell "
              "(exact values only; it estimates the mean of the logs, which is the median only under symmetry):", "",
              "| n | " + " | ".join(DISTS[:3]) + " |", "|---:|" + "---:|" * 3]
    for n in (2, 3, 5, 10, 20, 30):
        lines.append(f"| {n} | " + " | ".join(f"{log_t_coverage(*draw(d, rng, reps, n)[1:], level):.3f}"
                                               for d in DISTS[:3]) + " |")
    levels = sequential_levels(list(LOOKS), level)
    lower, upper, median = draw("log-normal", rng, reps, LOOKS[-1])
    corrected = sequential_false_support(lower, upper, median, LOOKS, levels)
    naive = sequential_false_support(lower, upper, median, LOOKS, [level] * len(LOOKS))
    lines += ["", f"Sequential looks at n = {', '.join(map(str, LOOKS))} with the true median at the threshold "
              f"('<' claim, log-normal, {reps} experiments), stopping at the first interval that excludes it:",
              f"- per-look levels (sequential_levels): {', '.join(f'{v:.4f}' for v in levels)}",
              f"- false-support rate with them: {corrected:.4f} (must be ≤ {(1 - level) / 2:g})",
              f"- with {level * 100:g}% at every look instead: {naive:.4f}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.tools.coverage", description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20000, help="synthetic experiments per cell (default 20000)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--boot-reps", type=int, default=1000, help="experiments per cell for the slow old bootstrap (default 1000)")
    args = parser.parse_args(argv)
    if args.reps < 1 or args.boot_reps < 1:
        parser.error("--reps and --boot-reps must be >= 1")
    print(table(args.reps, args.seed, args.boot_reps))


if __name__ == "__main__":
    main()
