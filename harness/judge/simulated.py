"""Synthetic runs tables for a suite's flip tests: shaped like harness.store.queries.load_runs, one row per (grid point, seed).

A suite's rule must be able to come out supported or refuted: its test builds the table of the
effect as claimed and of the effect reversed, feeds both to SUITE.judge and checks that the row flips
(no training, no store: the judge alone).
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import pandas as pd

from harness.config.run_config import RunConfig
from harness.judge.suite import Suite
from harness.judge.verdict import select
from harness.core.contract import (CONVERGED, EPOCHS_RUN, EPOCHS_TO_TARGET, MEDIAN_EPOCH_TIME, STOP_REASON_TAG,
                                   TIME_TO_TARGET, TRAIN_TIME)


def reached(epochs: float, epoch_s: float = 0.1) -> dict:
    """The summary of a run that reached its target after `epochs` epochs of `epoch_s` timed seconds each."""
    return {CONVERGED: 1, EPOCHS_TO_TARGET: float(epochs), EPOCHS_RUN: float(epochs), STOP_REASON_TAG: "target",
            TIME_TO_TARGET: epochs * epoch_s, TRAIN_TIME: epochs * epoch_s, MEDIAN_EPOCH_TIME: epoch_s}


def censored(epochs: float, epoch_s: float = 0.1, reason: str = "max_epochs") -> dict:
    """The summary of a run that stopped (budget, divergence) after `epochs` epochs without reaching its target."""
    return {CONVERGED: 0, EPOCHS_RUN: float(epochs), STOP_REASON_TAG: reason, TRAIN_TIME: epochs * epoch_s,
            MEDIAN_EPOCH_TIME: epoch_s}


def runs_table(suite: Suite, metrics: Callable[[RunConfig], dict], seeds: int | None = None,
               scale: str = "default") -> pd.DataFrame:
    """Every config of the suite at `scale` (its seeds, unless given), as typed config columns plus metrics(config)."""
    rows = []
    for cfg in suite.configs(seeds=seeds, scale=scale):
        row = dataclasses.asdict(cfg)
        row.update({"status": "FINISHED", "run_id": f"r{len(rows)}", **metrics(cfg)})
        rows.append(row)
    return pd.DataFrame(rows)


def outcomes(verdicts, statement: str, **fields) -> list[str]:
    """The outcomes of a statement's rows whose group or treatment arm holds these fields' values, in table order
    (harness.judge.verdict.select: a misspelt statement or field fails the test rather than check no rows)."""
    return [v.outcome for v in select(verdicts, statement, **fields)]
