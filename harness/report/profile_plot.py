"""The report section of a suite scored as AlgoPerf scores: performance-profile plot and a table of scores.

A suite declares it through `Suite.report_section` (harness.report.build calls it); its input is a table of
(task, arm, seed, time to target) with NaN for a missed target, and optionally each (task, arm)'s chosen 'lr'
and 'epochs' to target (then the same score in epochs, which a loaded machine's stalls do not move, is shown too).
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; must precede pyplot's import
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from harness.stats.profiles import TAU_MAX, TAU_MIN, breakpoints, ratios, rho, score, task_times  # noqa: E402
from harness.judge.tables import Section  # noqa: E402

PLOT = "performance_profiles.png"
INTRO = (f"AlgoPerf's scoring (harness.stats.profiles): per task, each arm's median time to target over seeds (a miss, "
         f"or reaching it in half the seeds or fewer, is infinite) over the best arm's; rho(tau) = share of tasks "
         f"within tau of the best; score = area under rho for tau in [{TAU_MIN:g}, {TAU_MAX:g}] / {TAU_MAX - TAU_MIN:g} "
         f"(1 = the best arm on every task; a miss or a ratio past {TAU_MAX:g} scores nothing there). Descriptive: "
         f"the scores carry no interval; the verdict rows above judge the per-task ratios over seeds.")


def plot_profiles(ratio: pd.DataFrame, scores: pd.Series, path: Path) -> Path:
    """rho(tau) step curves per arm over [1, TAU_MAX], linear tau axis; the legend gives each arm's score."""
    taus = breakpoints(ratio)
    fig, ax = plt.subplots(figsize=(10, 4.5), layout="constrained")
    for arm in scores.sort_values(ascending=False).index:
        ys = [float(rho(ratio[[arm]], t).iloc[0]) for t in taus]
        ax.step(taus, ys, where="post", lw=2, label=f"{arm} (score {scores[arm]:.2f})")
    ax.set_xlim(TAU_MIN, TAU_MAX)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("tau: time to target over the best arm's (per task, median over seeds)")
    ax.set_ylabel(f"rho(tau): share of the {len(ratio)} tasks")
    ax.grid(alpha=0.3)
    fig.legend(fontsize=8, loc="outside right upper", title="arm (normalized area)", title_fontsize=8)
    ax.set_title("performance profiles (AlgoPerf scoring)", fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def score_rows(table: pd.DataFrame) -> list[tuple]:
    """Header and one row per arm, best score first: score, then per task the ratio to the best (and the lr chosen)."""
    ratio = ratios(task_times(table))
    scores = score(ratio)
    lrs = table.groupby(["task", "arm"])["lr"].first() if "lr" in table.columns else None
    by_epochs = score(ratios(task_times(table, time="epochs"))) if "epochs" in table.columns else None
    rows = [("arm", "score", *(["score in epochs"] if by_epochs is not None else []), *ratio.index)]
    for arm in scores.sort_values(ascending=False).index:
        cells = []
        for task in ratio.index:
            r = ratio.loc[task, arm]
            cell = "missed" if r == float("inf") else f"{r:.2f}"
            cells.append(cell + (f" @{lrs[(task, arm)]:g}" if lrs is not None and (task, arm) in lrs.index else ""))
        rows.append((arm, f"{scores[arm]:.3f}", *([f"{by_epochs[arm]:.3f}"] if by_epochs is not None else []), *cells))
    return rows


def profile_section(table: pd.DataFrame, out_dir: Path) -> Section:
    """The report section of AlgoPerf-style performance profiles for a tuned table (harness.judge.scoring.profile_table):
    heading, intro, the score table, and the profile plot written to out_dir."""
    ratio = ratios(task_times(table))
    path = plot_profiles(ratio, score(ratio), Path(out_dir) / PLOT)
    return Section("Performance profiles", INTRO, score_rows(table), {PLOT: path})
