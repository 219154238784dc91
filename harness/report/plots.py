"""Report figures (matplotlib, Agg backend: no display needed): decomposition, learning curves, gradient norms.

Every function takes data already loaded from the store (harness.store.queries) and writes one PNG; none
reads MLflow itself. Configurations are labelled by their grid values; where a suite's grid has
two or more fields, curves are faceted by the first field (one row each) and coloured by the rest.
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; must precede pyplot's import
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from harness.core.contract import EPOCH_TIME, GRAD_LAYER
from harness.judge.tables import OUTCOME_COLOURS  # also plots.OUTCOME_COLOURS to callers
from harness.report.forest import plot_forest  # noqa: F401 -- the report draws it as plots.plot_forest

DPI = 110


def _colors(n: int) -> list:
    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


def plot_decomposition(table: pd.DataFrame, colour_key: str | None, path: Path) -> Path:
    """Three panels sharing the configuration axis: median epoch time, epochs to target, time to target.

    table: one row per configuration with column 'label' (in the suite's words) and Estimate columns 'epoch_time',
    'epochs', 'time_to_target' (harness.stats.Estimate); `colour_key`: the column whose value colours a row (the first
    field that varies, so one activation's rows read alike), None for one colour. Whiskers are the exact interval of
    the median over seeds; an open marker with an arrow means censored (the run(s) never reached the target, so
    the true value lies further right than drawn).
    """
    panels = [("epoch_time", "median epoch time (s)"), ("epochs", "epochs to target"),
              ("time_to_target", "time to target (s, training only)")]
    n = len(table)
    labels = list(table["label"])
    # wide enough for the longest label beside three panels, tall enough for the rows, the titles and the axes
    fig, axes = plt.subplots(1, 3, figsize=(10 + 0.07 * max(map(len, labels)), 2.2 + 0.42 * n), sharey=True,
                             constrained_layout=True)
    y = np.arange(n)[::-1]  # first configuration at the top
    groups = [str(v) for v in table[colour_key]] if colour_key else [""] * n
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
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, labels, fontsize=8)
    fig.suptitle("total time = epochs to target x time per epoch\n(median over seeds, exact 95% interval of the "
                 "median; open marker = censored: never reached the target)", fontsize=9)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


class Facets:
    """How curves of many configurations are laid out, each said in the suite's words (harness.judge.subject.Words):
    a panel row per value of the first field that varies, together with the fields its value settles (a zipped
    axis: init with activation), when others vary too; a colour per value of the rest (e.g. 'BN', 'no BN')."""

    def __init__(self, runs: pd.DataFrame, keys: list[str], words=None):
        keys = [k for k in keys if runs[k].astype(str).nunique() > 1] if len(runs) else []  # only what varies
        self.words = words
        settled = [k for k in keys[1:] if (runs.groupby(keys[0], sort=False)[k].nunique() == 1).all()] if keys else []
        self.row_keys = [keys[0], *settled] if len(keys) > len(settled) + 1 else []
        self.colour_keys = [k for k in keys if k not in self.row_keys]
        shown = [k for k in self.colour_keys if words is None or not words.hidden(k)]
        if shown != self.colour_keys and _distinct(runs, [*self.row_keys, *shown]) == _distinct(runs, keys):
            self.colour_keys = shown  # a field the words leave unsaid, settled by the rest: no colour of its own
        self.rows = (list(dict.fromkeys(tuple(r) for r in runs[self.row_keys].itertuples(index=False)))
                     if self.row_keys else [()])
        self.colours = (list(dict.fromkeys(tuple(r) for r in runs[self.colour_keys].itertuples(index=False)))
                        if self.colour_keys else [()])
        self.palette = _colors(len(self.colours))

    def row_of(self, run: pd.Series) -> int:
        return self.rows.index(tuple(run[k] for k in self.row_keys)) if self.row_keys else 0

    def colour_of(self, run: pd.Series):
        return self.palette[self.colours.index(tuple(run[k] for k in self.colour_keys)) if self.colour_keys else 0]

    def said(self, fields: dict) -> str:
        """Fields in the suite's words ('dropout 0.5'); their values where the suite has none."""
        words = self.words.name(fields) if self.words is not None else ""
        return words or ", ".join(f"{k} {v}" for k, v in fields.items())

    def row_title(self, r: int, extra: str = "") -> str:
        title = self.said(dict(zip(self.row_keys, self.rows[r]))) if self.row_keys else ""
        return ", ".join(filter(None, [title, extra]))

    def legend(self, fig, more: list | None = None) -> None:
        """The colours (only the fields that vary, in words), and `more` (handle, label) pairs, beside the panels."""
        entries = [(plt.Line2D([], [], color=self.palette[i], lw=2), self.said(dict(zip(self.colour_keys, c))))
                   for i, c in enumerate(self.colours)] if self.colour_keys else []
        entries += more or []
        if entries:
            fig.legend([h for h, _ in entries], [label for _, label in entries], loc="outside right upper",
                       fontsize=8)


def _distinct(runs: pd.DataFrame, keys: list[str]) -> int:
    """How many configurations these fields tell apart."""
    return len(runs[keys].astype(str).drop_duplicates()) if keys else 1


def plot_learning_curves(runs: pd.DataFrame, histories: dict[str, pd.DataFrame], facets: Facets, curve,
                         target: float | None, path: Path) -> Path:
    """The claim's per-epoch metric (`curve`: harness.judge.suite.Curves, resolved) against epochs (left) and
    cumulative timed training seconds (right), one line per seed; its training-set counterpart dashed where the
    claim is about the gap between them."""
    fig, axes = plt.subplots(len(facets.rows), 2, figsize=(12, 1.0 + 2.6 * len(facets.rows)), squeeze=False,
                             sharey=True, layout="constrained")
    drawn = []
    for _, run in runs.iterrows():
        h = histories.get(run["run_id"])
        if h is None or curve.metric not in h or EPOCH_TIME not in h:
            continue
        h = h[h["epoch"] >= 1].sort_values("epoch")  # step 0 holds diagnostics sampled at init, no validation
        seconds = h[EPOCH_TIME].fillna(0).cumsum()  # timed training seconds up to each epoch's end
        r, c = facets.row_of(run), facets.colour_of(run)
        for metric, style in ((curve.metric, "-"), (curve.train, "--")):
            if metric and metric in h:
                values = curve.shown(h[metric])
                axes[r, 0].plot(h["epoch"], values, color=c, lw=1.2, alpha=0.8, ls=style)
                axes[r, 1].plot(seconds, values, color=c, lw=1.2, alpha=0.8, ls=style)
                drawn.append(values)
    low, high = _fitted_range(drawn, None if target is None else float(curve.shown(pd.Series([target])).iloc[0]))
    for r in range(len(facets.rows)):
        for j, xlabel in enumerate(("epoch", "training seconds (timed region)")):
            ax = axes[r, j]
            ax.set_ylim(low, high)
            if target is not None:
                ax.axhline(float(curve.shown(pd.Series([target])).iloc[0]), color="k", ls=":", lw=0.8)
            ax.grid(alpha=0.3)
            ax.set_xlabel(xlabel, fontsize=8)
            ax.tick_params(labelsize=8)
            if facets.row_keys:
                ax.set_title(facets.row_title(r), fontsize=9)
        axes[r, 0].set_ylabel(curve.label, fontsize=9)
        axes[r, 0].xaxis.set_major_locator(MaxNLocator(integer=True))
    more = [(plt.Line2D([], [], color="k", ls=":", lw=0.8), "target")] if target is not None else []
    if curve.train:
        more += [(plt.Line2D([], [], color="grey", lw=1.2), "validation"),
                 (plt.Line2D([], [], color="grey", lw=1.2, ls="--"), "training")]
    facets.legend(fig, more)
    fig.suptitle(f"learning curves: {curve.label}{' on the training and validation sets' if curve.train else ''} "
                 f"(one line per seed)", fontsize=10)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _fitted_range(series: list, target: float | None) -> tuple[float, float]:
    """A y range that holds the target and the curves' action: the far-off values of the first epochs would squeeze
    the rest, so the side they lie on (below for a rising accuracy, above for a falling error or loss) stops at
    the 5th percentile of the values from that side; the other side holds every value; target included, 5% padded."""
    series = [s.dropna().astype(float) for s in series]
    values = np.concatenate([s.to_numpy() for s in series]) if series else np.array([])
    values = values[np.isfinite(values)]
    if not len(values):
        return (0.0, 1.0) if target is None else (target - 0.5, target + 0.5)
    firsts = [s.iloc[0] for s in series if len(s)]
    lasts = [s.iloc[-1] for s in series if len(s)]
    falling = bool(firsts) and float(np.median(firsts)) > float(np.median(lasts))
    low, high = ((float(values.min()), float(np.percentile(values, 95))) if falling else
                 (float(np.percentile(values, 5)), float(values.max())))
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


def plot_grad_norms(runs: pd.DataFrame, histories: dict[str, pd.DataFrame], facets: Facets, family: str,
                    path: Path) -> Path:
    """Per-layer gradient norm (grad/<family>/layer_NN) by layer, at init and at the last sampled epoch; median over seeds."""
    # (row, colour index, moment) -> list over seeds of per-layer arrays
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
        colour = facets.palette.index(facets.colour_of(run))
        for k, frame in enumerate(moments):
            if len(frame):
                curves.setdefault((facets.row_of(run), colour, k), []).append(frame[[c for _, c in cols]].to_numpy()[0])
    fig, axes = plt.subplots(len(facets.rows), 2, figsize=(12, 1.0 + 2.6 * len(facets.rows)), squeeze=False,
                             sharey=True, layout="constrained")
    for (r, c, k), seeds in curves.items():
        width = min(len(s) for s in seeds)
        med = np.median(np.stack([s[:width] for s in seeds]), axis=0)  # (layers,)
        axes[r, k].plot(np.arange(1, width + 1), med, "o-", ms=3, color=facets.palette[c], lw=1.2)
    for r in range(len(facets.rows)):
        for k, moment in enumerate(("at init", "at the last sampled epoch")):
            ax = axes[r, k]
            ax.set_yscale("log")
            ax.grid(alpha=0.3, which="both")
            ax.set_xlabel("hidden layer (1 = nearest the input)", fontsize=8)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.tick_params(labelsize=8)
            ax.set_title(facets.row_title(r, moment), fontsize=9)
        axes[r, 0].set_ylabel(f"gradient {family} (log scale)", fontsize=9)
    facets.legend(fig)
    fig.suptitle(f"per-layer gradient {family} of the hidden weights (median over seeds)", fontsize=10)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path
