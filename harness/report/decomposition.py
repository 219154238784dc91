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

# Summary metrics a training run records; a suite whose runs lack them (a measurement suite) gets no decomposition.
TRAINING_METRICS = ("median_epoch_time_s", "converged", "epochs_run", "train_time_s")
DECOMP_NOTE = ("Per configuration, median over seeds with its exact {level} interval (open when fewer than 6 seeds). Epoch time is the timed "
               "training region only. A run that never reached the target is censored: its epochs and seconds "
               "count as lower bounds ('>'), and an interval it leaves open ends in 'open)'.")


def grid_keys(suite, runs: pd.DataFrame) -> list[str]:
    """The suite's grid fields (including axes a scale adds), as present in the runs."""
    return [k for k in suite.all_grid_fields() if k in runs.columns]


def config_label(row, keys: list[str]) -> str:
    return ", ".join(str(row[k]) for k in keys) if keys else "all runs"


def _groups(runs: pd.DataFrame, keys: list[str]):
    return runs.groupby(keys, sort=False) if keys else [((), runs)]


def untrained(runs: pd.DataFrame, keys: list[str]) -> list[str]:
    """Labels of the configurations none of whose runs trained (an arm measured without training: no epoch time).

    They have no epochs x epoch-time decomposition and are left out of it (the report says which).
    """
    if not len(runs) or "median_epoch_time_s" not in runs.columns:
        return []
    return [config_label(group.iloc[0], keys) for _, group in _groups(runs, keys)
            if group["median_epoch_time_s"].isna().all()]


def decomposition(runs: pd.DataFrame, keys: list[str]) -> pd.DataFrame | None:
    """Per configuration that trained: median epoch time, epochs to target, time to target (Estimates), convergence
    and stop reasons. None when no configuration trained; configurations that did not are left out (untrained())."""
    if not len(runs) or not set(TRAINING_METRICS) <= set(runs.columns):
        return None
    rows = []
    for values, group in _groups(runs, keys):
        if group["median_epoch_time_s"].isna().all():
            continue  # measured without training: see untrained()
        records = [r for _, r in group.iterrows()]
        epoch_time = Estimate.of([median_epoch_time(r) for r in records])
        epochs = Estimate.of([epochs_to_target(r) for r in records])
        ttt = Estimate.of([time_to_target(r) for r in records])
        stops = group["stop_reason"].value_counts()
        rows.append({
            **{k: v for k, v in zip(keys, values if isinstance(values, tuple) else (values,))},
            "label": config_label(group.iloc[0], keys),
            "n": len(group),
            "converged": f"{int((group['converged'] == 1).sum())}/{len(group)}",
            "epoch_time": epoch_time,
            "epochs": epochs,
            "time_to_target": ttt,
            # epochs x time per epoch: agrees with the measured time to target when epoch times are steady
            "product": epochs.lo * epoch_time.lo if not math.isinf(epochs.hi) else math.nan,
            "stops": ", ".join(f"{k} {v}" for k, v in stops.items()),
        })
    return pd.DataFrame(rows) if rows else None


def decomposition_rows(table: pd.DataFrame, keys: list[str]) -> Rows:
    pct = f"{int(LEVEL * 100)}%"
    out = [(", ".join(keys) or "configuration", "n", "converged", "epoch time s", pct, "epochs to target", pct,
            "time to target s", pct, "epochs x epoch time", "stop reasons")]
    for _, r in table.iterrows():
        out.append((r["label"], str(r["n"]), r["converged"], r["epoch_time"].point(), fmt_interval(r["epoch_time"].low, r["epoch_time"].high),
                    r["epochs"].point(), fmt_interval(r["epochs"].low, r["epochs"].high), r["time_to_target"].point(),
                    fmt_interval(r["time_to_target"].low, r["time_to_target"].high), "-" if math.isnan(r["product"]) else f"{r['product']:.3g}",
                    r["stops"]))
    return out


MAX_METRIC_COLUMNS = 10  # a measurement suite's per-configuration table stays readable


def metric_rows(runs: pd.DataFrame, keys: list[str]) -> list[tuple[str, ...]] | None:
    """For suites that measure without training: per configuration, the median over seeds of each recorded metric."""
    skip = {*RunConfig.field_names(), *TAG_COLUMNS, *RUN_COLUMNS}
    metrics = sorted(c for c in runs.columns if c not in skip and pd.api.types.is_numeric_dtype(runs[c]))
    if not len(runs) or not metrics:
        return None
    metrics = metrics[:MAX_METRIC_COLUMNS]
    rows = [(", ".join(keys) or "configuration", "n", *metrics)]
    for _, group in _groups(runs, keys):
        rows.append((config_label(group.iloc[0], keys), str(len(group)),
                     *(fmt(float(group[m].median())) for m in metrics)))
    return rows
