"""Claims about the shape of a grid, judged against their own null: the share of a grid near its best, how far the best moves.

A per-seed maximum over noisy cells is biased: under pure noise, the share of a grid "within 0.01 of that seed's
best" is ~0.2-0.4 and the best of 5 decays differs between two lrs in 4 draws of 5. Both forms here read the
grid through medians over seeds and carry an interval that pure noise does not push past the threshold; the null
tests (tests/suites/test_null_rules.py, harness.judge.nullsim) measure how often each reads wrong.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from harness.judge.measures import ValueFn, records
from harness.judge.subject import Subject
from harness.judge.verdict import Rule, Verdict, lean
from harness.stats.bounds import difference_bounds, judge
from harness.stats.median import current_level, interval

# The seed bootstrap of an argmax is optimistic at 6-9 seeds: its 2.5% quantile read "moves" in 4.5% of flat
# landscapes at 6 seeds (normal noise, 5 x 2 cells, 1000 simulations). Its (1 - level) / 10 quantile (0.5% at 95%)
# read so in 1.8% at 6 seeds and 0.4% at 9: each end of best_shift's interval spends this share of (1 - level) / 2.
BOOTSTRAP_TAIL = 0.2
RESAMPLES = 2000  # seed resamples per group: the 0.5% quantile rests on ~10 of them


def whole_grid(group: pd.DataFrame, cells: list[str]) -> pd.DataFrame:
    """The runs on seeds that have every cell (combination of the `cells` fields) of the runs' grid: a seed added at a
    later look behind a few cells (adaptive seeds) would otherwise give a grid reduction (a largest passing value, a
    best cell, an argmax) read from part of the grid. (In Python: pandas' drop_duplicates and groupby cost ~10 ms
    here, which a null simulation pays thousands of times.)"""
    keys = list(zip(*(group[c].tolist() for c in cells)))
    seeds = group["seed"].tolist()
    grid, per_seed = set(keys), {}
    for seed, key in zip(seeds, keys):
        per_seed.setdefault(seed, set()).add(key)
    whole = {seed for seed, have in per_seed.items() if len(have) == len(grid)}
    return group[[seed in whole for seed in seeds]]


def grid_cube(runs: pd.DataFrame, index: str, axes: list[tuple[str, list]], values) -> tuple[list, np.ndarray]:
    """The runs as an array: (the `index` values present, sorted; an array (index values, *axis levels)) holding
    `values` (a column name or an array, one value per run) at each run's cell; nan where a cell has no run, the mean
    where several do (as pandas' pivot_table, ~25x faster). `axes`: (column, its levels in order); a run whose value
    is not among its axis's levels is left out."""
    vals = (runs[values] if isinstance(values, str) else pd.Series(values, index=runs.index)).to_numpy(float)
    labels = sorted(set(runs[index].tolist()))
    where = []
    for column, levels in [(index, labels), *axes]:
        position = {v: i for i, v in enumerate(levels)}
        where.append(np.asarray([position.get(v, -1) for v in runs[column].tolist()], dtype=int))
    keep = np.all([w >= 0 for w in where], axis=0) if len(vals) else np.zeros(0, bool)
    shape = (len(labels), *(len(levels) for _, levels in axes))
    total, count = np.zeros(shape), np.zeros(shape)
    cell = tuple(w[keep] for w in where)
    np.add.at(total, cell, vals[keep])
    np.add.at(count, cell, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return labels, np.where(count > 0, total / count, np.nan)


def _groups(runs: pd.DataFrame, by: list[str], where: tuple):
    """(keys as a tuple, runs) per group of `by`, among the runs whose columns hold `where`'s values."""
    for col, want in where:
        runs = runs[runs[col] == want]
    for keys, group in runs.groupby(by, sort=False):
        yield (keys if isinstance(keys, tuple) else (keys,)), group


def share_near_best(runs: pd.DataFrame, rule: Rule, by: list[str], knob: str, value: ValueFn, margin: float,
                    higher_is_better: bool = True, where: tuple = ()) -> list[Verdict]:
    """Per group of `by`: the share of `knob`'s grid whose value is within `margin` of the best grid value.

    The best is the grid value with the best median over seeds; each other value's difference from it, paired by
    seed, gets the exact interval of its median (harness.stats.median). The effect is the share whose median
    difference lies within the margin; the interval is [the share shown within (interval inside the margin's side),
    the share not shown beyond it]. Judged against rule.threshold (e.g. '>' 0.5: at least 3 of 5 lrs): supported
    only when enough values are each shown within, refuted only when enough are each shown beyond, so noise alone
    (a flat landscape) reads neither. Only seeds with the whole grid count. `where`: (column, value) pairs a group
    must match, as ThresholdStatement.where.
    """
    verdicts = []
    sign = 1.0 if higher_is_better else -1.0
    for keys, group in _groups(runs, by, where):
        group = whole_grid(group, [knob])
        grid = sorted(group[knob].unique())
        cells: dict = {}
        for r in records(group):
            cells.setdefault(r[knob], {})[r["seed"]] = value(r)
        seeds = sorted(cells[grid[0]]) if grid else []
        about = Subject(zip(by, keys))
        if len(seeds) == 0:
            verdicts.append(Verdict(rule.statement, about, rule.metric, math.nan, math.nan, math.nan, rule.threshold,
                                    rule.direction, 0, "inconclusive", "no seed has the whole grid"))
            continue
        medians = {k: float(np.median([sign * cells[k][s].value for s in seeds])) for k in grid}
        best = max(grid, key=lambda k: medians[k])
        within = sure = possible = 0
        for k in grid:
            diffs = [difference_bounds(cells[k][s], cells[best][s]) if sign > 0 else
                     difference_bounds(cells[best][s], cells[k][s]) for s in seeds]  # k - best, oriented: > 0 better
            low, high = interval([d[1] for d in diffs], [d[2] for d in diffs], current_level())
            within += float(np.median([d[0] for d in diffs])) >= -margin
            sure += low > -margin
            possible += high >= -margin
        share, low, high = within / len(grid), sure / len(grid), possible / len(grid)
        outcome = judge(low, high, rule.threshold, rule.direction)
        note = (f"best {knob} {best:g} (median over seeds); {sure} of {len(grid)} shown within {margin:g} of it, "
                f"{possible} possibly")
        if outcome == "inconclusive":
            note += "; " + lean(share, low, high, rule.threshold, rule.direction)
        verdicts.append(Verdict(rule.statement, about, rule.metric, share, low, high, rule.threshold, rule.direction,
                                len(seeds), outcome, note, level=current_level()))
    return verdicts


def best_shift(runs: pd.DataFrame, rule: Rule, by: list[str], across: str, position: str, value: ValueFn,
               higher_is_better: bool = True, where: tuple = ()) -> list[Verdict]:
    """Per group of `by`: how far the best `position` (e.g. log10 decay) moves between the lowest and highest value
    of `across` (e.g. lr), the best read from the median over seeds of each cell (ties: their mean position).

    The interval resamples seeds (RESAMPLES, a fixed generator: the same runs give the same row) and takes the
    quantiles BOOTSTRAP_TAIL x (1 - level) / 2 each end, calibrated on flat landscapes (see BOOTSTRAP_TAIL).
    Only seeds with the whole grid count.
    """
    verdicts = []
    sign = 1.0 if higher_is_better else -1.0
    for keys, group in _groups(runs, by, where):
        group = whole_grid(group, [across, position])
        ends, spots = sorted(group[across].unique()), sorted(group[position].unique())
        about = Subject(zip(by, keys))
        if len(ends) < 2 or group.empty:
            verdicts.append(Verdict(rule.statement, about, rule.metric, math.nan, math.nan, math.nan, rule.threshold,
                                    rule.direction, 0, "inconclusive", "no seed has the whole grid"))
            continue
        ends = [ends[0], ends[-1]]
        at = group[group[across].isin(ends)]
        scores = sign * np.array([value(r).value for r in records(at)])
        _, cube = grid_cube(at, "seed", [(across, ends), (position, spots)], scores)  # (seeds, 2 ends, positions)
        cube = cube[~np.isnan(cube).all(axis=(1, 2))]  # as pivot_table: a seed without a value at either end drops
        pos = np.asarray(spots, float)

        def shift(medians: np.ndarray) -> np.ndarray:  # (..., 2, positions) -> (...,): |best at high - at low|
            top = medians == medians.max(axis=-1, keepdims=True)
            best = (top * pos).sum(axis=-1) / top.sum(axis=-1)
            return np.abs(best[..., 1] - best[..., 0])

        n = cube.shape[0]
        effect = float(shift(np.median(cube, axis=0)))
        picks = np.random.default_rng(0).integers(0, n, (RESAMPLES, n))
        resampled = shift(np.median(cube[picks], axis=1))
        tail = BOOTSTRAP_TAIL * (1 - current_level()) / 2
        low, high = (float(q) for q in np.quantile(resampled, [tail, 1 - tail]))
        outcome = judge(low, high, rule.threshold, rule.direction)
        note = f"seed bootstrap, {RESAMPLES} resamples, {tail:.2%} quantiles (calibrated on flat landscapes)"
        if outcome == "inconclusive":
            note += "; " + lean(effect, low, high, rule.threshold, rule.direction)
        verdicts.append(Verdict(rule.statement, about, rule.metric, effect, low, high, rule.threshold, rule.direction,
                                n, outcome, note, level=current_level()))
    return verdicts
