"""Tuning recorded in the verdict: each arm of a suite at the grid value of a knob (the lr) with the best median over seeds."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from harness.judge.measures import ValueFn, records
from harness.judge.subject import Subject

ARM, TUNED = "arm", "tuned"  # the columns tuned() adds: the arm, and what it was tuned to (both Subjects)


def tuned(runs: pd.DataFrame, arm: list[str], value: ValueFn, knob: str | list[str] = "lr", lower_is_better: bool = True,
          select_on: Callable[[int], bool] | None = None) -> pd.DataFrame:
    """Each arm (a combination of the `arm` fields) at its best `knob` value, by the median of `value` over seeds.

    The choice is made on the suite's own measure (epochs to a validation target, final validation
    accuracy), the same grid for every arm, so every arm gets the same tuning budget. Two columns hold
    it as data (harness.judge.subject.Subject): 'arm', the arm's fields (e.g. {optimizer: nesterov,
    momentum: 0.9}), and 'tuned', the knob's value it runs at (e.g. {lr: 0.03}); paired rows on 'arm'
    carry the tuned values (Verdict.tuned). `knob` may be several fields tuned together (a cell of
    their grid), e.g. ["lr", "weight_decay"].
    Chosen on the same seeds it is judged on, the best of k grid values is biased in its favour (the
    maximum of k noisy medians). `select_on` (seed -> bool) removes that bias: the value is chosen on
    the seeds it marks and only the other seeds' runs are returned, to be judged.
    """
    knobs = [knob] if isinstance(knob, str) else list(knob)
    keep = []
    for _, group in runs.groupby(arm, sort=False):
        choose = group[group["seed"].map(select_on)] if select_on else group
        # Chosen on the seeds every grid value of the arm has: seeds added later behind one value (adaptive
        # seeds) then cannot move the choice, so every look judges the same tuned arm.
        common = set.intersection(*(set(g["seed"]) for _, g in choose.groupby(knobs)))
        chosen = choose[choose["seed"].isin(common)]
        scored = chosen[knobs].assign(_value=[value(r).value for r in records(chosen)])
        medians = scored.groupby(knobs)["_value"].median()
        pick = medians.idxmin() if lower_is_better else medians.idxmax()
        pick = pick if isinstance(pick, tuple) else (pick,)
        best = group[(group[knobs] == pd.Series(pick, index=knobs)).all(axis=1)]
        keep.append(best[~best["seed"].map(select_on)] if select_on else best)
    out = pd.concat(keep) if keep else runs.iloc[0:0]
    def column(fields: list[str]) -> pd.Series:
        return pd.Series([Subject((f, row[f]) for f in fields) for row in records(out[fields])],
                         index=out.index, dtype=object)

    return out.assign(**{ARM: column(arm), TUNED: column(knobs)})
