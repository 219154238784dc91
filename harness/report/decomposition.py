"""Total = epochs x time per epoch: per configuration, the median epoch time, epochs and time to target with intervals.

For suites that measure without training, the per-configuration medians of what they recorded instead.
"""
from __future__ import annotations

import math

import pandas as pd

from harness.config.run_config import RunConfig
from harness.judge.measures import epochs_to_target, median_epoch_time, time_to_target
from harness.store.queries import RUN_COLUMNS, TAG_COLUMNS
from harness.stats.median import LEVEL
from harness.stats.estimate import Estimate
from harness.judge.tables import Rows, fmt, fmt_interval
from harness.core.contract import CONVERGED, EPOCHS_RUN, MEDIAN_EPOCH_TIME, STOP_REASON_TAG, TRAIN_TIME

# Summary metrics a training run records; a suite whose runs lack them (a measurement suite) gets no decomposition.
TRAINING_METRICS = (MEDIAN_EPOCH_TIME, CONVERGED, EPOCHS_RUN, TRAIN_TIME)
DECOMP_NOTE = ("Per configuration, the median over seeds with its exact {level} interval (open when fewer than 6 seeds). "
               "Epoch time is the timed training region only. A run that never reached the target is censored: its "
               "epochs and seconds count as lower bounds ('>'), and an interval it leaves open ends in 'open)'. "
               "'reached target' counts the runs that reached it at some epoch; 'stopped by' says how each run "
               "ended (a suite that trains a fixed budget runs on past the target).")


# Why a run stopped, in words (harness.core.contract.STOP_REASONS); the table says how many runs stopped each way.
STOPPED = {"target": "reached the target", "max_epochs": "epoch budget", "diverged": "diverged",
           "early_stopped": "early stopping", "interrupted": "interrupted", "failed": "failed",
           "abandoned": "abandoned", "measured": "measured"}


def grid_keys(suite, runs: pd.DataFrame) -> list[str]:
    """The suite's grid fields (including axes a scale adds), as present in the runs."""
    return [k for k in suite.all_grid_fields() if k in runs.columns]


def varying(runs: pd.DataFrame, keys: list[str]) -> list[str]:
    """The keys whose value differs between these runs: what tells their configurations apart."""
    return [k for k in keys if runs[k].astype(str).nunique() > 1] if len(runs) else []


def config_label(row, keys: list[str], words=None) -> str:
    """A configuration in words: its `keys`' values as the suite says them (harness.judge.subject.Words.name)."""
    if not keys:
        return "all runs"
    if words is None:
        return ", ".join(str(row[k]) for k in keys)
    return words.name({k: row[k] for k in keys}) or ", ".join(str(row[k]) for k in keys)


def _groups(runs: pd.DataFrame, keys: list[str]):
    return runs.groupby(keys, sort=False) if keys else [((), runs)]


def untrained(runs: pd.DataFrame, keys: list[str], words=None) -> list[str]:
    """Labels of the configurations none of whose runs trained (an arm measured without training: no epoch time).

    They have no epochs x epoch-time decomposition and are left out of it (the report says which).
    """
    if not len(runs) or MEDIAN_EPOCH_TIME not in runs.columns:
        return []
    shown = varying(runs, keys)
    return [config_label(group.iloc[0], shown, words) for _, group in _groups(runs, keys)
            if group[MEDIAN_EPOCH_TIME].isna().all()]


def stopped(group: pd.DataFrame) -> str:
    """How a configuration's runs stopped, in words with counts: 'epoch budget 6' or 'reached the target 5, epoch
    budget 1'."""
    return ", ".join(f"{STOPPED.get(k, k)} {v}" for k, v in group[STOP_REASON_TAG].value_counts().items())


def decomposition(runs: pd.DataFrame, keys: list[str], words=None) -> pd.DataFrame | None:
    """Per configuration that trained: median epoch time, epochs to target, time to target (Estimates), how many
    runs reached the target and how the runs stopped. A run that trains a fixed budget (stop_at_target off) reaches
    the target and goes on: it stops by the budget, not at the target, and the columns say exactly that.
    Labelled by the keys that vary, in the suite's `words`. None when no configuration trained; configurations that
    did not are left out (untrained())."""
    if not len(runs) or not set(TRAINING_METRICS) <= set(runs.columns):
        return None
    shown = varying(runs, keys)
    rows = []
    for values, group in _groups(runs, keys):
        if group[MEDIAN_EPOCH_TIME].isna().all():
            continue  # measured without training: see untrained()
        records = [r for _, r in group.iterrows()]
        epoch_time = Estimate.of([median_epoch_time(r) for r in records])
        epochs = Estimate.of([epochs_to_target(r) for r in records])
        ttt = Estimate.of([time_to_target(r) for r in records])
        rows.append({
            **{k: v for k, v in zip(keys, values if isinstance(values, tuple) else (values,))},
            "label": config_label(group.iloc[0], shown, words),
            "n": len(group),
            CONVERGED: f"{int((group[CONVERGED] == 1).sum())}/{len(group)}",  # reached the target at some epoch
            "epoch_time": epoch_time,
            "epochs": epochs,
            "time_to_target": ttt,
            # epochs x time per epoch: agrees with the measured time to target when epoch times are steady
            "product": epochs.lo * epoch_time.lo if not math.isinf(epochs.hi) else math.nan,
            "stops": stopped(group),
        })
    return pd.DataFrame(rows) if rows else None


def decomposition_rows(table: pd.DataFrame, keys: list[str], wide: bool = False) -> Rows:
    """One row per configuration: each median with its interval in one cell ('1.66 [1.59, 1.88]'), how many runs
    reached the target and how they stopped; `wide` adds epochs x epoch time (the decomposition's product)."""
    out = [("configuration", "n", "reached target", "epoch time s", "epochs to target", "time to target s",
            *(["epochs x epoch time"] if wide else []), "stopped by")]
    for _, r in table.iterrows():
        cells = [f"{r[c].point()} {fmt_interval(r[c].low, r[c].high)}" for c in ("epoch_time", "epochs", "time_to_target")]
        product = ["-" if math.isnan(r["product"]) else f"{r['product']:.3g}"] if wide else []
        out.append((r["label"], str(r["n"]), r[CONVERGED], *cells, *product, r["stops"]))
    return out


MAX_METRIC_COLUMNS = 10  # a measurement suite's per-configuration table stays readable


def metric_rows(runs: pd.DataFrame, keys: list[str], words=None) -> list[tuple[str, ...]] | None:
    """For suites that measure without training: per configuration, the median over seeds of each recorded metric."""
    skip = {*RunConfig.field_names(), *TAG_COLUMNS, *RUN_COLUMNS}
    metrics = sorted(c for c in runs.columns if c not in skip and pd.api.types.is_numeric_dtype(runs[c]))
    if not len(runs) or not metrics:
        return None
    metrics = metrics[:MAX_METRIC_COLUMNS]
    rows = [("configuration", "n", *metrics)]
    shown = varying(runs, keys)
    for _, group in _groups(runs, keys):
        rows.append((config_label(group.iloc[0], shown, words), str(len(group)),
                     *(fmt(float(group[m].median())) for m in metrics)))
    return rows
