"""Per-run measures: what a verdict rule reads from one stored run (a row of harness.store.queries.load_runs).

A row is a mapping, column -> value (the engines hand over dicts; a pd.Series reads the same: row["x"],
row.get("x", default)). Each is a ValueFn, row -> Measured: a value, and whether it is censored (the run stopped before the
quantity was observed, so the true value is larger).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from harness.stats.median import Measured
from harness.core.contract import (CONVERGED, EPOCHS_RUN, EPOCHS_TO_TARGET, FINAL_VAL_ACC, MEDIAN_EPOCH_TIME,
                                   STOP_REASON_TAG, TIME_TO_TARGET, TRAIN_ACC, TRAIN_TIME)

ValueFn = Callable[[Mapping], Measured]


def records(runs: pd.DataFrame) -> list[dict]:
    """A runs table's rows as dicts, column -> value, in table order (what a ValueFn reads). Column by column: pandas'
    own to_dict("records") walks the rows and costs ~5 ms per small table, which a null simulation pays thousands
    of times."""
    columns = list(runs.columns)
    return [dict(zip(columns, row)) for row in zip(*(runs[c].tolist() for c in columns))]


def grouped(runs: pd.DataFrame, by: list[str]) -> list[tuple[tuple, list[dict]]]:
    """The runs' rows (records) grouped by the values of `by`, in order of first appearance, as
    runs.groupby(by, sort=False) groups them (a group whose key holds a nan is left out), one records() call in all:
    a DataFrame per group costs ~1 ms, a null simulation judges thousands of tables. An empty `by`: one group,
    key ()."""
    groups: dict[tuple, list[dict]] = {}
    for row in records(runs):
        key = tuple(row[f] for f in by)
        if not any(k is None or (isinstance(k, float) and math.isnan(k)) for k in key):  # pandas' dropna
            groups.setdefault(key, []).append(row)
    return list(groups.items())


def median_epoch_time(row: Mapping) -> Measured:
    """Median timed training seconds per epoch (the timed region only)."""
    return Measured(float(row[MEDIAN_EPOCH_TIME]))


def epochs_to_target(row: Mapping) -> Measured:
    """Epochs to target; a run that never got there is censored at its whole budget (max_epochs).

    A run stopped early because it diverged (NaN/inf loss, which never recovers) counts as having needed
    more than the whole budget, not just the epochs it ran.
    """
    if row[CONVERGED] == 1:
        return Measured(float(row[EPOCHS_TO_TARGET]))
    return Measured(float(max(row[EPOCHS_RUN], row.get("max_epochs", row[EPOCHS_RUN]))), censored=True)


def time_to_target(row: Mapping) -> Measured:
    """Timed training seconds to target; censored at the timed seconds actually spent when never reached.

    (Not extrapolated to the budget: epoch times vary, so only the seconds spent are a sure lower bound.)
    """
    if row[CONVERGED] == 1:
        return Measured(float(row[TIME_TO_TARGET]))
    return Measured(float(row[TRAIN_TIME]), censored=True)


def reached_target(row: Mapping) -> bool:
    """Whether the run reached its target within its budget (a diverged or censored run did not)."""
    return row[CONVERGED] == 1


@dataclass(frozen=True)
class PairFilter:
    """Which pairs a paired row judges: those whose two runs both pass `test`; the others are left out and counted in
    the row's note, in `words`. For a claim that holds only where a condition does, e.g. a speed-up where both arms
    train: without it a baseline that never trains bounds the ratio and the row passes by construction."""

    test: Callable[[Mapping], bool]
    words: str  # the condition, as the note says it: e.g. 'both arms reached the target'


BOTH_REACHED = PairFilter(reached_target, "both arms reached the target")


def final_val_acc(row: Mapping) -> Measured:
    """Validation accuracy at the last epoch; compare runs at an equal budget (stop_at_target=False)."""
    return Measured(float(row[FINAL_VAL_ACC]))


def train_val_gap(row: Mapping) -> Measured:
    """Training minus validation accuracy at the last epoch (needs eval_train=True: train/acc, whole training split)."""
    return Measured(float(row[TRAIN_ACC]) - float(row[FINAL_VAL_ACC]))


def column(name: str) -> ValueFn:
    """A per-run value read from one stored column (a config field or a metric); nan when the run lacks it."""

    def value(row: Mapping) -> Measured:
        raw = row.get(name, math.nan)
        return Measured(math.nan if raw is None else float(raw))

    value.__name__ = f"column({name!r})"
    return value


def diverged(row: Mapping) -> bool:
    """Whether the run stopped because its training loss went NaN or infinite."""
    return row.get(STOP_REASON_TAG) == "diverged"


def unless_diverged(value_fn: ValueFn) -> ValueFn:
    """The value, except for a run that diverged (nan loss), whose weights no longer measure the claim: nan there."""

    def value(row: Mapping) -> Measured:
        return Measured(math.nan) if diverged(row) else value_fn(row)

    return value


def accuracy_or_zero_if_diverged(row: Mapping) -> Measured:
    """Final validation accuracy; 0 for a diverged run, so divergence counts as an outcome instead of dropping the pair.

    (0 is below chance: a net with NaN weights no longer predicts at all.)
    """
    return Measured(0.0) if diverged(row) else final_val_acc(row)


def accuracy_floored_at_chance(chance: float) -> ValueFn:
    """Final validation accuracy, at least `chance` (e.g. 0.1 for 10 classes); a diverged run scores `chance`.

    A net that learned nothing sits at or a little below chance (a constant prediction scores its class's share,
    e.g. 0.086 on digits); a net that diverged has learned nothing either. Scored alike, they tie, so a comparison
    cannot be won or lost by one arm diverging where the other merely failed (accuracy_or_zero_if_diverged scores
    a diverged run 0, below any failed net: such a row could only go one way).
    """

    def value(row: Mapping) -> Measured:
        return Measured(chance) if diverged(row) else Measured(max(float(row[FINAL_VAL_ACC]), chance))

    value.__name__ = f"accuracy_floored_at_chance({chance!r})"
    return value


def log_distance_from_one(name: str) -> ValueFn:
    """|log| of a stored ratio column: 0 at a ratio of 1, equal for x and 1/x; nan when unmeasured or not positive.

    For a claim that a ratio stays near 1 (e.g. gradient first/last layer: vanishing and exploding both move away).
    """

    def value(row: Mapping) -> Measured:
        raw = row.get(name, math.nan)
        r = math.nan if raw is None else float(raw)
        return Measured(abs(math.log(r)) if r > 0 else math.nan)

    value.__name__ = f"log_distance_from_one({name!r})"
    return value
