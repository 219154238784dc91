"""The forest plot: every verdict row's effect and interval, one panel per statement, coloured by outcome, rows named
in the suite's words; a log axis with readable round ticks for ratios. Matplotlib, Agg backend (files only)."""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; must precede pyplot's import
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter  # noqa: E402

from harness.judge.tables import OUTCOME_COLOURS, rule_of

DPI = 110


def _is_ratio(rows) -> bool:
    """A log axis suits ratios: every finite value and threshold positive, and the metric says ratio."""
    values = [x for v in rows for x in (v.effect, v.low, v.high, v.threshold) if math.isfinite(x)]
    return bool(values) and min(values) > 0 and all("ratio" in v.metric for v in rows)


NICE = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8)  # tick values within each power of ten


def log_ticks(left: float, right: float, most: int = 7) -> list[float]:
    """Readable ticks for a log axis from left to right: round values (1, 1.5, 2, 3, 5 times a power of ten), at
    least 3 and at most `most`, spread evenly in log space."""
    candidates = [m * 10.0 ** e for e in range(math.floor(math.log10(left)) - 1, math.ceil(math.log10(right)) + 1)
                  for m in NICE]
    inside = [c for c in candidates if left <= c <= right]
    if len(inside) <= most:
        return inside
    step = (math.log(right) - math.log(left)) / (most - 1)
    picked = {min(inside, key=lambda c: abs(math.log(c) - (math.log(left) + i * step))) for i in range(most)}
    return sorted(picked | ({1.0} if left <= 1 <= right else set()))


def _forest_panel(ax, statement: str, rows) -> None:
    ratio = _is_ratio(rows)
    finite = [x for v in rows for x in (v.effect, v.low, v.high, v.threshold) if math.isfinite(x)] or [1.0]
    lo, hi = min(finite), max(finite)
    if ratio:
        left, right = lo / 1.6, hi * 1.6
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(FixedLocator(log_ticks(left, right)))  # 0.5, 1, 2 rather than 5x10^-1 alone
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
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
    rule = f"{rows[0].metric} {rule_of(rows[0])}"
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
