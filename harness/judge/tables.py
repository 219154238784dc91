"""Tables as text, markdown or html: the one renderer the run's output, the report and compare share."""
from __future__ import annotations

import html
import math
from pathlib import Path
from typing import NamedTuple

from harness.core import text
from harness.stats.bounds import equivalence_band
from harness.stats.median import LEVEL
from harness.judge.verdict import Verdict, label_of

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


def render(rows: Rows, style: str = "text", columns: int | None = None, flexible: tuple[int, ...] = ()) -> str:
    """Rows (header first) as an aligned text table (fitted to `columns` by wrapping its `flexible` columns:
    harness.core.text.table), a markdown table or an html table."""
    if style == "text":
        return text.table(rows, columns, flexible)
    if style == "markdown":
        esc = [[c.replace("|", "\\|") for c in r] for r in rows]
        lines = ["| " + " | ".join(esc[0]) + " |", "|" + "---|" * len(esc[0])]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in esc[1:]])
    if style == "html":
        head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    raise ValueError(f"invalid table style {style!r}; valid: {', '.join(TABLE_FORMATS)}")


def rule_of(v) -> str:
    """A row's claimed side in symbols a reader knows: '< 1', '> 0.5', an equivalence 'in [0.5, 2]'."""
    if v.direction in ("<", ">"):
        return f"{v.direction} {v.threshold:g}"
    if math.isnan(v.threshold):
        return "-"
    low, high = equivalence_band(v.direction, v.threshold)
    return f"in [{low:.3g}, {high:.3g}]"


def look_of(v: Verdict) -> str:
    """Which look decided a row and at which level ('look 1 of 3, level 0.9688'); '' for a row judged once."""
    return f"look {v.look} of {v.looks}, level {v.level:.4g}" if v.looks > 1 else ""


def note_of(v: Verdict, verbose: bool = True) -> str:
    """A row's note, and with `verbose` the look that decided it."""
    return "; ".join(filter(None, [v.note, look_of(v) if verbose else ""]))


def verdict_rows(verdicts: list[Verdict]) -> Rows:
    """One row per verdict, every column (`--wide`, the report's markdown and html): statement, group, metric,
    effect, interval, rule, n, outcome, note (the look that decided it included)."""
    rows = [("statement", "group", "metric", "effect", f"{int(LEVEL * 100)}% interval", "rule", "n", "verdict", "note")]
    for v in verdicts:
        rows.append((v.statement, v.label, v.metric, fmt_effect(v.effect, v.bound), fmt_interval(v.low, v.high),
                     rule_of(v), fmt_n(v), v.outcome.upper(), note_of(v)))
    return rows


def format_table(verdicts: list[Verdict], header: str = "") -> str:
    """The plain-text verdict table with every column, one line per row however wide; the header states the evidence."""
    table = render(verdict_rows(verdicts), "text")
    return f"{header}\n{table}" if header else table


def shared(verdicts: list[Verdict]) -> tuple[str, str, str]:
    """(group, arms, tuned) labels every row has alike, '' where rows differ: said once above the table."""
    def same(name: str) -> str:
        values = {getattr(v, name) or "" for v in verdicts}
        return values.pop() if len(values) == 1 else ""

    return same("group_label"), same("arms_label"), same("tuned_label")


def compact_table(verdicts: list[Verdict], columns: int, verbose: bool = False) -> str:
    """The verdict table a person reads at a glance, no wider than `columns` where the words allow.

    One line per row: the statement, what it is about in the suite's words, the claim's measure and threshold,
    the effect with its interval, n and the verdict. What every row shares is said once above; notes are numbered
    footnotes below (`verbose` adds the look that decided each row); a legend sentence says how to read a row.
    When the measures do not fit, each statement's measure is said once above instead.
    """
    group, arms, tuned = shared(verdicts)
    above = [f"every row: {label_of(group, arms, tuned)}"] if (group or arms or tuned) and len(verdicts) > 1 else []
    if len(verdicts) == 1:
        group = arms = tuned = ""
    notes: dict[str, int] = {}
    body = []
    for v in verdicts:
        about = label_of("" if group else v.group_label, "" if arms else v.arms_label, "" if tuned else v.tuned_label)
        note = note_of(v, verbose)
        mark = f" [{notes.setdefault(note, len(notes) + 1)}]" if note else ""
        body.append((v.statement, "" if about == "all" and (group or arms or tuned) else about,
                     f"{v.metric} {rule_of(v)}", fmt_effect(v.effect, v.bound),
                     fmt_interval(v.low, v.high), fmt_n(v), v.outcome.upper() + mark))
    head = ("statement", "group", "claim", "effect", f"{int(LEVEL * 100)}% interval", "n", "verdict")
    keep = [i for i in range(len(head)) if i != 1 or any(r[1] for r in body)]
    rows = [tuple(r[i] for i in keep) for r in [head, *body]]
    if max(map(len, text.table(rows).splitlines())) > columns:  # the measures go above, once per statement
        measures = dict.fromkeys((v.statement, f"{v.metric} {rule_of(v)}") for v in verdicts)
        above += ["claims, as measured:", *(line for st, m in measures for line in text.wrap(f"{st}: {m}", columns,
                                                                                          "  ", "      "))]
        claim = keep.index(2)
        rows = [r[:claim] + r[claim + 1:] for r in rows]
    table = text.table(rows, columns, flexible=(0, 1) if 1 in keep else (0,))
    foot = [line for note, k in notes.items() for line in text.wrap(note, columns, f"[{k}] ", "    ")]
    return "\n".join([*above, table, *foot, *text.wrap(legend(verdicts), columns)])


def legend(verdicts: list[Verdict]) -> str:
    """How to read a row, in one sentence."""
    paired = any(v.arms for v in verdicts)
    early = any(v.looks > 1 and v.level > LEVEL for v in verdicts)
    return (f"Each row: the median over seeds{' of the per-seed comparison' if paired else ''} and its "
            f"{int(LEVEL * 100)}% interval; SUPPORTED or REFUTED when the interval lies wholly on one side of the "
            f"claim's threshold, else INCONCLUSIVE"
            + ("; ≤ or ≥: a bound (some runs never got there)" if any(v.bound in ("<=", ">=") for v in verdicts) else "")
            + ("; rows decided with fewer seeds used a stricter level" if early else "") + ".")
