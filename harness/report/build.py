"""Reports: one suite invocation as a verdict table, the total = epochs x time-per-epoch decomposition, and plots.

Everything is computed from the store (harness.store.queries), so a report made a month later says what
the run said. The report files (text, markdown, self-contained html) and the PNGs are written to a
folder and logged as artifacts of the invocation's parent run under `report/`, so the MLflow UI
shows them too.
"""
from __future__ import annotations

import base64
import html
import importlib.metadata
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from mlflow.tracking import MlflowClient

from harness.report import plot_cache
from harness.judge.answer import grid_rows, plain_answer
from harness.core.contract import GRAD_LAYER, REPORT_DIR
from harness.report.decomposition import DECOMP_NOTE, decomposition, decomposition_rows, grid_keys, metric_rows, untrained
from harness.execute.judging import judge_stored, verdict_check, verdict_json
from harness.store.queries import find_parent, load_histories, recorded_verdict
from harness.stats.median import LEVEL
from harness.judge.tables import OUTCOME_COLOURS, TABLE_FORMATS, Rows, format_table, verdict_rows
from harness.judge.tables import render as render_rows
from harness.judge.verdict import Verdict

FORMATS = TABLE_FORMATS
REUSED_NOTE = "plots reused: those attached to the parent run were drawn from these very runs, verdicts and histories"


@dataclass
class Report:
    suite: object  # harness.judge.suite.Suite
    parent: object  # the parent mlflow Run
    runs: pd.DataFrame  # finished child runs, as stored
    keys: list[str]  # grid fields that label a configuration
    header: str  # evidence lines (claim, source, n, hardware), as in the verdict table
    verdicts: list[Verdict]
    verdict_check: str  # how the recomputed verdict compares with verdict.json recorded at run time
    decomposition: pd.DataFrame | None  # one row per configuration; None for suites that do not train
    plots: dict[str, Path] = field(default_factory=dict)  # file name -> path
    notes: list[str] = field(default_factory=list)  # plots skipped and why
    sections: list = field(default_factory=list)  # harness.judge.tables.Section, from the suite's report_section
    out_dir: Path | None = None  # where the files were written

    @property
    def title(self) -> str:
        return f"{self.suite.name}: report on invocation {self.parent.info.run_name} ({self.parent.info.run_id})"


def _invocation_lines(report: Report) -> list[str]:
    p = report.parent
    tags = p.data.tags
    runs = report.runs
    reused = int((runs["parent_run_id"] != p.info.run_id).sum()) if len(runs) else 0
    return [f"invocation: {p.info.run_name} (parent run {p.info.run_id}, status {p.info.status}, "
            f"scale {tags.get('scale', '?')}, seeds {tags.get('seeds', '?')}, configs {tags.get('n_configs', '?')})",
            f"runs judged: {len(runs)}" + (f", {reused} of them reused from earlier invocations (resumed)" if reused else ""),
            f"verdict check: {report.verdict_check}"]


def _second_section(report: Report) -> tuple[str, str, Rows | None]:
    """(heading, intro, table rows): the decomposition, or for suites that do not train, their measured medians."""
    level = f"{int(LEVEL * 100)}%"
    if report.decomposition is not None:
        left_out = untrained(report.runs, report.keys)
        intro = DECOMP_NOTE.format(level=level)
        if left_out:
            intro += (f" Left out: {'; '.join(left_out)} (measured without training: no epochs, no epoch time).")
        return "Total = epochs x time per epoch", intro, decomposition_rows(report.decomposition, report.keys)
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
                 heading.upper().replace(" X ", " x "), intro, *([render_rows(rows, "text")] if rows else [])]
        parts += [line for s in report.sections for line in ("", s.heading.upper(), s.intro, render_rows(s.rows, "text"))]
        parts += ["", "PLOTS"] + [f"  {p}" for p in report.plots.values()] + [f"  note: {n}" for n in report.notes]
        if report.verdicts:
            parts += ["", "VERDICT GRID", render_rows(grid_rows(report.verdicts), "text")]
        parts += ["", plain_answer(report.verdicts, report.suite.claim)]  # the last lines: the answer
        return "\n".join(parts) + "\n"
    answer = plain_answer(report.verdicts, report.suite.claim)
    grid = grid_rows(report.verdicts) if report.verdicts else None
    if fmt == "markdown":
        answer_md = "\n".join(line if line.startswith("- ") else f"**{line}**" for line in answer.splitlines())
        parts = [f"# {report.title}", "", "## Answer", "", answer_md, "",
                 *([render_rows(grid, "markdown"), ""] if grid else []), "```", report.header.rstrip(), "```", "",
                 *[f"- {line}" for line in _invocation_lines(report)], "", "## Verdicts", "",
                 render_rows(vrows, "markdown") if report.verdicts else "(no verdict rows)", "",
                 f"## {heading}", "", intro, "", *([render_rows(rows, "markdown")] if rows else [])]
        parts += [line for s in report.sections for line in ("", f"## {s.heading}", "", s.intro, "",
                                                            render_rows(s.rows, "markdown"))]
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
             "tbody tr:nth-child(even){background:#fafafa}img{max-width:100%}pre{background:#f6f6f6;padding:.6em}"
             ".answer{background:#f3f7ff;border-left:4px solid #4a78c2;padding:.5em 1em}"
             + "".join(f"td.{o}{{background:{c};color:white;font-weight:bold}}" for o, c in OUTCOME_COLOURS.items()))
    head, *lines = answer.splitlines()
    answer_html = (f"<div class=answer><b>{html.escape(head)}</b><ul>"
                   + "".join(f"<li>{html.escape(line[2:])}</li>" for line in lines) + "</ul></div>"
                   + (_coloured(render_rows(grid, "html")) if grid else ""))
    return (f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(report.title)}</title>"
            f"<style>{style}</style></head><body><h1>{html.escape(report.title)}</h1><h2>Answer</h2>{answer_html}"
            f"<pre>{html.escape(report.header.rstrip())}</pre><ul>{inv}</ul>"
            f"<h2>Verdicts</h2>{_coloured(render_rows(vrows, 'html')) if report.verdicts else '<p>(no verdict rows)</p>'}"
            f"<h2>{html.escape(heading)}</h2><p>{html.escape(intro)}</p>{render_rows(rows, 'html') if rows else ''}"
            + "".join(f"<h2>{html.escape(s.heading)}</h2><p>{html.escape(s.intro)}</p>{render_rows(s.rows, 'html')}"
                      for s in report.sections) +
            f"<h2>Plots</h2>{images}{notes}</body></html>\n")


def _coloured(table_html: str) -> str:
    """Outcome cells of an html table get their outcome's class (green, red, grey)."""
    for outcome in OUTCOME_COLOURS:
        table_html = table_html.replace(f"<td>{outcome.upper()}</td>", f"<td class={outcome}>{outcome.upper()}</td>")
    return table_html


def plot_histories(report: Report, client: MlflowClient) -> dict[str, pd.DataFrame]:
    """Run id -> the per-epoch values the plots draw: the target metric, epoch times, per-layer gradient norms."""
    runs = report.runs
    if not len(runs):
        return {}
    # The runs table holds every metric a run logged (its latest value) as a column: no run is read twice.
    wanted = [str(runs["target_metric"].iloc[0]), "train/epoch_time_s",
              *(c for c in runs.columns if GRAD_LAYER.match(str(c)))]
    return load_histories(client, list(runs["run_id"]), list(dict.fromkeys(wanted)))


def make_plots(report: Report, histories: dict[str, pd.DataFrame], out_dir: Path) -> None:
    """Write the PNGs into out_dir; a plot whose data the runs lack is skipped with a note saying why."""
    from harness.report import plots  # matplotlib: only where a plot is drawn (a report whose plots are reused needs none)

    runs, keys = report.runs, report.keys
    if report.verdicts:  # the claim's own plot first
        report.plots["forest.png"] = plots.plot_forest(report.verdicts, out_dir / "forest.png")
    if report.suite.report_section is not None and len(runs):  # the suite's own section (e.g. profiles) and plots
        report.sections.append(report.suite.report_section(runs, out_dir))
        report.plots.update(report.sections[-1].plots)
    label_title = ", ".join(keys) if keys else "configuration"
    if report.decomposition is not None:
        report.plots["decomposition.png"] = plots.plot_decomposition(report.decomposition, label_title,
                                                                     out_dir / "decomposition.png")
    else:
        report.notes.append("decomposition plot skipped: the runs record no epochs")
    if not len(runs):
        report.notes.append("learning curves skipped: no finished runs")
        return
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
    check = verdict_check(recorded_verdict(client, parent.info.run_id), verdicts)
    keys = grid_keys(suite, runs)
    return Report(suite, parent, runs, keys, header, verdicts, check, decomposition(runs, keys))


def _plots_key(report: Report, histories: dict[str, pd.DataFrame]) -> str:
    """The digest of everything the plots are drawn from: runs, verdict rows, histories, and the drawing code."""
    drawn = [f"{rid}\n{histories[rid].to_csv(index=False)}" for rid in sorted(histories)]
    code = [Path(importlib.util.find_spec("harness.report.plots").origin).read_bytes(), Path(__file__).read_bytes(),
            importlib.metadata.version("matplotlib")]  # found without importing either
    return plot_cache.digest([report.runs.to_csv(index=False), verdict_json(report.verdicts), *report.keys,
                                *drawn, *code])


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
    run_id, histories = report.parent.info.run_id, plot_histories(report, tracker.client)
    key = _plots_key(report, histories)
    # A suite's own report section draws its own plots with its own code, which the digest does not cover.
    cacheable = report.suite.report_section is None
    reused = plot_cache.restore(tracker.client, run_id, key, out_dir) if cacheable else None
    if reused is None:
        make_plots(report, histories, out_dir)
    else:  # drawn from the very same data and code when they were attached: copied, not drawn again
        report.plots, report.notes = reused[0], [*reused[1], REUSED_NOTE]
    for fmt, name in (("text", "report.txt"), ("markdown", "report.md"), ("html", "report.html")):
        (out_dir / name).write_text(render(report, fmt))
    if log:
        for name in ["report.txt", "report.md", "report.html", *(report.plots if reused is None else [])]:
            tracker.log_artifact(run_id, str(out_dir / name), REPORT_DIR)
        if reused is None and cacheable:  # last: it vouches for the plots logged before it
            tracker.log_artifact(run_id, str(plot_cache.write_index(out_dir, key, report.plots, report.notes)),
                                 REPORT_DIR)
    return report
