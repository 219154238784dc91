"""The plain answer: per statement, which groups support it, refute it, or are undecided and which way they lean.

Consumes verdict rows only (harness.judge.verdict.Verdict). Rows are put together by their group (a mapping,
harness.judge.subject), named by their labels as made when they were judged: e.g. group {activation: elu} with
arms 'norm before vs none' and 'norm after vs none' reads "activation elu (norm before vs none, norm after vs none)".
"""
from __future__ import annotations

import math

from harness.judge.tables import fmt_effect  # the effect as tables print it: '≤0.2' where censoring bounds it

OUTCOMES = ("supported", "refuted", "inconclusive")


def lean(v) -> str:
    """Which way an undecided row leans: its effect against the claim's threshold."""
    if v.direction not in ("<", ">") or math.isnan(v.effect):
        return ""
    claimed = v.effect < v.threshold if v.direction == "<" else v.effect > v.threshold
    return "leans for" if claimed else "leans against"


def _grouped(rows) -> list[tuple[str, list]]:
    """(group label, its rows) per group mapping, in first-seen order."""
    out: dict = {}
    for v in rows:
        out.setdefault(v.group, []).append(v)
    return [(vs[0].group_label or "all", vs) for vs in out.values()]


def _decided(rows) -> str:
    parts = []
    for subject, vs in _grouped(rows):
        levels = [v.arms_label for v in vs if v.arms_label]
        parts.append(f"{subject} ({', '.join(levels)})" if levels else subject)
    return ", ".join(parts) or "none"


def _undecided(rows) -> str:
    parts = []
    for subject, vs in _grouped(rows):
        bits = [" ".join(filter(None, [v.arms_label, fmt_effect(v.effect, v.bound)])) for v in vs]
        leans = {lean(v) for v in vs}
        if len(leans) == 1:
            parts.append(f"{subject} ({', '.join(bits)}{': ' + leans.pop() if leans != {''} else ''})")
        else:
            parts.append(f"{subject} ({', '.join(f'{b} {lean(v)}'.strip() for b, v in zip(bits, vs))})")
    return ", ".join(parts) or "none"


def statement_line(statement: str, rows) -> str:
    """'total time is shorter: supported for elu (before, after); refuted for none; undecided: relu (...)'."""
    by = {o: [v for v in rows if v.outcome == o] for o in OUTCOMES}
    rule = f" [claim: {rows[0].metric} {rows[0].direction} {rows[0].threshold:g}]" if rows else ""
    return (f"{statement}{rule}: supported for {_decided(by['supported'])}; refuted for {_decided(by['refuted'])}; "
            f"undecided: {_undecided(by['inconclusive'])}")


def statements(verdicts) -> dict[str, list]:
    """Statement -> its rows, in first-seen order."""
    out: dict[str, list] = {}
    for v in verdicts:
        out.setdefault(v.statement, []).append(v)
    return out


def counts(verdicts) -> dict[str, int]:
    return {o: sum(v.outcome == o for v in verdicts) for o in OUTCOMES}


def plain_answer(verdicts, claim: str = "") -> str:
    """The answer in a few lines: the claim, then one line per statement."""
    if not verdicts:
        return "ANSWER: no verdict (no finished runs to judge)"
    c = counts(verdicts)
    head = f"ANSWER{f' to {claim!r}' if claim else ''}: {c['supported']} supported, {c['refuted']} refuted, " \
           f"{c['inconclusive']} undecided of {len(verdicts)} verdict rows"
    return "\n".join([head, *(f"- {statement_line(s, rows)}" for s, rows in statements(verdicts).items())])


def grid_rows(verdicts) -> list[tuple[str, ...]]:
    """The verdict grid: one row per group and arms (its label), one column per statement, the outcome in each cell."""
    names = list(statements(verdicts))
    cells: dict[tuple, dict[str, str]] = {}
    labels: dict[tuple, str] = {}
    for v in verdicts:
        labels.setdefault((v.group, v.arms), v.label)
        cells.setdefault((v.group, v.arms), {})[v.statement] = v.outcome.upper()
    return [("group", *names)] + [(labels[g], *(row.get(s, "") for s in names)) for g, row in cells.items()]
