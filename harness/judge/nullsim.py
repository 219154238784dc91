"""Null simulations: a suite's own judge fed synthetic runs tables drawn where a row must not read as it does.

A flip test shows that a row can come out either way; a null test shows how often it comes out wrong when
the truth sits at the row's boundary: a one-sided row with the true effect exactly at its threshold (a
supported row is then a false finding), an equivalence row with the true difference exactly at its margin
(supported is false), a grid metric (argmax, share of a grid) on a landscape where the claim holds or fails
by exactly nothing, the claim at its truest where the risk is a false refutation. Each draw adds the suite's
own seed noise, per run, to that truth (no training, no store: the judge alone, ~10-50 ms an invocation).

The rows are judged at LEVEL with the scenario's seeds, one look (an adaptive invocation's looks each judge
at a stricter level and the union bound keeps the overall error within LEVEL's: one look is the case to
calibrate). A scenario's groups (e.g. bn-placement's activations) are independent draws of the same row
kind, so one invocation may give several rows: `null_rates` draws invocations until `rows` are counted.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harness.core.contract import (CONVERGED, EPOCHS_RUN, EPOCHS_TO_TARGET, MEDIAN_EPOCH_TIME, STOP_REASON_TAG,
                                   TIME_TO_TARGET, TRAIN_TIME)
from harness.judge.suite import Suite
from harness.judge.verdict import select
from harness.stats.bounds import WITHIN_DIFFERENCE, WITHIN_RATIO
from harness.stats.median import LEVEL, at_level

ONE_SIDED, EQUIVALENCE = 0.025, 0.05  # the wrong outcome's rate a row kind may have under its null

# What a draw returns: metric column -> one value per config row (the configs' table, in its order).
# PRESENT, where a draw returns it (one bool per config row), leaves the runs marked False out of the table: runs
# never made, e.g. a seed added at a later look behind a few cells only (adaptive seeds).
PRESENT = "present"
Draw = Callable[[pd.DataFrame, np.random.Generator], Mapping[str, np.ndarray]]


@dataclass(frozen=True)
class Null:
    """One kind of row under its null: how tables are drawn, which rows are counted and which outcome is false."""

    name: str  # the scenario in words, e.g. 'after needs 1.6x the epochs of before'
    # the row kinds counted, each on its own: statement of the suite's judge -> the outcome that would be a false
    # finding under this scenario ('supported' or 'refuted')
    wrong: Mapping[str, str]
    draw: Draw  # the configs' table (grid fields, seed, max_epochs) -> metric columns
    fields: Mapping = field(default_factory=dict)  # select()'s fields: which of the statements' rows count
    seeds: int | None = None  # seeds per config; None = the suite's first look at `scale`
    scale: str = "default"
    grid: Mapping = field(default_factory=dict)  # grid axes overridden (fewer arms: a smaller, faster table)
    # rows per row kind, where more than the caller's: a true rate close to the bound (a sign test at 6 seeds sits at
    # 1.56% against 2.5%) needs more rows for its estimate to stay below the bound by more than chance
    rows: int = 0

    def __post_init__(self) -> None:
        bad = [w for w in self.wrong.values() if w not in ("supported", "refuted")]
        if bad or not self.wrong:
            raise ValueError(f"invalid wrong outcome {bad[0] if bad else None!r}; valid: supported, refuted")


@dataclass(frozen=True)
class NullRate:
    """What a null simulation gave for one row kind: rows counted over invocations, how many read the wrong outcome."""

    null: Null
    statement: str
    wrong_outcome: str  # what would be a false finding: 'supported' or 'refuted'
    bound: float  # ONE_SIDED, or EQUIVALENCE for an equivalence row (its direction 'within', 'within+-')
    rows: int
    wrong: int
    invocations: int
    outcomes: Mapping[str, int]  # outcome -> rows

    @property
    def rate(self) -> float:
        return self.wrong / self.rows if self.rows else math.nan

    def __str__(self) -> str:
        return (f"{self.statement!r} under '{self.null.name}': {self.wrong_outcome} in {self.wrong} of {self.rows} "
                f"rows ({self.rate:.1%}; allowed {self.bound:.1%}; {self.invocations} invocations)")

    @property
    def passes(self) -> bool:
        return self.rows > 0 and self.rate <= self.bound


def configs_table(suite: Suite, null: Null) -> pd.DataFrame:
    """The grid as a narrow table: the fields the grid varies, the seed and max_epochs, one row per (point, seed).

    Narrow because the judge's cost grows with the columns it carries (a wide RunConfig table is ~3x slower)."""
    grid_suite = dataclasses.replace(suite, grid={**suite.grid, **dict(null.grid)})
    first = suite.seed_plan(null.scale)[0] if null.seeds is None else null.seeds
    configs = grid_suite.configs(seeds=first, scale=null.scale)
    keep = [*grid_suite.all_grid_fields(), "seed", "max_epochs"]
    rows = [{f: getattr(c, f) for f in keep} for c in configs]
    return pd.DataFrame(rows).assign(status="FINISHED", run_id=[f"r{i}" for i in range(len(rows))])


def null_rates(suite: Suite, null: Null, rows: int = 1000, seed: int = 0) -> list[NullRate]:
    """The suite's judge on tables drawn under `null` until each statement has `rows` rows counted (LEVEL, one look).

    select() raises LookupError when a statement has no row (a misspelt statement fails rather than count nothing)."""
    configs, rows = configs_table(suite, null), max(rows, null.rows)
    rng = np.random.default_rng(seed)
    counts: dict[str, dict[str, int]] = {st: {} for st in null.wrong}
    equivalence: dict[str, bool] = {}
    invocations = 0
    with at_level(LEVEL):
        while min(sum(c.values()) for c in counts.values()) < rows:
            drawn = dict(null.draw(configs, rng))
            present = drawn.pop(PRESENT, None)
            table = configs.assign(**{k: np.asarray(v) for k, v in drawn.items()})
            table = table if present is None else table[np.asarray(present, bool)]
            verdicts = suite.verdicts(table)
            for st in null.wrong:
                for v in select(verdicts, st, **null.fields):
                    counts[st][v.outcome] = counts[st].get(v.outcome, 0) + 1
                    equivalence[st] = v.direction in (WITHIN_RATIO, WITHIN_DIFFERENCE)
            invocations += 1
    return [NullRate(null, st, null.wrong[st], EQUIVALENCE if equivalence[st] else ONE_SIDED, sum(c.values()),
                     c.get(null.wrong[st], 0), invocations, c) for st, c in counts.items()]


# --- draws: a truth at a boundary plus per-run seed noise, as metric columns ---------------------------------------

def noise(configs: pd.DataFrame, rng: np.random.Generator, sd: float) -> np.ndarray:
    """Independent per-run noise, sd `sd`: two seeds of one config differ by ~sqrt(2) sd."""
    return rng.normal(0.0, sd, len(configs))


def where(configs: pd.DataFrame, **fields) -> np.ndarray:
    """The configs' rows whose fields take these values, as a boolean mask."""
    mask = np.ones(len(configs), bool)
    for f, v in fields.items():
        mask &= (configs[f] == v).to_numpy()
    return mask


def reached_columns(epochs: np.ndarray, epoch_s: float = 0.1) -> dict[str, np.ndarray]:
    """harness.judge.simulated.reached, vectorised: every run reached its target after `epochs` (whole epochs, >= 1)."""
    epochs = np.maximum(1.0, np.round(np.asarray(epochs, float)))
    ones = np.ones(len(epochs))
    return {CONVERGED: ones.astype(int), EPOCHS_TO_TARGET: epochs, EPOCHS_RUN: epochs,
            STOP_REASON_TAG: np.full(len(epochs), "target"), TIME_TO_TARGET: epochs * epoch_s,
            TRAIN_TIME: epochs * epoch_s, MEDIAN_EPOCH_TIME: ones * epoch_s}


def target_columns(epochs: np.ndarray, epoch_s: np.ndarray | float, budget: np.ndarray | float) -> dict[str, np.ndarray]:
    """reached_columns where each run needs `epochs` (rounded up to whole epochs, >= 1) at `epoch_s` timed seconds an
    epoch, within `budget` epochs (e.g. the configs' max_epochs): a run needing more stops at its budget, censored
    (no epochs or time to target; its train time is the budget's)."""
    need = np.maximum(1.0, np.ceil(np.asarray(epochs, float)))
    budget = np.broadcast_to(np.asarray(budget, float), need.shape)
    epoch_s = np.broadcast_to(np.asarray(epoch_s, float), need.shape)
    hit = need <= budget
    ran = np.where(hit, need, budget)
    return {CONVERGED: hit.astype(int), EPOCHS_TO_TARGET: np.where(hit, need, np.nan), EPOCHS_RUN: ran,
            STOP_REASON_TAG: np.where(hit, "target", "max_epochs"), TIME_TO_TARGET: np.where(hit, need * epoch_s, np.nan),
            TRAIN_TIME: ran * epoch_s, MEDIAN_EPOCH_TIME: epoch_s}
