"""Two invocations of one suite side by side (two machines, CPU vs GPU, two library versions, two thread counts).

What changed, in three parts: the settings that differ (environment tags of the parent runs,
configuration fields), the verdicts (outcome and effect, with the ratio of effects B/A), and per
configuration the medians over seeds of epoch time, epochs to target and time to target, plus a
run-by-run convergence check paired on (grid values, seed). Both sides are recomputed from the store
with the same statistics, so the comparison never mixes two versions of a rule.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from mlflow.tracking import MlflowClient

from harness.config.run_config import RunConfig
from harness.core import text
from harness.core.contract import (CONVERGED, ENVIRONMENT_TAGS, EPOCHS_RUN, EPOCHS_TO_TARGET, INVOCATION_TAGS,
                                   N_CONFIGS_TAG, RESUMED_TAG, STOP_REASON_TAG, SUITE_TAG)
from harness.report.decomposition import decomposition, grid_keys
from harness.execute.judging import judge_stored
from harness.store.queries import QueryError, parent_of
from harness.stats.estimate import Estimate
from harness.judge.tables import Rows, fmt, fmt_effect, fmt_interval
from harness.judge.tables import render as render_rows
from harness.judge.subject import identity
from harness.judge.verdict import Verdict

FORMATS = ("text", "markdown")
# Parent-run tags and params that say where, with what and how an invocation ran: the machine and libraries, the
# commit, the scale and seeds, --force, the engine, and how many runs it reused from earlier invocations.
SETTING_TAGS = (*ENVIRONMENT_TAGS, *(t for t in INVOCATION_TAGS if t != "claim"), RESUMED_TAG)
SETTING_WORDS = {"git_sha": "commit", N_CONFIGS_TAG: "runs asked for", "force": "--force (rerun every run)",
                 RESUMED_TAG: "runs reused from earlier invocations", "device_type": "device type"}
# Config fields already reported through an environment tag of the same meaning.
PINNED_FIELDS = ("threads", "device", "seed")


@dataclass
class Side:
    parent: object  # mlflow Run
    runs: pd.DataFrame
    verdicts: list[Verdict]
    table: pd.DataFrame | None  # harness.report.build.decomposition

    @property
    def label(self) -> str:
        return f"{self.parent.info.run_name} ({self.parent.info.run_id})"


@dataclass
class Comparison:
    suite: object
    a: Side
    b: Side
    keys: list[str]
    differences: list[tuple[str, str, str]]  # (setting, value in A, value in B)
    verdicts: list[tuple[str, ...]]  # table rows, header first
    configs: list[tuple[str, ...]] | None  # table rows, header first; None when the runs record no epochs
    convergence: pd.DataFrame  # one row per (grid values, seed) present on both sides
    n_verdicts_changed: int

    @property
    def convergence_unchanged(self) -> bool:
        return bool(len(self.convergence)) and bool(self.convergence["same"].all())


def _settings(side: Side) -> dict[str, str]:
    tags, params = side.parent.data.tags, side.parent.data.params
    out = {t: params.get(t) or tags[t] for t in SETTING_TAGS if t in tags or t in params}
    out.update({k: v for k, v in params.items() if k not in out})  # any other setting the invocation recorded
    for name in RunConfig.field_names():
        if name in PINNED_FIELDS or name not in side.runs.columns:
            continue
        values = sorted({str(v) for v in side.runs[name]})
        out[f"config.{name}"] = ", ".join(values)
    return out


def _ratio(b: Estimate, a: Estimate) -> str:
    """B/A of two medians; '-' when either is only a bound (censored) or missing."""
    if a.lo != a.hi or b.lo != b.hi or not (a.lo > 0) or math.isnan(b.lo):
        return "-"
    return f"{b.lo / a.lo:.3g}"


def _verdict_rows(a: list[Verdict], b: list[Verdict]) -> tuple[Rows, int]:
    rows = [("statement", "group", "metric", "A effect", "A interval", "A verdict", "B effect", "B interval",
             "B verdict", "effect B/A", "changed")]
    index_b = {identity(v): v for v in b}
    seen, changed = set(), 0
    for va in a:
        key = identity(va)
        seen.add(key)
        vb = index_b.get(key)
        named = (va.statement, va.label, va.metric)
        if vb is None:
            rows.append((*named, fmt_effect(va.effect, va.bound), fmt_interval(va.low, va.high), va.outcome.upper(),
                         "-", "-", "(absent)", "-", "ONLY IN A"))
            changed += 1
            continue
        ratio = (fmt(vb.effect / va.effect) if va.effect not in (0.0,) and math.isfinite(va.effect)
                 and math.isfinite(vb.effect) else "-")
        flag = "CHANGED" if va.outcome != vb.outcome else ""
        changed += bool(flag)
        rows.append((*named, fmt_effect(va.effect, va.bound), fmt_interval(va.low, va.high), va.outcome.upper(),
                     fmt_effect(vb.effect, vb.bound), fmt_interval(vb.low, vb.high), vb.outcome.upper(), ratio, flag))
    for vb in b:
        if identity(vb) not in seen:
            rows.append((vb.statement, vb.label, vb.metric, "-", "-", "(absent)", fmt_effect(vb.effect, vb.bound),
                         fmt_interval(vb.low, vb.high), vb.outcome.upper(), "-", "ONLY IN B"))
            changed += 1
    return rows, changed


def _config_rows(a: pd.DataFrame, b: pd.DataFrame, keys: list[str]) -> Rows:
    rows = [("configuration", "A epoch time s", "B epoch time s", "epoch time B/A", "A epochs", "B epochs",
             "A time to target s", "B time to target s", "time to target B/A", "A converged", "B converged")]
    index_b = {r["label"]: r for _, r in b.iterrows()}
    for _, ra in a.iterrows():
        rb = index_b.get(ra["label"])
        if rb is None:
            rows.append((ra["label"], ra["epoch_time"].point(), "(absent)", "-", ra["epochs"].point(), "-",
                         ra["time_to_target"].point(), "-", "-", ra[CONVERGED], "-"))
            continue
        rows.append((ra["label"], ra["epoch_time"].point(), rb["epoch_time"].point(),
                     _ratio(rb["epoch_time"], ra["epoch_time"]), ra["epochs"].point(), rb["epochs"].point(),
                     ra["time_to_target"].point(), rb["time_to_target"].point(),
                     _ratio(rb["time_to_target"], ra["time_to_target"]), ra[CONVERGED], rb[CONVERGED]))
    return rows


def _outcome(row: pd.Series) -> str:
    """How one run ended, comparable across machines: the stop reason and the epoch it stopped at."""
    epochs = row.get(EPOCHS_TO_TARGET)
    if row.get(CONVERGED) == 1 and epochs is not None and not math.isnan(epochs):
        return f"{row[STOP_REASON_TAG]} at epoch {int(epochs)}"
    ran = row.get(EPOCHS_RUN)
    reason = str(row[STOP_REASON_TAG])
    return f"{reason} after {int(ran)} epochs" if ran is not None and not math.isnan(ran) else reason


def _convergence(a: pd.DataFrame, b: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    on = [*keys, "seed"]
    left = a.assign(outcome_a=a.apply(_outcome, axis=1))[on + ["outcome_a"]]
    right = b.assign(outcome_b=b.apply(_outcome, axis=1))[on + ["outcome_b"]]
    merged = left.merge(right, on=on, how="inner")
    merged["same"] = merged["outcome_a"] == merged["outcome_b"]
    return merged


def compare(client: MlflowClient, suite, run_a: str, run_b: str) -> Comparison:
    """Compare two invocations of `suite` (parent run ids), both recomputed from the store."""
    parents = [parent_of(client, r) for r in (run_a, run_b)]
    for p in parents:
        if p.data.tags.get(SUITE_TAG) != suite.name:
            raise QueryError(f"invalid run {p.info.run_id!r}: an invocation of suite "
                              f"{p.data.tags.get(SUITE_TAG)!r}, not {suite.name!r}")
    sides = []
    for p in parents:
        runs, verdicts, _, _ = judge_stored(client, suite, p.info.run_id)
        if not len(runs):
            raise QueryError(f"invalid run {p.info.run_id!r}: it has no finished runs to compare")
        sides.append((p, runs, verdicts))
    keys = grid_keys(suite, pd.concat([sides[0][1], sides[1][1]]))
    words = suite.words_in_use()
    a, b = (Side(p, runs, verdicts, decomposition(runs, keys, words)) for p, runs, verdicts in sides)
    sa, sb = _settings(a), _settings(b)
    differences = [(k, sa.get(k, "-"), sb.get(k, "-")) for k in dict.fromkeys([*sa, *sb]) if sa.get(k) != sb.get(k)]
    verdict_rows, n_changed = _verdict_rows(a.verdicts, b.verdicts)
    configs = _config_rows(a.table, b.table, keys) if a.table is not None and b.table is not None else None
    return Comparison(suite, a, b, keys, differences, verdict_rows, configs, _convergence(a.runs, b.runs, keys),
                      n_changed)


def _said_verdicts(rows: Rows) -> Rows:
    """The verdict comparison as text shows it: each side's effect, interval and outcome in one cell."""
    out = [("statement", "group", "metric", "A", "B", "effect B/A", "changed")]
    for r in rows[1:]:
        out.append((*r[:3], " ".join(x for x in r[3:6] if x != "-") or "-", " ".join(x for x in r[6:9] if x != "-") or "-",
                    r[9], r[10]))
    return out


def render(c: Comparison, style: str = "text", columns: int | None = None) -> str:
    """The comparison as text (no wider than `columns` where the words allow; None: whole tables) or markdown."""
    if style not in FORMATS:
        raise ValueError(f"invalid format {style!r}; valid: {', '.join(FORMATS)}")

    def table(rows: Rows, flexible: tuple[int, ...] = (0,)) -> str:
        return render_rows(rows, style, columns, flexible) if style == "text" else render_rows(rows, style)

    def para(line: str) -> list[str]:
        return text.wrap(line, columns) if columns and style == "text" else [line]

    n_pairs, n_same = len(c.convergence), int(c.convergence["same"].sum()) if len(c.convergence) else 0
    if not n_pairs:
        conv = "convergence: no (configuration, seed) pairs present on both sides"
    elif n_same == n_pairs:
        conv = f"convergence: UNCHANGED in all {n_pairs} paired runs (same stop reason at the same epoch)"
    else:
        conv = f"convergence: CHANGED in {n_pairs - n_same} of {n_pairs} paired runs"
    unpaired = len(c.a.runs) + len(c.b.runs) - 2 * n_pairs
    if unpaired:
        conv += f"; {unpaired} run(s) without a partner on the other side (not compared)"
    diffs = [("setting", "A", "B"), *((SETTING_WORDS.get(k, k), a, b) for k, a, b in c.differences)]

    def heading(title: str, note: str = "") -> str:
        title = title.upper() if style == "text" else f"## {title}"
        return f"{title} ({note})" if note else title

    bullet = "- " if style == "markdown" else ""
    summary = [f"A: {c.a.label}, {len(c.a.runs)} finished runs", f"B: {c.b.label}, {len(c.b.runs)} finished runs",
               f"verdicts: {c.n_verdicts_changed} of {len(c.verdicts) - 1} changed outcome", conv]
    parts = [f"{'# ' if style == 'markdown' else ''}{c.suite.name}: A vs B", "",
             *(out for line in summary for out in para(bullet + line)), "", heading("What differs"), ""]
    parts += [table(diffs, (1, 2))] if c.differences else ["(no recorded setting differs)"]
    verdicts = _said_verdicts(c.verdicts) if style == "text" else c.verdicts
    parts += ["", heading("Verdicts"), "", table(verdicts, (0, 1, 2)) if len(c.verdicts) > 1 else "(no verdict rows)",
              "", *para(heading("Per configuration", "medians over seeds; '>' = censored; B/A only where both are exact")),
              ""]
    parts += [table(c.configs)] if c.configs else ["(the runs record no epochs)"]
    changed = c.convergence[~c.convergence["same"]] if n_pairs else c.convergence
    if len(changed):
        rows = [(*c.keys, "seed", "A", "B")]
        rows += [tuple(str(r[k]) for k in [*c.keys, "seed", "outcome_a", "outcome_b"]) for _, r in changed.iterrows()]
        parts += ["", heading("Runs whose convergence changed"), "", table(rows, tuple(range(len(rows[0]))))]
    return "\n".join(parts) + "\n"
