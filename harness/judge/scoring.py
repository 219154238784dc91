"""AlgoPerf-style scoring as verdict rows: several arms on several tasks, each arm tuned per task on its time to
target, each judged arm against the best other arm on its task.

The runs table carries a task column and an arm column (names a suite gives its runs, e.g. 'digits-5' and
'2nd-ed'). Time to target is the timed training seconds up to the target epoch, a missed target counting as
+inf (time_or_miss), as AlgoPerf ranks it. The descriptive side, the performance profiles and their scores
(harness.stats.profiles), reads the same tuned table (profile_table; harness.report.profile_plot draws it).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Mapping

import pandas as pd

from harness.judge.rules import paired_verdicts
from harness.judge.tuning import ARM, TUNED, tuned
from harness.judge.verdict import PairedStatement, Verdict
from harness.stats.median import Measured
from harness.stats.profiles import task_times
from harness.core.contract import CONVERGED, EPOCHS_TO_TARGET, TIME_TO_TARGET

TIME, EPOCHS = "time", "epochs"  # the columns tuned_per_task adds: seconds and epochs to target, NaN = missed


def time_or_miss(row: pd.Series) -> Measured:
    """Time to target in seconds, +inf for a run that missed it: how tuning and the profiles rank a miss."""
    return Measured(float(row[TIME_TO_TARGET]) if row[CONVERGED] == 1 else math.inf)


def _check_columns(task: str, arm: str) -> None:
    taken = [c for c in (task, arm) if c in (ARM, TUNED, TIME, EPOCHS)]
    if taken:
        raise ValueError(f"invalid task or arm column {taken[0]!r}: the scoring adds it; "
                         f"valid: any other column name, e.g. 'task' and 'name'")


def tuned_per_task(runs: pd.DataFrame, *, task: str, arm: str, knob: str | list[str] = "lr",
                   select_on: Callable[[int], bool] | None = None) -> pd.DataFrame:
    """Per task, each arm at its tuned `knob` (harness.judge.tuning, by the median time_or_miss over seeds), with
    'time' and 'epochs' to target (NaN where missed). `select_on` (seed -> bool): the seeds that choose, left out of
    the table returned (tuning's held-out split)."""
    _check_columns(task, arm)
    if not len(runs):
        return runs.assign(**{TIME: [], EPOCHS: []})
    out = pd.concat([tuned(group, [arm], time_or_miss, knob=knob, select_on=select_on)
                     for _, group in runs.groupby(task, sort=False)])
    reached = out[CONVERGED] == 1
    return out.assign(**{TIME: out[TIME_TO_TARGET].where(reached), EPOCHS: out[EPOCHS_TO_TARGET].where(reached)})


def within_best_other(runs: pd.DataFrame, statements: Mapping[str, PairedStatement], *, task: str, arm: str,
                      knob: str | list[str] = "lr", select_on: Callable[[int], bool] | None = None) -> list[Verdict]:
    """Per task, each judged arm (a key of `statements`) at its tuned knob against the other arm with the lowest
    median time over seeds (a miss = +inf), paired by seed, one row per statement (paired_verdicts).

    Choosing the comparator by its median on the same seeds favours the comparator, so a row errs against the
    judged arm. (Chosen on a few held-out seeds instead, a slower arm is taken for the best often enough that rows
    read supported too often at their boundary: 3.8-6.3% against 2.5% in default-configs' null test.) A task where
    the judged arm or every other arm is absent gets no row. `select_on` (seed -> bool): the seeds that choose each
    arm's knob, never judged (tuned_per_task).
    """
    best = tuned_per_task(runs, task=task, arm=arm, knob=knob, select_on=select_on)
    verdicts = []
    for _, group in best.groupby(task, sort=False):
        medians = task_times(group, task=task, arm=arm, time=TIME).iloc[0]  # arm -> median seconds (inf = missed)
        for name, statement in statements.items():
            others = medians.drop(labels=[name], errors="ignore").sort_values(kind="stable")
            if name in medians.index and len(others):
                pair = group[group[arm].isin([name, others.index[0]])]
                verdicts += paired_verdicts(pair, [statement], arm, others.index[0], [task], levels=[name])
    return verdicts


def profile_table(runs: pd.DataFrame, *, task: str, arm: str, knob: str | list[str] = "lr",
                  select_on: Callable[[int], bool] | None = None) -> pd.DataFrame:
    """The tuned runs as the performance profiles read them (harness.report.profile_plot.profile_section):
    columns 'task', 'arm', 'seed', 'time', 'epochs' and the knob; the judged seeds only where `select_on` is given."""
    table = tuned_per_task(runs, task=task, arm=arm, knob=knob, select_on=select_on).drop(columns=[ARM], errors="ignore")
    return table.rename(columns={task: "task", arm: "arm"})
