"""Tables as text, markdown or html: the one renderer the run's output, the report and compare share."""
from __future__ import annotations

import html
import math
from pathlib import Path
from typing import NamedTuple

from harness.stats.median import LEVEL
from harness.judge.verdict import Verdict

Rows = list[tuple[str, ...]]  # header row first
TABLE_FORMATS = ("text", "markdown", "html")
OUTCOME_COLOURS = {"supported": "#1a9850", "refuted": "#d73027", "inconclusive": "#8c8c8c"}  # html cells and plots


class Section(NamedTuple):
    """An extra report section a suite declares (Suite.report_section): a table and the plots it wrote."""

    heading: str
    intro: str
    rows: Rows
    plots: dict[str, Path]  # file name -> path


def fmt(x: float) -> str:
    """A number as tables show it: 3 significant digits, '-' for missing, 'inf' for unbounded."""
    if math.isnan(x):
        return "-"
    if math.isinf(x):
        return "inf"
    return f"{x:.3g}"


BOUND_SIGNS = {"=": "", "<=": "≤", ">=": "≥", "~": "~"}  # Verdict.bound as printed before the effect


def fmt_effect(effect: float, bound: str = "=") -> str:
    """The effect, as a bound where censoring leaves only one side known: '≤0.2', '≥3.1'."""
    return fmt(effect) if math.isnan(effect) else BOUND_SIGNS[bound] + fmt(effect)


def fmt_interval(low: float, high: float) -> str:
    """An interval, open where it is unbounded: '[0.5, 0.9]', '(open, 1.13]', '[2, open)', '(open, open)'."""
    if math.isnan(low) or math.isnan(high):
        return "-"
    left = "(open" if math.isinf(low) else f"[{fmt(low)}"
    right = "open)" if math.isinf(high) else f"{fmt(high)}]"
    return f"{left}, {right}"


def fmt_n(v: Verdict) -> str:
    """Seeds used, and expected where some are missing: '5/6'."""
    return f"{v.n}/{v.expected}" if v.expected and v.expected != v.n else str(v.n)


def render(rows: Rows, style: str = "text") -> str:
    """Rows (header first) as an aligned text table, a markdown table or an html table."""
    if style == "text":
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = []
        for i, r in enumerate(rows):
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)
    if style == "markdown":
        esc = [[c.replace("|", "\\|") for c in r] for r in rows]
        lines = ["| " + " | ".join(esc[0]) + " |", "|" + "---|" * len(esc[0])]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in esc[1:]])
    if style == "html":
        head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    raise ValueError(f"invalid table style {style!r}; valid: {', '.join(TABLE_FORMATS)}")


def verdict_rows(verdicts: list[Verdict]) -> Rows:
    """One row per verdict: statement, group, metric, effect, interval, rule, n, outcome, note."""
    rows = [("statement", "group", "metric", "effect", f"{int(LEVEL * 100)}% interval", "rule", "n", "verdict", "note")]
    for v in verdicts:
        rows.append((v.statement, v.label, v.metric, fmt_effect(v.effect, v.bound), fmt_interval(v.low, v.high),
                     f"{v.direction} {v.threshold:g}", fmt_n(v), v.outcome.upper(), v.note))
    return rows


def format_table(verdicts: list[Verdict], header: str = "") -> str:
    """The plain-text verdict table; the header states the evidence (n, interval level, hardware)."""
    table = render(verdict_rows(verdicts), "text")
    return f"{header}\n{table}" if header else table
