"""The plain answer: per statement, which groups support it, refute it, or are undecided and which way they lean.

Consumes verdict rows only (harness.judge.verdict.Verdict, or anything with the same fields). A group label
such as "activation=elu, norm before vs none" reads as subject "elu" and level "before": the answer
lists "elu (before, after)" once instead of one row per level.
"""
from __future__ import annotations

import math
import re

from harness.judge.tables import fmt_effect  # the effect as tables print it: '≤0.2' where censoring bounds it

OUTCOMES = ("supported", "refuted", "inconclusive")
_VERSUS = re.compile(r"^\S+ (?P<level>.+) vs .+$")  # "norm before vs none" -> level "before"


def split_group(group: str) -> tuple[str, str]:
    """(subject, level): the grid values that name the group, and the treatment level it compares ('' if none)."""
    subject, level = [], ""
    for part in (p.strip() for p in group.split(",")):
        if not part:
            continue
        m = _VERSUS.match(part)
        if m:
            level = m.group("level")
        else:
            subject.append(part.split("=", 1)[1] if "=" in part else part)
    return " ".join(subject) or "all", level


def short_group(group: str) -> str:
    """A group as a short name: 'elu before' for 'activation=elu, norm before vs none'."""
    subject, level = split_group(group)
    return f"{subject} {level}".strip()


def slug(text: str) -> str:
    """Lower case, [a-z0-9_] only: the pieces of MLflow metric and tag names."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "all"


def row_key(v) -> str:
    """A verdict row's key in the parent run's names: '<short group>/<metric>', e.g. 'elu_before/time_to_target_ratio'."""
    return f"{slug(short_group(v.group))}/{slug(v.metric)}"


def lean(v) -> str:
    """Which way an undecided row leans: its effect against the claim's threshold."""
    if v.direction not in ("<", ">") or math.isnan(v.effect):
        return ""
    claimed = v.effect < v.threshold if v.direction == "<" else v.effect > v.threshold
    return "leans for" if claimed else "leans against"


def _grouped(rows) -> dict[str, list]:
    """Subject -> rows, in first-seen order."""
    out: dict[str, list] = {}
    for v in rows:
        out.setdefault(split_group(v.group)[0], []).append(v)
    return out


def _decided(rows) -> str:
    parts = []
    for subject, vs in _grouped(rows).items():
        levels = [split_group(v.group)[1] for v in vs if split_group(v.group)[1]]
        parts.append(f"{subject} ({', '.join(levels)})" if levels else subject)
    return ", ".join(parts) or "none"


def _undecided(rows) -> str:
    parts = []
    for subject, vs in _grouped(rows).items():
        bits = [" ".join(filter(None, [split_group(v.group)[1], fmt_effect(v.effect, v.bound)])) for v in vs]
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
    """The verdict grid: one row per group (short name), one column per statement, the outcome in each cell."""
    names = list(statements(verdicts))
    cells: dict[str, dict[str, str]] = {}
    for v in verdicts:
        cells.setdefault(short_group(v.group), {})[v.statement] = v.outcome.upper()
    return [("group", *names)] + [(g, *(row.get(s, "") for s in names)) for g, row in cells.items()]


def row_keys(verdicts) -> list[str]:
    """row_key per row, made unique (a repeat gets _2, _3, ...) so no row overwrites another's metric or tag."""
    seen: dict[str, int] = {}
    out = []
    for v in verdicts:
        key = row_key(v)
        seen[key] = seen.get(key, 0) + 1
        out.append(key if seen[key] == 1 else f"{key}_{seen[key]}")
    return out
