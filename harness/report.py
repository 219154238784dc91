"""Reports: one suite invocation as a verdict table, the total = epochs x time-per-epoch decomposition, and plots.

Everything is computed from the store (harness.results), so a report made a month later says what
the run said. The report files (text, markdown, self-contained html) and the PNGs are written to a
folder and logged as artifacts of the invocation's parent run under `report/`, so the MLflow UI
shows them too.
"""
from __future__ import annotations

import base64
import html
import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from mlflow.tracking import MlflowClient

from harness.stats import LEVEL, Measured, bootstrap_median_bounds
from harness.tracking import ROLE_TAG
from harness.verdict import Verdict, _fmt, epochs_to_target, format_table, median_epoch_time, time_to_target

FORMATS = ("text", "markdown", "html")
ARTIFACT_DIR = "report"  # artifact path under the parent run
# Summary metrics a training run records; a suite whose runs lack them (a measurement suite) gets no decomposition.
TRAINING_METRICS = ("median_epoch_time_s", "converged", "epochs_run", "train_time_s")


class ReportError(ValueError):
    """The store holds nothing to report on for that request; the message says what exists instead."""


@dataclass(frozen=True)
class Estimate:
    """A median over seeds whose values may be censored (known only to exceed a bound), with its bootstrap interval.

    lo/hi bound the sample median itself: equal when nothing censored affects it, hi = inf when
    censored runs make up the middle (then all we know is median > lo).
    """

    lo: float
    hi: float
    low: float  # LEVEL interval, low end
    high: float  # LEVEL interval, high end (inf when censoring leaves it open)
    n: int
    n_censored: int

    @classmethod
    def of(cls, values: list[Measured]) -> "Estimate":
        lower = np.array([v.value for v in values], float)
        upper = np.array([math.inf if v.censored else v.value for v in values], float)
        if not len(values):
            return cls(math.nan, math.nan, math.nan, math.nan, 0, 0)
        low, high = bootstrap_median_bounds(lower, upper)
        return cls(float(np.median(lower)), float(np.median(upper)), low, high, len(values),
                   sum(v.censored for v in values))

    def point(self, digits: int = 3) -> str:
        if math.isnan(self.lo):
            return "-"
        if self.lo == self.hi:
            return f"{self.lo:.{digits}g}"
        if math.isinf(self.hi):
            return f">{self.lo:.{digits}g}"
        return f"{self.lo:.{digits}g}..{self.hi:.{digits}g}"

    def interval(self, digits: int = 3) -> str:
        if math.isnan(self.low):
            return "-"
        if math.isinf(self.high):  # censoring leaves the interval open above
            return f"[{self.low:.{digits}g}, open)"
        return f"[{self.low:.{digits}g}, {self.high:.{digits}g}]"


@dataclass
class Report:
    suite: object  # harness.suite.Suite
    parent: object  # the parent mlflow Run
    runs: pd.DataFrame  # finished child runs, as stored
    keys: list[str]  # grid fields that label a configuration
    header: str  # evidence lines (claim, source, n, hardware), as in the verdict table
    verdicts: list[Verdict]
    verdict_check: str  # how the recomputed verdict compares with verdict.json recorded at run time
    decomposition: pd.DataFrame | None  # one row per configuration; None for suites that do not train
    plots: dict[str, Path] = field(default_factory=dict)  # file name -> path
    notes: list[str] = field(default_factory=list)  # plots skipped and why
    out_dir: Path | None = None  # where the files were written

    @property
    def title(self) -> str:
        return f"{self.suite.name}: report on invocation {self.parent.info.run_name} ({self.parent.info.run_id})"


def grid_keys(suite, runs: pd.DataFrame) -> list[str]:
    """The suite's grid fields (including axes a scale adds), as present in the runs."""
    from harness.suite import grid_fields

    keys = grid_fields(suite.grid)  # a tuple key (zipped points) spread over its fields
    for overrides in suite.scales.values():
        keys += [k for k in grid_fields(overrides.get("grid", {})) if k not in keys]
    return [k for k in keys if k in runs.columns]


def config_label(row, keys: list[str]) -> str:
    return ", ".join(str(row[k]) for k in keys) if keys else "all runs"


def find_parent(client: MlflowClient, suite_name: str, run_id: str | None):
    """The invocation to report on: `run_id`, or the suite's newest. Raises ReportError naming what exists."""
    from harness.results import parent_runs

    parents = parent_runs(client, suite_name)
    if not parents:
        raise ReportError(f"no invocations of suite {suite_name!r} in this store; run `harness run {suite_name}` first")
    if run_id is None:
        return parents[0]
    for p in parents:
        if p.info.run_id == run_id:
            return p
    recent = ", ".join(p.info.run_id for p in parents[:5])
    raise ReportError(f"invalid run {run_id!r}: not an invocation of suite {suite_name!r}; newest: {recent}")


def parent_of(client: MlflowClient, run_id: str):
    """A parent run by id, checked to be a harness invocation. Raises ReportError."""
    from mlflow.exceptions import MlflowException

    try:
        run = client.get_run(run_id)
    except MlflowException:
        raise ReportError(f"invalid run {run_id!r}: no such run in this store") from None
    if run.data.tags.get(ROLE_TAG) != "parent":
        raise ReportError(f"invalid run {run_id!r}: not a suite invocation (tag {ROLE_TAG}="
                          f"{run.data.tags.get(ROLE_TAG)!r}, expected 'parent')")
    return run


def artifact_text(client: MlflowClient, run_id: str, name: str) -> str | None:
    """A small top-level text artifact of a run, or None when the run has none by that name."""
    if name not in {a.path for a in client.list_artifacts(run_id)}:
        return None
    # One small file: MLflow's download progress bar would only clutter the report's output.
    key, saved = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", os.environ.get("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR")
    os.environ[key] = "false"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            return Path(client.download_artifacts(run_id, name, tmp)).read_text()
    finally:
        if saved is None:
            del os.environ[key]
        else:
            os.environ[key] = saved


def recorded_verdict(client: MlflowClient, parent_run_id: str) -> str | None:
    """verdict.json as logged at run time, or None when the run has none (e.g. it was interrupted)."""
    return artifact_text(client, parent_run_id, "verdict.json")


def invocation_runs(client: MlflowClient, suite_name: str, parent_run_id: str) -> pd.DataFrame:
    """The runs an invocation was judged on, in start order, as harness.runner.judge_and_record selected them.

    A resumed invocation reuses finished runs of earlier ones and lists the run ids it judged in
    judged_runs.json; without that file (e.g. --force) it was judged on its own children.
    """
    from harness.results import load_runs

    judged = artifact_text(client, parent_run_id, "judged_runs.json")
    if judged is None:
        return load_runs(client, suite_name, parent_run_id)
    runs = load_runs(client, suite_name)
    if runs.empty:
        return runs
    keep = runs["run_id"].isin(set(json.loads(judged)))
    return runs[keep].sort_values("start_time", kind="stable").reset_index(drop=True)


def verdict_json(verdicts: list[Verdict]) -> str:
    """The same serialization judge_and_record logs, so the two can be compared byte for byte."""
    return json.dumps([v.as_dict() for v in verdicts], indent=1, default=str)


def judge_stored(client: MlflowClient, suite, parent_run_id: str) -> tuple[pd.DataFrame, list[Verdict], str]:
    """Runs, verdicts and the evidence header of one invocation, recomputed from the store."""
    from harness.runner import verdict_header

    runs = invocation_runs(client, suite.name, parent_run_id)
    verdicts = suite.judge(runs) if len(runs) else []
    return runs, verdicts, verdict_header(suite, runs)


def decomposition(runs: pd.DataFrame, keys: list[str]) -> pd.DataFrame | None:
    """Per configuration: median epoch time, epochs to target, time to target (Estimates), convergence and stop reasons."""
    if not len(runs) or not set(TRAINING_METRICS) <= set(runs.columns):
        return None
    rows = []
    groups = runs.groupby(keys, sort=False) if keys else [((), runs)]
    for values, group in groups:
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
    return pd.DataFrame(rows)


MAX_METRIC_COLUMNS = 10  # a measurement suite's per-configuration table stays readable


def metric_rows(runs: pd.DataFrame, keys: list[str]) -> list[tuple[str, ...]] | None:
    """For suites that measure without training: per configuration, the median over seeds of each recorded metric."""
    from harness.config import RunConfig
    from harness.results import TAG_COLUMNS

    skip = {*RunConfig.field_names(), *TAG_COLUMNS, "run_id", "parent_run_id", "status", "suite", "start_time"}
    metrics = sorted(c for c in runs.columns if c not in skip and pd.api.types.is_numeric_dtype(runs[c]))
    if not len(runs) or not metrics:
        return None
    metrics = metrics[:MAX_METRIC_COLUMNS]
    rows = [(", ".join(keys) or "configuration", "n", *metrics)]
    groups = runs.groupby(keys, sort=False) if keys else [((), runs)]
    for _, group in groups:
        rows.append((config_label(group.iloc[0], keys), str(len(group)),
                     *(_fmt(float(group[m].median())) for m in metrics)))
    return rows


def _decomposition_rows(table: pd.DataFrame, keys: list[str]) -> list[tuple[str, ...]]:
    pct = f"{int(LEVEL * 100)}%"
    out = [(", ".join(keys) or "configuration", "n", "converged", "epoch time s", pct, "epochs to target", pct,
            "time to target s", pct, "epochs x epoch time", "stop reasons")]
    for _, r in table.iterrows():
        out.append((r["label"], str(r["n"]), r["converged"], r["epoch_time"].point(), r["epoch_time"].interval(),
                    r["epochs"].point(), r["epochs"].interval(), r["time_to_target"].point(),
                    r["time_to_target"].interval(), "-" if math.isnan(r["product"]) else f"{r['product']:.3g}",
                    r["stops"]))
    return out


def text_table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: list[tuple[str, ...]]) -> str:
    esc = [[c.replace("|", "\\|") for c in r] for r in rows]
    lines = ["| " + " | ".join(esc[0]) + " |", "|" + "---|" * len(esc[0])]
    lines += ["| " + " | ".join(r) + " |" for r in esc[1:]]
    return "\n".join(lines)


def html_table(rows: list[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def verdict_rows(verdicts: list[Verdict]) -> list[tuple[str, ...]]:
    """The verdict table's cells, as harness.verdict.format_table lays them out, for markdown and html."""
    rows = [("statement", "group", "metric", "effect", f"{int(LEVEL * 100)}% interval", "rule", "n", "verdict", "note")]
    for v in verdicts:
        rows.append((v.statement, v.group, v.metric, _fmt(v.effect), f"[{_fmt(v.low)}, {_fmt(v.high)}]",
                     f"{v.direction} {v.threshold:g}", str(v.n), v.outcome.upper(), v.note))
    return rows


def _invocation_lines(report: Report) -> list[str]:
    p = report.parent
    tags = p.data.tags
    runs = report.runs
    reused = int((runs["parent_run_id"] != p.info.run_id).sum()) if len(runs) else 0
    return [f"invocation: {p.info.run_name} (parent run {p.info.run_id}, status {p.info.status}, "
            f"scale {tags.get('scale', '?')}, seeds {tags.get('seeds', '?')}, configs {tags.get('n_configs', '?')})",
            f"runs judged: {len(runs)}" + (f", {reused} of them reused from earlier invocations (resumed)" if reused else ""),
            f"verdict check: {report.verdict_check}"]


DECOMP_NOTE = ("Per configuration, median over seeds with its {level} bootstrap interval. Epoch time is the timed "
               "training region only. A run that never reached the target is censored: its epochs and seconds "
               "count as lower bounds ('>'), and an interval it leaves open ends in 'open)'.")


def _second_section(report: Report) -> tuple[str, str, list[tuple[str, ...]] | None]:
    """(heading, intro, table rows): the decomposition, or for suites that do not train, their measured medians."""
    level = f"{int(LEVEL * 100)}%"
    if report.decomposition is not None:
        return ("Total = epochs x time per epoch", DECOMP_NOTE.format(level=level),
                _decomposition_rows(report.decomposition, report.keys))
    rows = metric_rows(report.runs, report.keys)
    intro = "These runs record no training epochs, so there is no epochs x epoch-time decomposition."
    if rows:
        intro += " Per configuration, the median over seeds of each recorded metric:"
    return "Per configuration", intro, rows


def render(report: Report, fmt: str) -> str:
    """The report as text, markdown or html (html embeds the PNGs, so the one file is all one needs)."""
    if fmt not in FORMATS:
        raise ValueError(f"invalid format {fmt!r}; valid: {', '.join(FORMATS)}")
    vrows = verdict_rows(report.verdicts)
    heading, intro, rows = _second_section(report)
    if fmt == "text":
        parts = [report.title, "", report.header.rstrip(), *_invocation_lines(report), "",
                 "VERDICTS", format_table(report.verdicts) if report.verdicts else "(no verdict rows)", "",
                 heading.upper().replace(" X ", " x "), intro, *([text_table(rows)] if rows else [])]
        parts += ["", "PLOTS"] + [f"  {p}" for p in report.plots.values()] + [f"  note: {n}" for n in report.notes]
        return "\n".join(parts) + "\n"
    if fmt == "markdown":
        parts = [f"# {report.title}", "", "```", report.header.rstrip(), "```", "",
                 *[f"- {line}" for line in _invocation_lines(report)], "", "## Verdicts", "",
                 markdown_table(vrows) if report.verdicts else "(no verdict rows)", "",
                 f"## {heading}", "", intro, "", *([markdown_table(rows)] if rows else [])]
        parts += ["", "## Plots", ""] + [f"![{name}]({name})" for name in report.plots]
        parts += [f"- note: {n}" for n in report.notes]
        return "\n".join(parts) + "\n"
    images = "".join(
        f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,'
        f'{base64.b64encode(path.read_bytes()).decode()}"><figcaption>{html.escape(name)}</figcaption></figure>'
        for name, path in report.plots.items())
    notes = "".join(f"<p class=note>note: {html.escape(n)}</p>" for n in report.notes)
    inv = "".join(f"<li>{html.escape(line)}</li>" for line in _invocation_lines(report))
    style = ("body{font-family:sans-serif;margin:1.5em;max-width:1400px}table{border-collapse:collapse;font-size:13px}"
             "td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}th{background:#eee}"
             "img{max-width:100%}pre{background:#f6f6f6;padding:.6em}")
    return (f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(report.title)}</title>"
            f"<style>{style}</style></head><body><h1>{html.escape(report.title)}</h1>"
            f"<pre>{html.escape(report.header.rstrip())}</pre><ul>{inv}</ul>"
            f"<h2>Verdicts</h2>{html_table(vrows) if report.verdicts else '<p>(no verdict rows)</p>'}"
            f"<h2>{html.escape(heading)}</h2><p>{html.escape(intro)}</p>{html_table(rows) if rows else ''}"
            f"<h2>Plots</h2>{images}{notes}</body></html>\n")


def make_plots(report: Report, client: MlflowClient, out_dir: Path) -> None:
    """Write the PNGs into out_dir; a plot whose data the runs lack is skipped with a note saying why."""
    from harness import plots
    from harness.results import load_history

    runs, keys = report.runs, report.keys
    label_title = ", ".join(keys) if keys else "configuration"
    if report.decomposition is not None:
        report.plots["decomposition.png"] = plots.plot_decomposition(report.decomposition, label_title,
                                                                     out_dir / "decomposition.png")
    else:
        report.notes.append("decomposition plot skipped: the runs record no epochs")
    if not len(runs):
        report.notes.append("learning curves skipped: no finished runs")
        return
    histories = {rid: load_history(client, rid) for rid in runs["run_id"]}
    metric = str(runs["target_metric"].iloc[0])
    if any(metric in h for h in histories.values()):
        targets = runs["target_value"].unique()
        report.plots["learning_curves.png"] = plots.plot_learning_curves(
            runs, histories, keys, metric, float(targets[0]) if len(targets) == 1 else None,
            out_dir / "learning_curves.png")
    else:
        report.notes.append(f"learning curves skipped: no per-epoch {metric} recorded")
    families = plots.grad_layer_metrics(histories)
    for family in families:
        name = f"grad_{family}.png"
        report.plots[name] = plots.plot_grad_norms(runs, histories, keys, family, out_dir / name)
    if not families:
        report.notes.append("per-layer gradient norms skipped: none recorded (run with diagnostics that log "
                            "grad/<name>/layer_NN)")


def build_report(client: MlflowClient, suite, parent_run_id: str | None = None) -> Report:
    """Load one invocation (the newest by default) and compute its verdict and decomposition from the store."""
    parent = find_parent(client, suite.name, parent_run_id)
    runs, verdicts, header = judge_stored(client, suite, parent.info.run_id)
    recorded = recorded_verdict(client, parent.info.run_id)
    if recorded is None:
        check = "no verdict.json recorded at run time (interrupted?); verdict computed now from the stored runs"
    elif recorded == verdict_json(verdicts):
        check = "recomputed from the store, identical to verdict.json recorded at run time"
    else:
        check = ("recomputed from the store, DIFFERS from verdict.json recorded at run time (the suite's rule or "
                 "the statistics changed since; the recorded one is kept in verdict.json)")
    keys = grid_keys(suite, runs)
    return Report(suite, parent, runs, keys, header, verdicts, check, decomposition(runs, keys))


def default_out_dir(suite_name: str, parent_run_id: str) -> Path:
    return Path("reports") / f"{suite_name}-{parent_run_id[:8]}"


def write_report(tracker, suite, parent_run_id: str | None = None, out_dir: Path | None = None,
                 log: bool = True) -> Report:
    """Build the report, write report.{txt,md,html} and the PNGs to out_dir, and log them to the parent run.

    out_dir defaults to reports/<suite>-<parent run id prefix>/ under the working directory.
    """
    report = build_report(tracker.client, suite, parent_run_id)
    out_dir = Path(out_dir) if out_dir is not None else default_out_dir(suite.name, report.parent.info.run_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    report.out_dir = out_dir
    make_plots(report, tracker.client, out_dir)
    for fmt, name in (("text", "report.txt"), ("markdown", "report.md"), ("html", "report.html")):
        (out_dir / name).write_text(render(report, fmt))
    if log:
        for name in ["report.txt", "report.md", "report.html", *report.plots]:
            tracker.client.log_artifact(report.parent.info.run_id, str(out_dir / name), ARTIFACT_DIR)
    return report
