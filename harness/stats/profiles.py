"""Performance profiles and their score, as AlgoPerf scores submissions: many arms across several tasks.

From a table of (task, arm, seed, time to target), a missed target being NaN or +inf:
- per task and arm, the **median over seeds** with a miss counted as +inf (so an arm must reach the target in
  more than half of its seeds to have a time; AlgoPerf asks 3 of 5 trials);
- per task, each arm's time over the best arm's time, r >= 1 (+inf for a miss);
- rho(tau) = the share of tasks with r <= tau;
- the score = the normalized area under rho for tau in [1, TAU_MAX]: integral of rho / (TAU_MAX - 1).
  Each task adds max(0, TAU_MAX - r) / (TAU_MAX - 1) over the number of tasks, so a miss or a ratio past
  TAU_MAX scores nothing there, and the best arm on a task scores that task's whole share.

Matched against mlcommons/algorithmic-efficiency, scoring/performance_profile.py (commit 11e70c0):
`compute_performance_profiles` divides each workload's time by the minimum over submissions
(`df.div(df.min(axis=0), axis=1)`), a missed target is `inf`, rho(tau) = `(r <= tau).sum(axis=1) / NUM_WORKLOADS`;
`compute_leaderboard_score(normalize=True)` is `np.trapz(rho, tau) / (max tau - min tau)`, with TAU_MAX = 4 in
AlgoPerf's rules. Two differences, both deliberate: the area is integrated exactly (rho is a step function;
their trapezoid on 100 points is within 1/99 of it per step), and per task the time is the median over seeds
(that version takes the fastest of the trials once 3 of 5 reached the target; their later rules a median over studies).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

TAU_MIN, TAU_MAX = 1.0, 4.0  # AlgoPerf's range: an arm more than 4x slower than the best scores nothing there


def task_times(table: pd.DataFrame, task: str = "task", arm: str = "arm", time: str = "time") -> pd.DataFrame:
    """Tasks x arms: the median time over seeds, a miss (NaN or inf) counted as +inf."""
    filled = table.assign(**{time: table[time].astype(float).fillna(math.inf)})
    medians = filled.groupby([task, arm], sort=False)[time].apply(lambda s: float(np.median(s.to_numpy())))
    return medians.unstack(arm)


def ratios(times: pd.DataFrame) -> pd.DataFrame:
    """Tasks x arms: each arm's time over the task's best time (>= 1); +inf where the arm missed or every arm did."""
    best = times.min(axis=1)
    out = times.div(best.where(np.isfinite(best)), axis=0)  # a task no arm solved: NaN, then +inf below
    return out.fillna(math.inf)


def rho(ratio: pd.DataFrame, tau: float) -> pd.Series:
    """Per arm: the share of tasks whose ratio is <= tau."""
    return (ratio <= tau).sum(axis=0) / len(ratio)


def profile(ratio: pd.DataFrame, taus) -> pd.DataFrame:
    """Arms x taus: rho at each tau (for plots; the score integrates exactly)."""
    return pd.DataFrame({float(t): rho(ratio, t) for t in taus})


def score(ratio: pd.DataFrame, tau_max: float = TAU_MAX) -> pd.Series:
    """Per arm: the normalized area under rho over [1, tau_max], exact: mean over tasks of max(0, tau_max - r) / (tau_max - 1)."""
    r = ratio.to_numpy(dtype=float)  # (tasks, arms)
    credit = np.clip(tau_max - np.maximum(r, TAU_MIN), 0.0, None) / (tau_max - TAU_MIN)  # inf -> 0
    return pd.Series(credit.mean(axis=0), index=ratio.columns, name="score")


def breakpoints(ratio: pd.DataFrame, tau_max: float = TAU_MAX) -> list[float]:
    """Where rho steps inside [1, tau_max], with both ends: the taus a step plot needs."""
    inside = {float(r) for r in ratio.to_numpy().ravel() if TAU_MIN <= r <= tau_max}
    return sorted(inside | {TAU_MIN, tau_max})
