"""The plain answer: one sentence per statement, saying what was measured, on what, within which budget, and how it
came out for each group, a bound said as a bound; the conditions a scale leaves out are named.

Consumes verdict rows (harness.judge.verdict.Verdict), named by their labels as made when they were judged, and
a Setting: what the runs were (dataset, seeds, budget), read from the runs table. E.g.
    ANSWER to 'BN makes ...': 5 supported, 0 refuted, 1 undecided of 6 rows; on digits, 36 runs of at most
      8 epochs (target: validation accuracy 0.9), 6 to 12 seeds; ci scale: elu, tanh not tested.
    - Each epoch is slower (epoch time ratio, BN vs no BN; claimed > 1): supported for sigmoid (1.66 [1.59, 1.88])
      and relu, default init (1.68 [1.5, 2.17]).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from harness.core import text
from harness.core.contract import METRIC_WORDS
from harness.judge.subject import Subject, Words
from harness.judge.tables import fmt, fmt_interval, rule_of, shared

OUTCOMES = ("supported", "refuted", "inconclusive")
SAID = {"supported": "supported", "refuted": "refuted", "inconclusive": "undecided"}  # an outcome in the answer
BOUND_WORDS = {"<=": "at most ", ">=": "at least ", "~": "about ", "=": ""}


def lean(v) -> str:
    """Which way an undecided row leans: its effect against the claim's threshold."""
    if v.direction not in ("<", ">") or math.isnan(v.effect):
        return ""
    claimed = v.effect < v.threshold if v.direction == "<" else v.effect > v.threshold
    return "leans for" if claimed else "leans against"


@dataclass(frozen=True)
class Budget:
    """What a group of runs had to reach and within how many epochs, in words: 'validation accuracy 0.28', '12 epochs'."""

    target: str = ""
    epochs: str = ""

    @classmethod
    def of(cls, runs) -> "Budget":
        def one(column: str):
            values = list(dict.fromkeys(runs[column])) if column in runs.columns and len(runs) else []
            return values[0] if len(values) == 1 else None

        metric, value, epochs = one("target_metric"), one("target_value"), one("max_epochs")
        target = f"{METRIC_WORDS.get(metric, metric)} {value:g}" if metric is not None and value is not None else ""
        return cls(target, f"{int(epochs)} epochs" if epochs is not None else "")


@dataclass(frozen=True)
class Setting:
    """What an invocation's rows were measured on, in words, and each arm's budget (for saying why a row is a bound)."""

    on: str = ""  # 'digits, 36 runs of at most 8 epochs (target: validation accuracy 0.9), 6 to 12 seeds'
    untested: tuple[str, ...] = ()  # grid values of the claim the scale leaves out, in the suite's words
    scale: str = "default"
    words: Words = field(default_factory=Words)
    runs: object = None  # the runs table (harness.store.queries.load_runs), where arms' budgets are read

    @classmethod
    def of(cls, suite, runs, scale: str = "default") -> "Setting":
        if runs is None or not len(runs):
            return cls(scale=scale, untested=tuple(suite.untested(scale)), words=suite.words_in_use())
        budget = Budget.of(runs)
        dataset = ", ".join(map(str, dict.fromkeys(runs["dataset"]))) if "dataset" in runs.columns else ""
        of = f" of at most {budget.epochs}" if budget.epochs else ""
        aim = f" (target: {budget.target})" if budget.target else ""
        on = ", ".join(filter(None, [dataset, f"{len(runs)} runs{of}{aim}", seeds_said(suite, runs)]))
        return cls(on, tuple(suite.untested(scale)), scale, suite.words_in_use(), runs)

    def budget(self, fields: Mapping) -> Budget:
        """The budget of the runs that hold every one of these fields' values (those the runs table has)."""
        runs = self.runs
        if runs is None:
            return Budget()
        for k, value in fields.items():
            if k in runs.columns:
                runs = runs[runs[k].map(lambda x, value=value: x == value)]
        return Budget.of(runs)


def seeds_said(suite, runs) -> str:
    """How many seeds each configuration has: '6 seeds', or '6 to 12 seeds per configuration' (adaptive seeds)."""
    if runs is None or not len(runs) or "seed" not in runs.columns:
        return "no seeds"
    keys = [c for c in suite.all_grid_fields() if c in runs.columns]
    counts = sorted(runs.groupby(keys, sort=False)["seed"].nunique()) if keys else [runs["seed"].nunique()]
    return f"{counts[0]} seeds" if counts[0] == counts[-1] else f"{counts[0]} to {counts[-1]} seeds per configuration"


def said_effect(v) -> str:
    """The effect and its interval in words: '1.14 [1.1, 1.18]', 'at most 0.25 [0, 0.25]', 'no value' (and why, the
    row's note, where it has one: e.g. no seed where both arms reached the target)."""
    if math.isnan(v.effect):
        return f"no value: {v.note}" if v.note else "no value"
    return f"{BOUND_WORDS[v.bound]}{fmt(v.effect)} {fmt_interval(v.low, v.high)}"


def why_bound(v, setting: Setting) -> str:
    """Why a row's effect is a bound: which arm's seeds were censored, and (a measure to a target) what they missed."""
    if v.bound == "=" or not any(v.censored):
        return ""
    sides = list(zip(v.arms, v.censored)) if len(v.censored) == len(v.arms) and v.arms else [(Subject(), v.censored[0])]
    parts = []
    for arm, k in sides:
        if not k:
            continue
        who = setting.words.say(arm) or "the runs"
        budget = setting.budget({**v.group, **arm})
        if "target" in v.metric and budget.target:  # the measure is the way to a target: say which and within what
            parts.append(f"{who} did not reach {budget.target}"
                         f"{f' within {budget.epochs}' if budget.epochs else ''} in {k} of {v.n} seeds")
        else:
            parts.append(f"{who} is only bounded (censored) in {k} of {v.n} seeds")
    return "a bound: " + "; ".join(parts) if parts else ""


def _row(v, about: str, setting: Setting) -> str:
    """One group's part of a statement's sentence: 'relu, default init (at most 1.11 [0, 1.35], leans against)'."""
    bits = [said_effect(v) + (f", {lean(v)}" if v.outcome == "inconclusive" and lean(v) else "")]
    if why_bound(v, setting):
        bits.append(why_bound(v, setting))
    return f"{about} ({'; '.join(bits)})" if about else "; ".join(bits)


def sentence(statement: str, rows, setting: Setting) -> str:
    """One statement in a sentence: what was measured and on what (what its rows share), the claimed side, then per
    outcome the groups that came out so, each with its effect."""
    group, arms, tuned = shared(rows)

    def about(v) -> str:
        own = ", ".join(x for x, alike in ((v.group_label, group), (v.arms_label, arms)) if x and not alike)
        return own + (f" (tuned: {v.tuned_label})" if v.tuned_label and not tuned else "")

    metric = rows[0].metric if len({v.metric for v in rows}) == 1 else ""
    rule = f"claimed {rule_of(rows[0])}" if len({rule_of(v) for v in rows}) == 1 else ""
    what = "; ".join(filter(None, [", ".join(filter(None, [metric, group, arms])), f"tuned: {tuned}" if tuned else "",
                                   rule]))
    head = statement[:1].upper() + statement[1:] + (f" ({what})" if what else "")
    parts = []
    for outcome in OUTCOMES:
        named = _alike_once([(about(v), _row(v, "", setting)) for v in rows if v.outcome == outcome])
        if named:
            parts.append(f"{SAID[outcome]} for {listed(named)}" if about(rows[0]) else f"{SAID[outcome]}: {named[0]}")
    return f"{head}: {'; '.join(parts)}."


def _alike_once(rows: list[tuple[str, str]]) -> list[str]:
    """(group, what was found) per row -> 'relu (1.2 [1.1, 1.3])', the groups that found exactly the same said once:
    'sigmoid and tanh, default init (each: no value: ...)', in order of the first of them."""
    found: dict[str, list[str]] = {}
    for about, what in rows:
        found.setdefault(what, []).append(about)
    return [f"{listed(abouts)} ({'each: ' if len(abouts) > 1 else ''}{what})" if abouts[0] else what
            for what, abouts in found.items()]


def listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'; where an item holds a comma of its own and does not end in its parenthesis
    ('relu, default init'), commas would run the items together: 'a and b and c'."""
    if len(items) < 3 or any("," in x and not x.endswith(")") for x in items):
        return " and ".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def statements(verdicts) -> dict[str, list]:
    """Statement -> its rows, in first-seen order."""
    out: dict[str, list] = {}
    for v in verdicts:
        out.setdefault(v.statement, []).append(v)
    return out


def counts(verdicts) -> dict[str, int]:
    return {o: sum(v.outcome == o for v in verdicts) for o in OUTCOMES}


CHECKED = {"supported": "passed", "refuted": "FAILED", "inconclusive": "undecided"}  # a check's outcome in words


def checks_said(checks) -> str:
    """The checks of the implementation in one paragraph, apart from the claim: each passed or failed, with its value."""
    c = {o: sum(v.outcome == o for v in checks) for o in OUTCOMES}
    each = "; ".join(f"{v.statement}{f' ({v.label})' if v.label != 'all' else ''}: {CHECKED[v.outcome]}, "
                     f"{said_effect(v)}, claimed {rule_of(v)}" for v in checks)
    return (f"Checks of the implementation (not evidence for the claim): {c['supported']} passed, {c['refuted']} "
            f"failed, {c['inconclusive']} undecided of {len(checks)}: {each}.")


def plain_answer(verdicts, claim: str = "", setting: Setting | None = None, columns: int | None = None) -> str:
    """The answer: the claim and the count of outcomes, what the runs were, then one sentence per statement; each
    paragraph wrapped to `columns` (continuations indented two spaces), unwrapped when None."""
    setting = setting or Setting()
    if not verdicts:
        return "ANSWER: no verdict (no finished runs to judge)"
    claims, checks = [v for v in verdicts if not v.check], [v for v in verdicts if v.check]
    c = counts(claims)
    left = f"{setting.scale} scale: {', '.join(setting.untested)} not tested" if setting.untested else ""
    apart = f" ({len(checks)} checks of the implementation apart)" if checks else ""
    head = (f"ANSWER{f' to {claim!r}' if claim else ''}: {c['supported']} supported, {c['refuted']} refuted, "
            f"{c['inconclusive']} undecided of {len(claims)} verdict rows{apart}"
            + "".join(f"; {part}" for part in (f"on {setting.on}" if setting.on else "", left) if part) + ".")
    lines = [head, *(f"- {sentence(s, rows, setting)}" for s, rows in statements(claims).items()),
             *([checks_said(checks)] if checks else [])]
    if columns is None:
        return "\n".join(lines)
    return "\n".join(out for line in lines for out in text.wrap(line, columns))


def grid_rows(verdicts) -> list[tuple[str, ...]]:
    """The verdict grid: one row per group and arms (its label), one column per statement, the outcome in each cell."""
    names = list(statements(verdicts))
    cells: dict[tuple, dict[str, str]] = {}
    labels: dict[tuple, str] = {}
    for v in verdicts:
        labels.setdefault((v.group, v.arms), v.label)
        cells.setdefault((v.group, v.arms), {})[v.statement] = v.outcome.upper()
    return [("group", *names)] + [(labels[g], *(row.get(s, "") for s in names)) for g, row in cells.items()]
