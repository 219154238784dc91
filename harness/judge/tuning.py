"""Tuning recorded in the verdict: each arm of a suite at the grid value of a knob (the lr) with the best median over seeds."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from harness.judge.measures import ValueFn


def tuned(runs: pd.DataFrame, arm: list[str], value: ValueFn, knob: str = "lr", lower_is_better: bool = True,
          select_on: Callable[[int], bool] | None = None) -> pd.DataFrame:
    """Each arm (a combination of the `arm` fields) at its best `knob` value, by the median of `value` over seeds.

    The choice is made on the suite's own measure (epochs to a validation target, final validation
    accuracy), the same grid for every arm, so every arm gets the same tuning budget. A column 'arm'
    names the choice, e.g. 'nesterov/0.9@0.03', so the verdict rows report the tuned value.
    Chosen on the same seeds it is judged on, the best of k grid values is biased in its favour (the
    maximum of k noisy medians). `select_on` (seed -> bool) removes that bias: the value is chosen on
    the seeds it marks and only the other seeds' runs are returned, to be judged.
    """
    keep = []
    for _, group in runs.groupby(arm, sort=False):
        choose = group[group["seed"].map(select_on)] if select_on else group
        # Chosen on the seeds every grid value of the arm has: seeds added later behind one value (adaptive
        # seeds) then cannot move the choice, so every look judges the same tuned arm.
        common = set.intersection(*(set(g["seed"]) for _, g in choose.groupby(knob)))
        medians = choose[choose["seed"].isin(common)].groupby(knob).apply(
            lambda g: pd.Series([value(r).value for _, r in g.iterrows()]).median())
        best = group[group[knob] == (medians.idxmin() if lower_is_better else medians.idxmax())]
        keep.append(best[~best["seed"].map(select_on)] if select_on else best)
    out = pd.concat(keep) if keep else runs.iloc[0:0]
    labels = ["/".join(str(row[f]) for f in arm) + "@" + _fmt(row[knob]) for _, row in out.iterrows()]
    return out.assign(arm=labels)


def _fmt(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
