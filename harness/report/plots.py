"""Report figures (matplotlib, Agg backend: no display needed): decomposition, learning curves, gradient norms.

Every function takes data already loaded from the store (harness.store.queries) and writes one PNG; none
reads MLflow itself. Configurations are labelled by their grid values; where a suite's grid has
two or more fields, curves are faceted by the first field (one row each) and coloured by the rest.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")  # files only; must precede pyplot's import
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from harness.core.contract import GRAD_LAYER  # also plots.GRAD_LAYER to callers
from harness.judge.tables import OUTCOME_COLOURS  # also plots.OUTCOME_COLOURS to callers

DPI = 110


def _colors(n: int) -> list:
    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


def plot_decomposition(table: pd.DataFrame, label_title: str, path: Path) -> Path:
    """Three panels sharing the configuration axis: median epoch time, epochs to target, time to target.

    table: one row per configuration with column 'label' and Estimate columns 'epoch_time',
    'epochs', 'time_to_target' (harness.stats.Estimate). Whiskers are the exact interval of the median over
    seeds; an open marker with an arrow means censored (the run(s) never reached the target, so
    the true value lies further right than drawn).
    """
    panels = [("epoch_time", "median epoch time (s)"), ("epochs", "epochs to target"),
              ("time_to_target", "time to target (s, training only)")]
    n = len(table)
    fig, axes = plt.subplots(1, 3, figsize=(13, 1.2 + 0.42 * n), sharey=True, constrained_layout=True)
    y = np.arange(n)[::-1]  # first configuration at the top
    # one colour per value of the first grid field (e.g. activation): a configuration's three panels read alike
    groups = [str(label).split(", ")[0] for label in table["label"]]
    palette = dict(zip(dict.fromkeys(groups), _colors(len(set(groups)))))
    for ax, (col, title) in zip(axes, panels):
        ests = list(table[col])
        finite_hi = [e.high for e in ests if math.isfinite(e.high)] + [e.lo for e in ests if math.isfinite(e.lo)]
        right = (max(finite_hi) if finite_hi else 1.0) * 1.15
        for yi, e, group in zip(y, ests, groups):
            colour = palette[group]
            if not math.isfinite(e.lo):
                continue
            censored = not math.isfinite(e.hi)
            high = e.high if math.isfinite(e.high) else right
            low = e.low if math.isfinite(e.low) else 0.0  # too few seeds: the interval is open on both sides
            ax.plot([low, high], [yi, yi], color=colour, lw=2, solid_capstyle="butt", alpha=0.7)
            if not math.isfinite(e.high):
                ax.annotate("", xy=(right, yi), xytext=(right * 0.97, yi),
                            arrowprops=dict(arrowstyle="->", color=colour, lw=1.5))
            ax.plot([e.lo], [yi], "o", ms=7, color=colour, mfc="white" if censored else colour, mew=2)
            if e.n_censored:
                ax.text(right, yi + 0.22, f"{e.n_censored}/{e.n} censored", ha="right", va="bottom", fontsize=7,
                        color="C3")
        ax.set_xlim(0, right * 1.02)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, list(table["label"]), fontsize=8)
    axes[0].set_ylabel(label_title)
    fig.suptitle("total time = epochs to target x time per epoch (median over seeds, exact 95% interval of the median; "
                 "open marker = censored)", fontsize=10)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _facets(runs: pd.DataFrame, keys: list[str]) -> tuple[list, list, Callable, Callable]:
    """Rows = values of the first grid field (when there are two or more), colours = the rest."""
    row_key = keys[0] if len(keys) >= 2 else None
    colour_keys = keys[1:] if row_key else keys
    rows = list(dict.fromkeys(runs[row_key])) if row_key else [None]
    colours = list(dict.fromkeys(tuple(r) for r in runs[colour_keys].itertuples(index=False))) if colour_keys else [()]

    def row_of(run: pd.Series):
        return rows.index(run[row_key]) if row_key else 0

    def colour_of(run: pd.Series):
        return colours.index(tuple(run[k] for k in colour_keys)) if colour_keys else 0

    return rows, colours, row_of, colour_of


def _legend(fig, colours: list, keys: list[str], row_key) -> None:
    colour_keys = keys[1:] if row_key else keys
    if not colour_keys:
        return
    palette = _colors(len(colours))
    handles = [plt.Line2D([], [], color=palette[i], lw=2) for i in range(len(colours))]
    labels = [", ".join(str(v) for v in c) for c in colours]
    fig.legend(handles, labels, title=", ".join(colour_keys), loc="outside right upper", fontsize=8, title_fontsize=8)


def plot_learning_curves(runs: pd.DataFrame, histories: dict[str, pd.DataFrame], keys: list[str], metric: str,
                         target: float | None, path: Path) -> Path:
    """`metric` per epoch, against epochs (left) and against cumulative timed training seconds (right); one line per seed."""
    row_key = keys[0] if len(keys) >= 2 else None
    rows, colours, row_of, colour_of = _facets(runs, keys)
    palette = _colors(len(colours))
    fig, axes = plt.subplots(len(rows), 2, figsize=(12, 0.6 + 2.6 * len(rows)), squeeze=False, sharey=True,
                             layout="constrained")
    for _, run in runs.iterrows():
        h = histories.get(run["run_id"])
        if h is None or metric not in h or "train/epoch_time_s" not in h:
            continue
        h = h[h["epoch"] >= 1].sort_values("epoch")  # step 0 holds diagnostics sampled at init, no validation
        seconds = h["train/epoch_time_s"].fillna(0).cumsum()  # timed training seconds up to each epoch's end
        r, c = row_of(run), palette[colour_of(run)]
        axes[r, 0].plot(h["epoch"], h[metric], color=c, lw=1.2, alpha=0.8)
        axes[r, 1].plot(seconds, h[metric], color=c, lw=1.2, alpha=0.8)
    low, high = _fitted_range([h[metric] for h in histories.values() if h is not None and metric in h], target)
    for r, row in enumerate(rows):
        for j, xlabel in enumerate(("epoch", "training seconds (timed region)")):
            ax = axes[r, j]
            ax.set_ylim(low, high)
            if target is not None:
                ax.axhline(target, color="k", ls="--", lw=0.8)
            ax.grid(alpha=0.3)
            ax.set_xlabel(xlabel, fontsize=8)
            ax.tick_params(labelsize=8)
            if row_key:
                ax.set_title(f"{row_key} = {row}", fontsize=9)
        axes[r, 0].set_ylabel(metric, fontsize=9)
        axes[r, 0].xaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(fig, colours, keys, row_key)
    fig.suptitle(f"learning curves: {metric} (one line per seed; dashed = target)", fontsize=10)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _fitted_range(series: list, target: float | None) -> tuple[float, float]:
    """A y range that holds the target and the curves' action: from the 5th percentile of the values (the first
    epochs' far-off values would squeeze the rest) to the largest, target included, padded 5%."""
    values = np.concatenate([s.dropna().to_numpy(dtype=float) for s in series]) if series else np.array([])
    values = values[np.isfinite(values)]
    if not len(values):
        return (0.0, 1.0) if target is None else (target - 0.5, target + 0.5)
    low, high = float(np.percentile(values, 5)), float(values.max())
    if target is not None:
        low, high = min(low, target), max(high, target)
    pad = 0.05 * (high - low or abs(high) or 1.0)
    return low - pad, high + pad


def grad_layer_metrics(histories: dict[str, pd.DataFrame]) -> list[str]:
    """The per-layer gradient metric families recorded (e.g. ['norm'] for grad/norm/layer_NN)."""
    names = set()
    for h in histories.values():
        for col in h.columns:
            m = GRAD_LAYER.match(str(col))
            if m:
                names.add(m["name"])
    return sorted(names)


def plot_grad_norms(runs: pd.DataFrame, histories: dict[str, pd.DataFrame], keys: list[str], family: str,
                    path: Path) -> Path:
    """Per-layer gradient norm (grad/<family>/layer_NN) by layer, at init and at the last sampled epoch; median over seeds."""
    row_key = keys[0] if len(keys) >= 2 else None
    rows, colours, row_of, colour_of = _facets(runs, keys)
    palette = _colors(len(colours))
    # (row, colour, moment) -> list over seeds of per-layer arrays
    curves: dict[tuple[int, int, int], list[np.ndarray]] = {}
    for _, run in runs.iterrows():
        h = histories.get(run["run_id"])
        if h is None:
            continue
        cols = sorted((int(m["layer"]), c) for c in h.columns if (m := GRAD_LAYER.match(str(c))) and m["name"] == family)
        if not cols:
            continue
        sampled = h.dropna(subset=[cols[0][1]]).sort_values("epoch")
        moments = [sampled[sampled["epoch"] == 0], sampled[sampled["epoch"] >= 1].tail(1)]
        for k, frame in enumerate(moments):
            if len(frame):
                curves.setdefault((row_of(run), colour_of(run), k), []).append(frame[[c for _, c in cols]].to_numpy()[0])
    fig, axes = plt.subplots(len(rows), 2, figsize=(12, 0.6 + 2.6 * len(rows)), squeeze=False, sharey=True,
                             layout="constrained")
    for (r, c, k), seeds in curves.items():
        width = min(len(s) for s in seeds)
        med = np.median(np.stack([s[:width] for s in seeds]), axis=0)  # (layers,)
        axes[r, k].plot(np.arange(1, width + 1), med, "o-", ms=3, color=palette[c], lw=1.2)
    for r, row in enumerate(rows):
        for k, moment in enumerate(("at init", "at the last sampled epoch")):
            ax = axes[r, k]
            ax.set_yscale("log")
            ax.grid(alpha=0.3, which="both")
            ax.set_xlabel("hidden layer (1 = nearest the input)", fontsize=8)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.tick_params(labelsize=8)
            ax.set_title(f"{row_key} = {row}, {moment}" if row_key else moment, fontsize=9)
        axes[r, 0].set_ylabel(f"grad/{family}", fontsize=9)
    _legend(fig, colours, keys, row_key)
    fig.suptitle(f"per-layer gradient {family} of the hidden weights (median over seeds; log scale)", fontsize=10)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _is_ratio(rows) -> bool:
    """A log axis suits ratios: every finite value and threshold positive, and the metric says ratio."""
    values = [x for v in rows for x in (v.effect, v.low, v.high, v.threshold) if math.isfinite(x)]
    return bool(values) and min(values) > 0 and all("ratio" in v.metric for v in rows)


def _forest_panel(ax, statement: str, rows) -> None:
    ratio = _is_ratio(rows)
    finite = [x for v in rows for x in (v.effect, v.low, v.high, v.threshold) if math.isfinite(x)] or [1.0]
    lo, hi = min(finite), max(finite)
    if ratio:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))  # 0.5, 1, 2 rather than 5x10^-1
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda x, _: f"{x:g}" if f"{x:g}"[0] in "25" else ""))
        left, right = lo / 1.6, hi * 1.6
    else:
        pad = 0.15 * (hi - lo or abs(hi) or 1.0)
        left, right = lo - pad, hi + pad
    y = np.arange(len(rows))[::-1]  # first row at the top
    for yi, v in zip(y, rows):
        colour = OUTCOME_COLOURS.get(v.outcome, "k")
        low = v.low if math.isfinite(v.low) else left
        high = v.high if math.isfinite(v.high) else right
        if not math.isnan(v.effect):
            ax.plot([low, high], [yi, yi], color=colour, lw=2.5, solid_capstyle="butt", alpha=0.8)
            for end, open_ in ((left, not math.isfinite(v.low)), (right, not math.isfinite(v.high))):
                if open_:  # an open (censored, or too few seeds) side: the interval goes on past the axis
                    ax.annotate("", xy=(end, yi), xytext=((end * 1.25 if end == left else end / 1.25) if ratio else
                                                          end + (right - left) * (0.05 if end == left else -0.05), yi),
                                arrowprops=dict(arrowstyle="->", color=colour, lw=1.5))
            ax.plot([v.effect], [yi], "o", ms=7, color=colour)
        ax.plot([v.threshold, v.threshold], [yi - 0.4, yi + 0.4], color="k", ls="--", lw=1)
    ax.set_xlim(left, right)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_yticks(y, [v.label for v in rows], fontsize=8)
    rule = f"{rows[0].metric} {rows[0].direction} {rows[0].threshold:g}"
    ax.set_title(f"{statement}   (claim: {rule}; dashed = threshold)", fontsize=9, loc="left")
    ax.grid(axis="x", alpha=0.3, which="both")


def plot_forest(verdicts, path: Path) -> Path:
    """Every verdict row: effect (dot) and interval (bar), one panel per statement, coloured by outcome; log axis
    for ratios; an open bound (censored, or too few seeds for the interval) is an arrow to the panel's edge."""
    statements: dict[str, list] = {}
    for v in verdicts:
        statements.setdefault(v.statement, []).append(v)
    heights = [len(rows) + 1.2 for rows in statements.values()]
    fig, axes = plt.subplots(len(statements), 1, figsize=(10, 0.8 + 0.32 * sum(heights)), squeeze=False,
                             gridspec_kw={"height_ratios": heights}, layout="constrained")
    for ax, (statement, rows) in zip(axes[:, 0], statements.items()):
        _forest_panel(ax, statement, rows)
    handles = [plt.Line2D([], [], color=c, marker="o", lw=2.5) for c in OUTCOME_COLOURS.values()]
    fig.legend(handles, list(OUTCOME_COLOURS), loc="outside upper right", ncols=3, fontsize=8)
    fig.suptitle("verdicts: effect (median over seeds) and its interval per group", fontsize=10, x=0.02, ha="left")
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path
