"""Performance profiles and their AlgoPerf score (harness.stats.profiles) against a small example computed by hand."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from harness.stats.profiles import breakpoints, profile, ratios, rho, score, task_times

MISS = math.nan  # a seed that never reached the target

# task -> arm -> time to target per seed (3 seeds)
EXAMPLE = {
    "A": {"x": [10, 12, 11], "y": [22, 20, 30], "z": [MISS, 50, 40]},
    "B": {"x": [5, 9, MISS], "y": [3, 3, 3], "z": [MISS, MISS, 6]},
    "C": {"x": [8, 8, 8], "y": [40, 40, 40], "z": [16, 16, 20]},
}


def table(example: dict) -> pd.DataFrame:
    return pd.DataFrame([{"task": t, "arm": a, "seed": s, "time": v}
                         for t, arms in example.items() for a, vs in arms.items() for s, v in enumerate(vs)])


def test_medians_count_a_miss_as_infinite():
    times = task_times(table(EXAMPLE))
    # A: x median(10, 12, 11) = 11, y median(22, 20, 30) = 22, z median(inf, 50, 40) = 50
    # B: x median(5, 9, inf) = 9, y 3, z median(inf, inf, 6) = inf (reached in 1 of 3 seeds: a miss)
    # C: x 8, y 40, z median(16, 16, 20) = 16
    assert times.loc["A"].to_dict() == {"x": 11, "y": 22, "z": 50}
    assert times.loc["B"].to_dict() == {"x": 9, "y": 3, "z": math.inf}
    assert times.loc["C"].to_dict() == {"x": 8, "y": 40, "z": 16}


def test_ratios_rho_and_score_by_hand():
    r = ratios(task_times(table(EXAMPLE)))
    # A: best 11 -> x 1, y 22/11 = 2, z 50/11 = 4.545; B: best 3 -> x 3, y 1, z inf; C: best 8 -> x 1, y 5, z 2
    assert r.loc["A"].tolist() == pytest.approx([1, 2, 50 / 11])
    assert r.loc["B"].tolist() == [3, 1, math.inf]
    assert r.loc["C"].tolist() == [1, 5, 2]
    # rho(tau), the share of the 3 tasks with ratio <= tau
    assert rho(r, 1.0).tolist() == pytest.approx([2 / 3, 1 / 3, 0])  # x: A, C; y: B; z: none
    assert rho(r, 2.0).tolist() == pytest.approx([2 / 3, 2 / 3, 1 / 3])  # y gains A; z gains C
    assert rho(r, 3.0).tolist() == pytest.approx([1, 2 / 3, 1 / 3])  # x gains B
    assert rho(r, 4.0).tolist() == pytest.approx([1, 2 / 3, 1 / 3])  # y's 5 and z's 4.545 and inf stay out
    # score = area under rho over [1, 4] / 3
    # x: 2/3 on [1, 3) + 1 on [3, 4] = 4/3 + 1 = 7/3 -> 7/9; per task (4 - r)/3: (3/3 + 1/3 + 3/3) / 3 = 7/9
    # y: 1/3 on [1, 2) + 2/3 on [2, 4] = 1/3 + 4/3 = 5/3 -> 5/9; per task: (2/3 + 1 + 0) / 3 = 5/9
    # z: 0 on [1, 2) + 1/3 on [2, 4] = 2/3 -> 2/9; per task: (0 [4.545 > 4] + 0 [miss] + 2/3) / 3 = 2/9
    assert score(r).to_dict() == pytest.approx({"x": 7 / 9, "y": 5 / 9, "z": 2 / 9})


def test_score_equals_algoperfs_trapezoid_on_a_fine_grid():
    r = ratios(task_times(table(EXAMPLE)))
    taus = np.linspace(1, 4, 3001)  # AlgoPerf: np.trapz(rho, tau) / (4 - 1) with normalize=True
    trapz = np.trapezoid(profile(r, taus).to_numpy(), taus, axis=1) / 3
    assert trapz == pytest.approx(score(r).to_numpy(), abs=2e-3)


def test_an_even_number_of_seeds_needs_more_than_half_reached():
    t = table({"A": {"x": [4, MISS], "y": [8, 8]}, "B": {"x": [1, 1], "y": [2, 2]}})
    times = task_times(t)
    assert times.loc["A", "x"] == math.inf  # median(4, inf) = inf: reached in half the seeds only
    # A: y best (1), x misses; B: x 1, y 2 -> x (0 + 1)/2 = 0.5, y (1 + 2/3)/2 = 5/6
    assert score(ratios(times)).to_dict() == pytest.approx({"x": 0.5, "y": 5 / 6})


def test_a_task_no_arm_solved_scores_nothing_for_anyone():
    t = table({"A": {"x": [MISS] * 3, "y": [math.inf] * 3}, "B": {"x": [2, 2, 2], "y": [2, 2, 2]}})
    r = ratios(task_times(t))
    assert r.loc["A"].tolist() == [math.inf, math.inf]
    assert score(r).to_dict() == pytest.approx({"x": 0.5, "y": 0.5})
    assert breakpoints(r) == [1.0, 4.0]
