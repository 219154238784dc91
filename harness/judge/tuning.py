"""Tuning recorded in the verdict: each arm of a suite at the grid value of a knob (the lr) with the best median over seeds."""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from harness.judge.measures import ValueFn, records
from harness.judge.subject import Subject

ARM, TUNED = "arm", "tuned"  # the columns tuned() adds: the arm, and what it was tuned to (both Subjects)


def first_seeds(n: int) -> Callable[[int], bool]:
    """tuned()'s select_on for held-out tuning: seeds 0 .. n-1 choose each arm's value and are never judged."""
    def choosing(seed: int) -> bool:
        return seed < n
    return choosing


def held_out_where_chosen(runs: pd.DataFrame, arm: list[str], n: int, knob: str | list[str] = "lr"):
    """tuned()'s select_on for held-out tuning where there is a choice: first_seeds(n) when some arm (a combination
    of the `arm` fields) runs at several `knob` values; None when every arm runs at one (e.g. a ci grid): nothing is
    chosen, so every seed is judged."""
    knobs = [knob] if isinstance(knob, str) else list(knob)
    arms = list(zip(*(runs[a] for a in arm)))
    return first_seeds(n) if len(set(zip(arms, *(runs[k] for k in knobs)))) > len(set(arms)) else None


def tuned(runs: pd.DataFrame, arm: list[str], value: ValueFn, knob: str | list[str] = "lr", lower_is_better: bool = True,
          select_on: Callable[[int], bool] | None = None, within: float = 0.0) -> pd.DataFrame:
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
    `within` (the value's units, e.g. 1.0 epoch) is a tie band fixed in advance: every value whose median lies within
    it of the best is tied with it, and the first of them in grid order (ascending: the smallest lr) is chosen, so
    a difference within noise never moves the choice to a larger value.
    """
    knobs = [knob] if isinstance(knob, str) else list(knob)
    rows = records(runs)  # plain dicts: a judge is called thousands of times in a null simulation (harness.judge.nullsim)
    arms: dict[tuple, list[int]] = {}
    for i, r in enumerate(rows):
        arms.setdefault(tuple(r[a] for a in arm), []).append(i)
    keep: list[int] = []
    for members in arms.values():
        choose = [i for i in members if select_on(rows[i]["seed"])] if select_on else members
        cells: dict[tuple, list[int]] = {}
        for i in choose:
            cells.setdefault(tuple(rows[i][k] for k in knobs), []).append(i)
        # Chosen on the seeds every grid value of the arm has: seeds added later behind one value (adaptive
        # seeds) then cannot move the choice, so every look judges the same tuned arm.
        common = set.intersection(*({rows[i]["seed"] for i in idx} for idx in cells.values()))
        medians = {}
        for cell in sorted(cells):  # ties: the first in grid order
            values = [v for i in cells[cell] if rows[i]["seed"] in common and not math.isnan(v := value(rows[i]).value)]
            if values:
                medians[cell] = float(np.median(values))
        best = (min if lower_is_better else max)(medians.values())
        # grid order: ties go first (== too: every value may be inf, a miss, where inf - inf is nan)
        pick = next(cell for cell in medians if medians[cell] == best or abs(medians[cell] - best) <= within)
        keep += [i for i in members if tuple(rows[i][k] for k in knobs) == pick
                 and not (select_on and select_on(rows[i]["seed"]))]
    out = runs.iloc[keep]

    def column(fields: list[str]) -> pd.Series:
        return pd.Series([Subject((f, rows[i][f]) for f in fields) for i in keep], index=out.index, dtype=object)

    return out.assign(**{ARM: column(arm), TUNED: column(knobs)})
