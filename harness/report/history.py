"""Regression tracking over commits: each verdict row's effect, interval and outcome across a suite's invocations,
change points in the effect series (harness.stats.changepoint), a plot, and a CI check against a baseline commit.

Every parent run records git_sha (README, "The MLflow contract") and verdict.json; this module reads only those,
through harness.store.queries, so it needs no suite definition. Invocations are ordered by start time and a series
only mixes invocations of one scale (the newest invocation's, unless one is named).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harness.stats.changepoint import noise_scale, segments
from harness.config.run_config import ConfigError
from harness.core.contract import ENVIRONMENT_TAGS
from harness.judge.answer import SAID
from harness.judge.tables import fmt_effect, fmt_interval
from harness.judge.verdict import is_current, label_of
from harness.store.queries import QueryError, parent_runs, recorded_verdict

GIT_SHA_TAG = ENVIRONMENT_TAGS[-1]  # "git_sha"
ROW = ("row",)  # what names a verdict row across invocations: row_id
DECIDED = ("supported", "refuted")
Z95 = 1.96  # a finite 95% interval spans about 2 * 1.96 sigma of its estimate


def invocations(client, suite: str, scale: str | None = None) -> pd.DataFrame:
    """One row per invocation with a recorded verdict, oldest first: run_id, start_time, git_sha, scale, verdicts."""
    rows = []
    for parent in parent_runs(client, suite):
        text = recorded_verdict(client, parent.info.run_id)
        if text is None:  # interrupted before judging: nothing to track
            continue
        tags = parent.data.tags
        rows.append({"run_id": parent.info.run_id, "start_time": parent.info.start_time,
                     "git_sha": tags.get(GIT_SHA_TAG, "") or "unknown", "scale": tags.get("scale", "default"),
                     "verdicts": json.loads(text)})
    df = pd.DataFrame(rows, columns=["run_id", "start_time", "git_sha", "scale", "verdicts"])
    if df.empty:
        raise QueryError(f"no judged invocations of suite {suite!r} in this store; run `harness run {suite}` first")
    df = df.sort_values("start_time", kind="stable").reset_index(drop=True)
    scale = scale or df["scale"].iloc[-1]
    if scale not in set(df["scale"]):
        raise QueryError(f"invalid scale {scale!r}: suite {suite!r} has invocations at {', '.join(sorted(set(df['scale'])))}")
    return df[df["scale"] == scale].reset_index(drop=True)


def row_id(v: dict) -> str:
    """A verdict.json row's identity as text: statement, group, arms and metric (harness.judge.subject.identity).
    A row recorded with the older format (group as text) is named by that text: its own series, since a text is
    never read back into fields (README, 'Stored names')."""
    if is_current(v):
        return json.dumps([v["statement"], v["group"], v["arms"], v["metric"]], sort_keys=True)
    return json.dumps([v.get("statement"), v.get("group"), v.get("metric")])


def row_label_of(v: dict) -> str:
    """The row's display label: as made when it was judged, or an older row's group text."""
    if not is_current(v):
        return str(v.get("group"))
    return label_of(v.get("group_label", ""), v.get("arms_label", ""), v.get("tuned_label", ""))


def row_scale(low: np.ndarray, high: np.ndarray) -> float:
    """The noise of one point, from its finite 95% intervals (median half-width / 1.96); 0 when none is finite."""
    finite = np.isfinite(low) & np.isfinite(high)
    return float(np.median((high[finite] - low[finite]) / (2 * Z95))) if finite.any() else 0.0


def effect_history(client, suite: str, scale: str | None = None) -> pd.DataFrame:
    """Per verdict row and invocation: effect, interval, outcome, the segment level, and `step` (a new level starts here).

    Columns: invocation (0-based, oldest first), run_id, start_time, git_sha, row (row_id), statement, label,
    metric, effect, low, high, threshold, direction, outcome, level, step. The noise scale of a row's series is the
    larger of the spread of successive effects and its intervals' (see harness.stats.changepoint).
    """
    inv = invocations(client, suite, scale)
    records = []
    for i, r in inv.iterrows():
        for v in r["verdicts"]:
            records.append({"invocation": i, "run_id": r["run_id"], "start_time": r["start_time"],
                            "git_sha": r["git_sha"], "row": row_id(v), "statement": v.get("statement"),
                            "label": row_label_of(v), "metric": v.get("metric"),
                            **{k: v.get(k) for k in ("effect", "low", "high", "threshold", "direction", "outcome")},
                            "bound": v.get("bound") or "="})
    df = pd.DataFrame(records, columns=["invocation", "run_id", "start_time", "git_sha", "row", "statement", "label",
                                        "metric", "effect", "low", "high", "threshold", "direction", "outcome",
                                        "bound"])
    df["level"], df["step"] = math.nan, False
    for _, rows in df.groupby(list(ROW), sort=False):
        rows = rows[np.isfinite(rows["effect"].astype(float))]
        if rows.empty:
            continue
        x = rows["effect"].to_numpy(float)
        scale_ = max(noise_scale(x), row_scale(rows["low"].to_numpy(float), rows["high"].to_numpy(float)))
        for k, seg in enumerate(segments(x, scale_)):
            idx = rows.index[seg.start:seg.stop]
            df.loc[idx, "level"] = seg.level
            if k > 0:
                df.loc[idx[0], "step"] = True
    return df


def row_label(row) -> str:
    return f"{row['statement']} [{row['label']}] ({row['metric']})"


@dataclass
class CheckResult:
    """What `harness check` prints and its exit status: 1 when any row regressed, else 0."""

    lines: list[str] = field(default_factory=list)  # one per problem found
    summary: str = ""

    @property
    def exit_code(self) -> int:
        return 1 if self.lines else 0

    @property
    def text(self) -> str:
        return "\n".join([*self.lines, self.summary])


def _pick(inv: pd.DataFrame, ref: str, what: str) -> int:
    """The newest invocation whose git_sha starts with ref (or whose run id is ref): its index. QueryError otherwise."""
    hits = [i for i, r in inv.iterrows() if r["run_id"] == ref or (ref and str(r["git_sha"]).startswith(ref))]
    if not hits:
        known = ", ".join(dict.fromkeys(s[:12] for s in inv["git_sha"]))
        raise QueryError(f"invalid {what} {ref!r}: no invocation at that commit or run id; commits: {known}")
    return hits[-1]


def _describe(r) -> str:
    return f"{r['outcome']} {fmt_effect(float(r['effect']), r['bound'])} {fmt_interval(float(r['low']), float(r['high']))}"


def check(client, suite: str, baseline: str, head: str | None = None, margin: float = 0.0, rel_margin: float = 0.1,
          scale: str | None = None) -> CheckResult:
    """Compare the head invocation (default: the newest) with the newest one at commit (or run id) `baseline`.

    A row regresses when its verdict flipped (supported <-> refuted), when a decided row became inconclusive, or
    when the head's level differs from the baseline's by a detected step larger than max(margin, rel_margin *
    |baseline level|). Each problem is one line naming the row, both values and both commits.
    """
    for name, value in (("--margin", margin), ("--rel-margin", rel_margin)):
        if not value >= 0:
            raise ConfigError(f"invalid {name} {value!r}; must be >= 0")
    hist = effect_history(client, suite, scale)
    inv = invocations(client, suite, scale)
    b = _pick(inv, baseline, "baseline")
    h = len(inv) - 1 if head is None else _pick(inv, head, "head")
    for i, what, ref in ((b, "baseline", baseline), (h, "head", head)):
        if not all(is_current(v) for v in inv["verdicts"][i]) and all(is_current(v) for v in inv["verdicts"][b + h - i]):
            raise QueryError(f"invalid {what} {ref!r}: its verdict.json was recorded with an older format (groups as "
                             f"text), whose rows are not matched to the other side's; choose one recorded since "
                             f"(README, 'Stored names')")
    sha_b, sha_h = str(inv["git_sha"][b])[:12], str(inv["git_sha"][h])[:12]
    result, n_rows = CheckResult(), 0
    for _, rows in hist.groupby(list(ROW), sort=False):
        at = rows.set_index("invocation")
        if h not in at.index:
            continue
        n_rows += 1
        now = at.loc[h]
        if b not in at.index:
            continue  # a row the baseline did not have: new, nothing to regress from
        then = at.loc[b]
        label = row_label(now)
        if {then["outcome"], now["outcome"]} == set(DECIDED):
            result.lines.append(f"FLIPPED {label}: {_describe(then)} at {sha_b} -> {_describe(now)} at {sha_h}")
        elif then["outcome"] in DECIDED and now["outcome"] not in DECIDED:
            result.lines.append(f"UNDECIDED {label}: {_describe(then)} at {sha_b} -> {_describe(now)} at {sha_h}")
        between = at[(at.index > min(b, h)) & (at.index <= max(b, h)) & at["step"]]
        if len(between) and math.isfinite(then["level"]) and math.isfinite(now["level"]):
            delta = now["level"] - then["level"]
            if abs(delta) > max(margin, rel_margin * abs(then["level"])):
                first = between.iloc[0]
                result.lines.append(
                    f"STEP {label}: level {then['level']:.3g} at {sha_b} -> {now['level']:.3g} at {sha_h} "
                    f"({delta:+.3g}); the new level starts at invocation {first['run_id'][:8]} (commit "
                    f"{str(first['git_sha'])[:12]})")
    result.summary = (f"check {suite}: {n_rows} rows, baseline {sha_b} (run {inv['run_id'][b][:8]}), head {sha_h} "
                      f"(run {inv['run_id'][h][:8]}): {len(result.lines)} regression(s) -> "
                      f"{'FAIL' if result.lines else 'OK'}")
    return result


def plot_history(hist: pd.DataFrame, path, max_rows: int = 12) -> str:
    """One panel per verdict row (up to max_rows): effect and finite interval per invocation, the fitted levels,
    the threshold, and a line where each new level starts; x labels are short commits. Returns the PNG path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = list(hist.groupby(list(ROW), sort=False))[:max_rows]
    fig, axes = plt.subplots(len(groups), 1, figsize=(8, 2.2 * len(groups)), squeeze=False)
    colors = {"supported": "tab:green", "refuted": "tab:red", "inconclusive": "tab:gray"}
    for ax, (_, rows) in zip(axes[:, 0], groups):
        x = rows["invocation"].to_numpy()
        eff, low, high = (rows[c].to_numpy(float) for c in ("effect", "low", "high"))
        finite = np.isfinite(low) & np.isfinite(high)
        ax.vlines(x[finite], low[finite], high[finite], color="lightgray", lw=3, label="95% interval")
        ax.scatter(x, eff, c=[colors.get(o, "black") for o in rows["outcome"]], zorder=3, s=18, label="effect")
        ax.step(x, rows["level"].to_numpy(float), where="mid", color="tab:blue", lw=1, label="level")
        ax.axhline(float(rows["threshold"].iloc[0]), color="black", ls=":", lw=1, label="threshold")
        for step_at in x[rows["step"].to_numpy(bool)]:
            ax.axvline(step_at - 0.5, color="tab:orange", ls="--", lw=1)
        ax.set_xticks(x, [str(s)[:7] for s in rows["git_sha"]], fontsize=7, rotation=45)
        ax.set_title(row_label(rows.iloc[0]), fontsize=8)
    axes[0, 0].legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path)


def outcomes_said(outcomes) -> str:
    """A row's outcomes oldest first, in words, repeats counted: 'supported x3, then refuted'."""
    runs: list[list] = []
    for o in outcomes:
        word = SAID.get(str(o), str(o))
        if runs and runs[-1][0] == word:
            runs[-1][1] += 1
        else:
            runs.append([word, 1])
    return ", then ".join(f"{w} x{n}" if n > 1 else w for w, n in runs)


def history_table(hist: pd.DataFrame) -> list[tuple[str, ...]]:
    """Rows (header first) for harness.judge.tables.render: per verdict row, its first and last values (a bound kept
    a bound: '≤0.667'), its outcomes in words and its steps."""
    out = [("statement", "group", "metric", "invocations", "first", "last", "outcomes", "new level at (commit)")]
    for _, rows in hist.groupby(list(ROW), sort=False):
        first, last = rows.iloc[0], rows.iloc[-1]
        steps = ", ".join(f"{str(r['git_sha'])[:7]} ({r['level']:.3g})" for _, r in rows[rows["step"]].iterrows())
        out.append((str(first["statement"]), str(last["label"]), str(first["metric"]), str(len(rows)),
                    fmt_effect(float(first["effect"]), first["bound"]), fmt_effect(float(last["effect"]), last["bound"]),
                    outcomes_said(rows["outcome"]), steps or "-"))
    return out
