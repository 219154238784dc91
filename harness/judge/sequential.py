"""Adaptive seeds: judge after a first batch of seeds, add seeds only where rows are undecided, keep the error stated.

Looks happen at seed counts fixed in advance (`Looks.plan`): the first at the suite's seeds, then about 1.5x more at
each look up to a cap, each look kept only where its interval can be tighter than the one before. At look i every
row is judged on the runs with seed < n_i at level levels[i] (harness.stats.sequential_levels: the overall error
stays <= 1 - LEVEL by the union bound, whatever rows stop early). A row's verdict is the first look that decides it,
else its last look. Seeds are added only to the configurations behind undecided rows: a configuration is behind a
row when judging without its runs changes that row (found by leaving each configuration out once, so any rule
works).
Each look's runs are judged once per invocation (LookJudge): adding seeds and recording the verdict share them.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, replace
from typing import Callable

import pandas as pd

from harness.stats.median import LEVEL, at_level, order_rank, sequential_levels
from harness.judge.subject import identity
from harness.judge.verdict import Verdict

FIRST_SHARE = 0.7  # of the error budget spent at the first look: 6 seeds need >= 3.1% of the 5% to decide at all
GROWTH = 1.5  # seeds at the next look, relative to this one
RowKey = tuple  # harness.judge.subject.identity: (statement, group, arms, metric)


@dataclass(frozen=True)
class Looks:
    """The seed counts at which an invocation judges, and the interval level of each look."""

    seeds: tuple[int, ...]
    levels: tuple[float, ...]

    @classmethod
    def plan(cls, first: int, cap: int, level: float = LEVEL) -> "Looks":
        """Looks at first, ~1.5x first, ... up to cap (fixed before any run); levels from sequential_levels.

        A look after the first is kept only where its interval can be tighter than the look before's: its
        order-statistic rank (harness.stats.median.order_rank) at its level must exceed theirs. A look at the same
        rank, [min, max] after [min, max] say, can only widen, so it could never decide a row the look before left
        undecided: it would spend seeds and error for nothing (issue 23). Such a look is dropped and the plan's levels
        recomputed, its share passing to the looks after it; (6, 9, 12) becomes (6, 12), and (6, 9) just (6,).
        """
        if first < 1 or cap < first:
            raise ValueError(f"invalid looks: first {first!r}, cap {cap!r}; valid: 1 <= first <= cap")
        seeds = [first]
        while seeds[-1] < cap:
            seeds.append(min(cap, max(seeds[-1] + 1, math.ceil(seeds[-1] * GROWTH))))
        while True:
            levels = cls._levels(seeds, level)
            ranks = [order_rank(n, lv) for n, lv in zip(seeds, levels)]
            idle = next((i for i in range(1, len(seeds)) if ranks[i] <= ranks[i - 1]), None)
            if idle is None:
                return cls(tuple(seeds), tuple(levels))
            del seeds[idle]

    @staticmethod
    def _levels(seeds: list[int], level: float) -> list[float]:
        """FIRST_SHARE of the error to the first look, the rest split evenly over the others (sequential_levels)."""
        rest = (1 - FIRST_SHARE) / (len(seeds) - 1) if len(seeds) > 1 else 0.0
        weights = [FIRST_SHARE if len(seeds) > 1 else 1.0] + [rest] * (len(seeds) - 1)
        return sequential_levels(seeds, level, weights)

    @classmethod
    def fixed(cls, seeds: int, level: float = LEVEL) -> "Looks":
        """One look at a fixed seed count (--seeds N): the plain interval at `level`."""
        return cls((seeds,), (level,))

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Looks":
        raw = json.loads(text)
        return cls(tuple(raw["seeds"]), tuple(raw["levels"]))

    def describe(self) -> str:
        if len(self.seeds) == 1:
            return f"{self.seeds[0]} seeds, one look"
        looks = ", ".join(f"{n} ({lv:.4g})" for n, lv in zip(self.seeds, self.levels))
        return f"sequential looks at seeds (level): {looks}; overall {LEVEL * 100:g}% by the union bound"


def _runs_digest(runs: pd.DataFrame) -> str:
    """What a look judged: its runs' ids (a finished run never changes), or the whole table where there are none."""
    text = ",".join(map(str, runs["run_id"])) if "run_id" in runs.columns else runs.to_csv(index=False)
    return hashlib.sha256(f"{len(runs)}|{text}".encode()).hexdigest()


class LookJudge:
    """A suite's judge at each look of an invocation, each look's runs judged once and then reused.

    `harness run` judges look i when it decides where to add seeds, again at every later look, and once more when
    it records the verdict; the runs of look i (seed < seeds[i]) do not change meanwhile, so their rows are kept,
    keyed by the runs judged (a changed set of runs is judged afresh). `judged` counts the judgments made.
    """

    def __init__(self, judge: Callable[[pd.DataFrame], list[Verdict]], looks: Looks):
        self.judge, self.looks = judge, looks
        self._rows: dict[int, tuple[str, list[Verdict]]] = {}
        self.judged = 0

    def rows(self, i: int, runs: pd.DataFrame) -> list[Verdict]:
        """Look i's rows: the judge on the runs with seed < seeds[i], at levels[i]."""
        seen = runs[runs["seed"] < self.looks.seeds[i]] if len(runs) else runs
        digest = _runs_digest(seen)
        if i not in self._rows or self._rows[i][0] != digest:
            with at_level(self.looks.levels[i]):
                self._rows[i] = (digest, self.judge(seen) if len(runs) else [])
            self.judged += 1
        return self._rows[i][1]


def judge_looks(judged: LookJudge, runs: pd.DataFrame, upto: int | None = None
                ) -> tuple[list[Verdict], dict[RowKey, int], list[Verdict]]:
    """Each row's verdict (the first look that decides it, else the last look with data), that look's index, and
    every row as the last look judged it (what adding seeds after that look starts from); looks before `upto` only."""
    looks = judged.looks
    chosen: dict[RowKey, Verdict] = {}
    rows: list[Verdict] = []
    at: dict[RowKey, int] = {}
    order: list[RowKey] = []
    top = int(runs["seed"].max()) + 1 if len(runs) else 0
    for i in range(len(looks.seeds) if upto is None else upto):
        if i > 0 and looks.seeds[i - 1] >= top:
            break  # no runs beyond the previous look: later looks would judge the same data again
        rows = judged.rows(i, runs)
        for v in rows:
            k = identity(v)
            if k not in order:
                order.append(k)
            if k in chosen and (chosen[k].outcome != "inconclusive" or not decidable(chosen[k], looks, at[k])):
                continue  # decided at an earlier look, or undecidable there (no seeds were added for it): frozen
            chosen[k], at[k] = v, i
    several = len(looks.seeds) > 1  # a row says which look decided it (its level is that look's)
    out = [replace(chosen[k], look=at[k] + 1, looks=len(looks.seeds)) if several else chosen[k] for k in order]
    return out, at, rows


def decidable(v: Verdict, looks: Looks, i: int) -> bool:
    """Whether seeds added after look i could still decide row `v`: some later look j bounds an interval of the most
    pairs the row could then have, its n now plus one per seed added (a row's n counts seeds, Verdict.n). False for
    a row kept to few pairs, e.g. a speed-up judged only where both arms train against a baseline that never does:
    seeds added behind it would cost their runs and could not change its outcome."""
    return any(order_rank(v.n + looks.seeds[j] - looks.seeds[i], looks.levels[j]) > 0
               for j in range(i + 1, len(looks.seeds)))


def group_of(runs: pd.DataFrame, fields: list[str]) -> pd.Series:
    """A configuration's identity without its seed: the grid fields' values joined."""
    return runs[fields].astype(str).agg("|".join, axis=1)


def _same(a: Verdict | None, b: Verdict) -> bool:
    """Two rows alike in everything a verdict says (NaN equal to NaN)."""
    if a is None:
        return False
    pairs = zip(a.as_dict().values(), b.as_dict().values())
    return all(x == y or (isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y))
               for x, y in pairs)


def behind(judge, runs: pd.DataFrame, fields: list[str], rows: list[Verdict], level: float) -> dict[str, set[RowKey]]:
    """For each configuration (grid values, no seed): the rows whose verdict changes when its runs are left out."""
    base = {identity(v): v for v in rows}
    groups = group_of(runs, fields)
    out: dict[str, set[RowKey]] = {}
    with at_level(level):
        for g in groups.unique():
            try:
                without = {identity(v): v for v in judge(runs[groups != g])}
            except (IndexError, KeyError, ValueError):  # a rule that needs every configuration: behind every row
                without = {}
            out[g] = {k for k, v in base.items() if not _same(without.get(k), v)}
    return out


def config_group(config, fields: list[str]) -> str:
    """group_of for one configuration."""
    return "|".join(str(getattr(config, f)) for f in fields)
