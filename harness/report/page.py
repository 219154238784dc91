"""What a report says, as text (fitted to a width), markdown or self-contained html: the answer, the invocation (its
run time and machine), the verdicts with their statistical detail, the decomposition, the suite's sections, plots.

harness.report.build loads a Report from the store and writes its files; this module only renders one.
"""
from __future__ import annotations

import base64
import html
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from harness.core import text
from harness.core.contract import ENVIRONMENT_TAGS, N_CONFIGS_TAG
from harness.execute.judging import family_line, verdict_text
from harness.judge.answer import Setting, grid_rows, plain_answer
from harness.judge.sequential import Looks
from harness.judge.tables import OUTCOME_COLOURS, TABLE_FORMATS, Rows, legend, verdict_rows
from harness.judge.tables import render as render_rows
from harness.judge.verdict import Verdict
from harness.report.decomposition import DECOMP_NOTE, decomposition_rows, metric_rows, untrained
from harness.stats.median import LEVEL
from harness.store.invocations import ui_link

FORMATS = TABLE_FORMATS
FILE_WIDTH = 100  # report.txt's width: a file has no terminal (harness.core.text.DEFAULT_WIDTH)


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
    looks: Looks | None = None  # the invocation's looks (adaptive seeds), None for a fixed seed count
    setting: Setting = field(default_factory=Setting)  # what the runs were, for the answer

    @property
    def title(self) -> str:
        return f"{self.suite.name}: report on invocation {self.parent.info.run_name} ({self.parent.info.run_id})"

    def answer(self, columns: int | None = None) -> str:
        return plain_answer(self.verdicts, self.suite.claim, self.setting, columns)


def duration(seconds: float) -> str:
    """'48 s', '2 min 05 s', '1 h 03 min'."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def invocation_lines(report: Report) -> list[str]:
    """The invocation: its name and id, how long it ran and when, on what machine, what it judged, the UI link."""
    p, tags, runs = report.parent, report.parent.data.tags, report.runs
    reused = int((runs["parent_run_id"] != p.info.run_id).sum()) if len(runs) else 0
    clock = lambda ms: time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000))  # noqa: E731
    took = (f"run time {duration((p.info.end_time - p.info.start_time) / 1000)} ({clock(p.info.start_time)} to "
            f"{clock(p.info.end_time)[11:]})" if p.info.end_time else f"started {clock(p.info.start_time)}, not ended")
    machine = ", ".join(f"{k.replace('_version', '')} {tags[k]}" for k in ENVIRONMENT_TAGS
                        if tags.get(k) and k not in ("device_type", "git_sha", "harness_version", "cuda_version"))
    return [f"invocation: {p.info.run_name}, {took}, status {p.info.status}, scale {tags.get('scale', '?')}, "
            f"seeds {tags.get('seeds', '?')}, configurations {tags.get(N_CONFIGS_TAG, '?')}",
            f"machine: {machine}",
            f"code: harness {tags.get('harness_version', '?')}, commit {tags.get('git_sha', '?')[:12] or '?'}",
            f"runs judged: {len(runs)}" + (f", {reused} of them reused from earlier invocations (resumed)" if reused else ""),
            f"verdict check: {report.verdict_check}",
            f"in the MLflow UI (`harness ui`): {ui_link(p.info.experiment_id, p.info.run_id)}"]


def second_section(report: Report, wide: bool = False) -> tuple[str, str, Rows | None]:
    """(heading, intro, table rows): the decomposition, or for suites that do not train, their measured medians."""
    words = report.suite.words_in_use()
    if report.decomposition is not None:
        left_out = untrained(report.runs, report.keys, words)
        intro = DECOMP_NOTE.format(level=f"{int(LEVEL * 100)}%")
        if left_out:
            intro += f" Left out: {'; '.join(left_out)} (measured without training: no epochs, no epoch time)."
        return "Total = epochs x time per epoch", intro, decomposition_rows(report.decomposition, report.keys, wide)
    rows = metric_rows(report.runs, report.keys, words)
    intro = "These runs record no training epochs, so there is no epochs x epoch-time decomposition."
    if rows:
        intro += " Per configuration, the median over seeds of each recorded metric:"
    return "Per configuration", intro, rows


def _fitted(rows: Rows, columns: int, keep: int = 1) -> str:
    """A table no wider than `columns`: its headers wrap, then its first column (what a row is about), then the
    others, widest first (harness.core.text.table); a table whose words still do not fit (many metrics, each one
    long word) goes in parts, each repeating its first `keep` columns."""
    for flexible in ((0,), tuple(range(len(rows[0])))):
        table = text.table(rows, columns, flexible)
        if max(map(len, table.splitlines())) <= columns:
            return table
    if len(rows[0]) <= keep + 1:
        return table
    parts, start = [], keep
    while start < len(rows[0]):
        end = start + 1  # at least one column per part
        while end < len(rows[0]) and _fits([r[:keep] + r[start:end + 1] for r in rows], columns):
            end += 1
        parts.append(text.table([r[:keep] + r[start:end] for r in rows], columns, tuple(range(end - start + keep))))
        start = end
    return "\n\n".join(parts)


def _fits(rows: Rows, columns: int) -> bool:
    table = text.table(rows, columns, tuple(range(len(rows[0]))))
    return max(map(len, table.splitlines())) <= columns


def as_text(report: Report, columns: int = FILE_WIDTH, wide: bool = False) -> str:
    """The text report, no line wider than `columns` (the words allowing); `wide`: every table whole, unwrapped."""
    fit = (lambda rows: render_rows(rows, "text")) if wide else (lambda rows: _fitted(rows, columns))  # noqa: E731
    para = (lambda s: [s]) if wide else (lambda s: text.wrap(s, columns))  # noqa: E731
    heading, intro, rows = second_section(report, wide)
    table = verdict_text(report.suite, report.runs, report.verdicts, None if wide else columns, report.looks, True)
    parts = [*para(report.title), "", *[out for line in invocation_lines(report) for out in para(line)], "",
             "VERDICTS", table, "", heading.upper().replace(" X ", " x "), *para(intro), *([fit(rows)] if rows else [])]
    parts += [out for s in report.sections for out in ("", s.heading.upper(), *para(s.intro), fit(s.rows))]
    parts += ["", "PLOTS"] + [f"  {p}" for p in report.plots.values()]
    parts += [out for n in report.notes for out in (text.wrap(n, columns, "  note: ", "    ") if not wide else [f"  note: {n}"])]
    if report.verdicts:
        parts += ["", "VERDICT GRID", fit(grid_rows(report.verdicts))]
    parts += ["", report.answer(None if wide else columns)]  # the last lines: the answer
    return "\n".join(parts) + "\n"


def as_markdown(report: Report) -> str:
    answer = report.answer()
    grid = grid_rows(report.verdicts) if report.verdicts else None
    heading, intro, rows = second_section(report, wide=True)
    answer_md = "\n".join(line if line.startswith("- ") else f"**{line}**" for line in answer.splitlines())
    parts = [f"# {report.title}", "", "## Answer", "", answer_md, "",
             *([render_rows(grid, "markdown"), ""] if grid else []), "```", report.header.rstrip(), "```", "",
             *[f"- {line}" for line in invocation_lines(report)], "", "## Verdicts", "",
             render_rows(verdict_rows(report.verdicts), "markdown") if report.verdicts else "(no verdict rows)", "",
             *([legend(report.verdicts), "", family_line(report.verdicts), ""] if report.verdicts else []),
             f"## {heading}", "", intro, "", *([render_rows(rows, "markdown")] if rows else [])]
    parts += [line for s in report.sections for line in ("", f"## {s.heading}", "", s.intro, "",
                                                        render_rows(s.rows, "markdown"))]
    parts += ["", "## Plots", ""] + [f"![{name}]({name})" for name in report.plots]
    parts += [f"- note: {n}" for n in report.notes]
    return "\n".join(parts) + "\n"


STYLE = ("body{font-family:sans-serif;margin:1.5em;max-width:1400px}table{border-collapse:collapse;font-size:13px}"
         "td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}th{background:#eee}"
         "tbody tr:nth-child(even){background:#fafafa}img{max-width:100%}pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap}"
         ".answer{background:#f3f7ff;border-left:4px solid #4a78c2;padding:.5em 1em}.legend{color:#555}"
         + "".join(f"td.{o}{{background:{c};color:white;font-weight:bold}}" for o, c in OUTCOME_COLOURS.items()))


def as_html(report: Report) -> str:
    """One self-contained page: the PNGs embedded, the UI link a link."""
    esc = html.escape
    grid = grid_rows(report.verdicts) if report.verdicts else None
    heading, intro, rows = second_section(report, wide=True)
    images = "".join(
        f'<figure><img alt="{esc(name)}" src="data:image/png;base64,'
        f'{base64.b64encode(path.read_bytes()).decode()}"><figcaption>{esc(name)}</figcaption></figure>'
        for name, path in report.plots.items())
    notes = "".join(f"<p class=note>note: {esc(n)}</p>" for n in report.notes)
    link = ui_link(report.parent.info.experiment_id, report.parent.info.run_id)
    inv = "".join(f"<li>{esc(line)}</li>" for line in invocation_lines(report)[:-1])
    inv += f"<li>in the MLflow UI (<code>harness ui</code>): <a href=\"{esc(link)}\">{esc(link)}</a></li>"
    head, *lines = report.answer().splitlines()
    answer_html = (f"<div class=answer><b>{esc(head)}</b><ul>"
                   + "".join(f"<li>{esc(line[2:])}</li>" for line in lines) + "</ul></div>"
                   + (_coloured(render_rows(grid, "html")) if grid else ""))
    verdicts = (f"{_coloured(render_rows(verdict_rows(report.verdicts), 'html'))}<p class=legend>"
                f"{esc(legend(report.verdicts))}<br>{esc(family_line(report.verdicts))}</p>"
                if report.verdicts else "<p>(no verdict rows)</p>")
    return (f"<!doctype html><html><head><meta charset=utf-8><title>{esc(report.title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{esc(report.title)}</h1><h2>Answer</h2>{answer_html}"
            f"<pre>{esc(report.header.rstrip())}</pre><ul>{inv}</ul><h2>Verdicts</h2>{verdicts}"
            f"<h2>{esc(heading)}</h2><p>{esc(intro)}</p>{render_rows(rows, 'html') if rows else ''}"
            + "".join(f"<h2>{esc(s.heading)}</h2><p>{esc(s.intro)}</p>{render_rows(s.rows, 'html')}"
                      for s in report.sections) +
            f"<h2>Plots</h2>{images}{notes}</body></html>\n")


def render(report: Report, fmt: str, columns: int = FILE_WIDTH, wide: bool = False) -> str:
    """The report as text (no wider than `columns`; `wide`: whole tables), markdown or html (html embeds the PNGs,
    so the one file is all one needs)."""
    if fmt not in FORMATS:
        raise ValueError(f"invalid format {fmt!r}; valid: {', '.join(FORMATS)}")
    if fmt == "text":
        return as_text(report, columns, wide)
    return as_markdown(report) if fmt == "markdown" else as_html(report)


def _coloured(table_html: str) -> str:
    """Outcome cells of an html table get their outcome's class (green, red, grey)."""
    for outcome in OUTCOME_COLOURS:
        table_html = table_html.replace(f"<td>{outcome.upper()}</td>", f"<td class={outcome}>{outcome.upper()}</td>")
    return table_html
