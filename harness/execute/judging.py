"""Judging an invocation: which stored runs stand for the grid, the verdict rows, and their record on the parent run."""
from __future__ import annotations

import json
import math

import pandas as pd

from harness.judge.answer import Setting, plain_answer, seeds_said
from harness.core.contract import (CHECKS_TAG, CONFIG_ID_TAG, JUDGED_RUNS, LOOKS_JSON, NOTE_TAG, VERDICT_JSON,
                                   VERDICT_TXT, effect_metric, verdict_tag)
from harness.store.resume import CODE_TAGS
from harness.store.queries import artifact_text, invocation_runs, load_runs
from harness.judge.sequential import LookJudge, Looks, judge_looks
from harness.judge.subject import row_keys
from harness.stats.bounds import WITHIN_DIFFERENCE, WITHIN_RATIO
from harness.stats.median import LEVEL, expected_false_supports, min_seeds
from harness.core import text
from harness.judge.tables import compact_table, format_table
from harness.store.tracking import Tracker
from harness.judge.verdict import JSON_KEYS, Verdict, is_current, label_of
from harness.version import __version__


def machine(runs: pd.DataFrame) -> str:
    """Where the runs were measured, in words: 'AMD EPYC (cpu), threads 1, torch 2.13.0+cpu, lightning 2.6.6'."""
    if not len(runs):
        return "no finished runs"
    first = runs.iloc[0]
    return (f"{first['device']} ({first['device_type']}), threads {first['threads']}, torch {first['torch_version']}, "
            f"lightning {first['lightning_version']}")


def verdict_header(suite, runs: pd.DataFrame) -> str:
    """The evidence lines every verdict table carries: claim, source, seeds, interval, hardware."""
    return (f"{suite.name}: {suite.claim}\nsource: {suite.source}\n"
            f"evidence: {len(runs)} finished runs, {seeds_said(suite, runs)}; effect = median over seeds, exact "
            f"{int(LEVEL * 100)}% order-statistic interval of the median (needs >= {min_seeds(LEVEL)} seeds)\n"
            f"measured on: {machine(runs)}\n")


def verdict_text(suite, runs: pd.DataFrame, verdicts: list[Verdict], columns: int | None = None,
                 looks: Looks | None = None, verbose: bool = False) -> str:
    """The verdict as a person reads it: the claim and its evidence, then the table (harness.judge.tables).

    columns=None: every column, one line per row however wide (`--wide`; verdict.txt), with the statistical detail.
    Else no wider than `columns`, the detail (which look decided each row at which level, the looks, the family
    of rows) only with `verbose`.
    """
    if columns is None:
        header = verdict_header(suite, runs) + (f"seeds: {looks.describe()}\n" if looks is not None else "")
        return f"{format_table(verdicts, header)}\n{family_line(verdicts)}"
    lines = [f"{suite.name}: {suite.claim}", f"source: {suite.source}",
             f"evidence: {len(runs)} finished runs, {seeds_said(suite, runs)}; measured on {machine(runs)}"]
    if verbose:
        lines.append(f"interval: exact {int(LEVEL * 100)}% order-statistic interval of the median over seeds "
                     f"(needs >= {min_seeds(LEVEL)} seeds)")
        lines += [f"seeds: {looks.describe()}"] if looks is not None else []
    head = [out for line in lines for out in text.wrap(line, columns)]
    table = compact_table(verdicts, columns, verbose) if verdicts else "(no verdict rows)"
    tail = text.wrap(family_line(verdicts), columns) if verbose and verdicts else []
    return "\n".join([*head, "", table, *tail])


def select_runs(runs: pd.DataFrame, config_ids, code: dict[str, str]) -> pd.DataFrame:
    """The runs that stand for a grid: this harness version's at the project code `code` (harness.store.resume), one
    per config_id (the newest), in start order."""
    if runs.empty:
        return runs
    keep = runs[CONFIG_ID_TAG].isin(set(config_ids)) & (runs["harness_version"] == __version__)
    for tag in CODE_TAGS:  # a run at another commit measured other code: never judged with this one's
        keep &= runs[tag].fillna("") == (code.get(tag) or "")
    runs = runs[keep].sort_values("start_time", kind="stable")
    return runs.drop_duplicates(CONFIG_ID_TAG, keep="last").reset_index(drop=True)


def verdict_json(verdicts: list[Verdict]) -> str:
    """verdict.json's text: what the run records and what a report recomputes, compared byte for byte."""
    return json.dumps([v.as_dict() for v in verdicts], indent=1, default=str)


# What a verdict.json row of the older format (group as text, before verdict subjects became data) still says the
# same way: everything but the group (now group, arms and labels) and the note (which names rows and arms).
SAME_IN_OLDER_FORMAT = ("statement", "metric", "effect", "low", "high", "threshold", "direction", "n", "outcome",
                        "bound", "expected")


def _equal(a, b) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


# What the suite's words write (its labels, and the notes that name rows and arms): a change of words since a
# verdict.json was recorded reads differently, not a different finding.
WORDING = ("group_label", "arms_label", "tuned_label", "note")
FINDING = tuple(k for k in JSON_KEYS if k not in WORDING)
DIFFERS = ("recomputed from the store, DIFFERS from verdict.json recorded at run time (the suite's rule or the "
           "statistics changed since; the recorded one is kept in verdict.json)")


def _first_difference(rows: list[dict], now: list[dict], keys) -> tuple[int, list[str]] | None:
    """The first recorded row whose `keys` differ from the recomputed row beside it, and those keys; None if none."""
    for i, (then, row) in enumerate(zip(rows, now)):
        changed = [k for k in keys if not _equal(then.get(k), row.get(k))]
        if changed:
            return i, changed
    return None


def _label(row: dict) -> str:
    return label_of(row.get("group_label", ""), row.get("arms_label", ""), row.get("tuned_label", ""))


def verdict_check(recorded: str | None, verdicts: list[Verdict]) -> str:
    """How verdict rows recomputed from the store compare with the verdict.json recorded at run time (one line)."""
    if recorded is None:
        return "no verdict.json recorded at run time (interrupted?); verdict computed now from the stored runs"
    if recorded == verdict_json(verdicts):
        return "recomputed from the store, identical to verdict.json recorded at run time"
    rows, now = json.loads(recorded), json.loads(verdict_json(verdicts))
    lacking = [k for k in JSON_KEYS if any(k not in r for r in rows)]  # fields added since it was recorded
    if not rows or (all(is_current(r) for r in rows) and not lacking):
        if len(rows) != len(now):
            return f"{DIFFERS}: {len(now)} rows now, {len(rows)} recorded"
        if found := _first_difference(rows, now, FINDING):
            return f"{DIFFERS}: row {found[0] + 1} ({rows[found[0]]['statement']}) in {', '.join(found[1])}"
        worded = [i for i, (then, row) in enumerate(zip(rows, now)) if _first_difference([then], [row], WORDING)]
        if not worded:
            return DIFFERS
        return (f"recomputed from the store, every row's finding matches verdict.json recorded at run time; "
                f"{len(worded)} of {len(rows)} rows are worded differently now (the suite's words changed since: "
                f"{_label(now[worded[0]])!r}, recorded as {_label(rows[worded[0]])!r})")
    older = ("verdict.json was recorded with an older format (groups as text; docs/contract.md, 'Stored names')"
             if not all(is_current(r) for r in rows) else
             f"verdict.json was recorded with an older format (without {', '.join(lacking)})")
    if len(rows) != len(now):
        return f"{older}; recomputed from the store, it DIFFERS: {len(now)} rows now, {len(rows)} recorded"
    if found := _first_difference(rows, now, SAME_IN_OLDER_FORMAT):
        i, changed = found
        return (f"{older}; recomputed from the store, it DIFFERS: row {i + 1} ({now[i]['statement']}, "
                f"{rows[i].get('group')!r}) in {', '.join(changed)}")
    return (f"{older}; recomputed from the store, every row's statement, metric, effect, interval, n and outcome "
            f"match it (its groups and notes are written the older way)")


def judge(suite, runs: pd.DataFrame, looks: Looks | None = None, judged: LookJudge | None = None
          ) -> tuple[list[Verdict], str]:
    """The suite's verdict rows on these runs (look by look when seeds were added sequentially), and the header.

    `judged` holds the looks this invocation judged already (while adding seeds): their rows are reused.
    """
    if looks is None:
        verdicts = suite.verdicts(runs) if len(runs) else []
    else:
        verdicts = judge_looks(judged or LookJudge(suite.verdicts, looks), runs)[0]
    header = verdict_header(suite, runs)
    if looks is not None:
        header += f"seeds: {looks.describe()}\n"
    return verdicts, header


def family_line(verdicts: list[Verdict]) -> str:
    """The family-wise picture: how many of the claim's rows would come out supported (or refuted) by chance alone.

    Every row that can pass by chance counts: one-sided rows and equivalence rows alike (at its margin, an
    equivalence row's interval lies inside the band by chance <= 2.5% of the time). Checks of the implementation
    (Verdict.check) are not evidence and are left out."""
    claims = [v for v in verdicts if not v.check]
    one_sided = sum(v.direction in ("<", ">") for v in claims)
    equivalence = sum(v.direction in (WITHIN_RATIO, WITHIN_DIFFERENCE) for v in claims)
    checks = len(verdicts) - len(claims)
    return (f"family: {len(claims)} claim rows ({one_sided} one-sided, {equivalence} equivalence)"
            f"{f', {checks} checks apart' if checks else ''}; if every true effect sat exactly at its threshold or "
            f"margin, about {expected_false_supports(one_sided + equivalence, LEVEL):.2g} of them would read "
            f"supported by chance, and about as many refuted (each row errs <= {(1 - LEVEL) / 2 * 100:g}% either way; "
            f"no multiplicity correction across rows)")


def record(tracker: Tracker, parent_run_id: str, verdicts: list[Verdict], header: str) -> None:
    """Attach the verdict to the parent run: verdict.txt, verdict.json, an effect metric and an outcome tag per row."""
    tracker.log_text(parent_run_id, format_table(verdicts, header) + "\n" + family_line(verdicts) + "\n", VERDICT_TXT)  # every column
    tracker.log_text(parent_run_id, verdict_json(verdicts), VERDICT_JSON)
    keys = row_keys(verdicts)  # short, readable, stable: 'dropout_0.5_vs_none/final_val_error_ratio' (docs/contract.md)
    checks = [k for k, v in zip(keys, verdicts) if v.check]
    tracker.set_tags(parent_run_id, {**{verdict_tag(k): v.outcome for k, v in zip(keys, verdicts)},
                                     **({CHECKS_TAG: json.dumps(checks)} if checks else {})})
    effects = {effect_metric(k): v.effect for k, v in zip(keys, verdicts) if math.isfinite(v.effect)}
    if effects:
        tracker.log_metrics(parent_run_id, effects)


def grid_runs(tracker: Tracker, suite, config_ids, code: dict[str, str]) -> pd.DataFrame:
    """The runs standing for these configurations now, at the project code `code` (see select_runs)."""
    return select_runs(load_runs(tracker.client, suite.name), config_ids, code)


def judge_and_record(suite, tracker: Tracker, parent_run_id: str, config_ids=None, looks: Looks | None = None,
                     judged: LookJudge | None = None, code: dict[str, str] | None = None):
    """Judge a suite's finished runs as stored and attach the verdict to the parent run: (verdicts, runs, header).

    config_ids=None judges the parent's own children. With config_ids (a resumable invocation), it
    judges the grid: for each config_id the newest FINISHED child of this harness version at the project code
    `code`, under whichever parent it ran; the run ids judged are attached to the parent as judged_runs.json.
    `judged`: the looks judged while seeds were added, reused where their runs are the same.
    """
    if config_ids is None:
        runs = load_runs(tracker.client, suite.name, parent_run_id)
    else:
        runs = grid_runs(tracker, suite, config_ids, code or {})
        tracker.log_json(parent_run_id, runs["run_id"].tolist() if len(runs) else [], JUDGED_RUNS)
    if looks is not None:
        tracker.log_text(parent_run_id, looks.to_json(), LOOKS_JSON)
    verdicts, header = judge(suite, runs, looks, judged)
    record(tracker, parent_run_id, verdicts, header)
    scale = tracker.client.get_run(parent_run_id).data.tags.get("scale", "default")
    from harness.core.contract import LOAD_END_TAG
    from harness.core.machine import load_average

    tracker.set_tags(parent_run_id, {NOTE_TAG: answer_of(suite, runs, verdicts, scale),  # the UI's run description
                                     LOAD_END_TAG: load_average()})
    return verdicts, runs, header


def answer_of(suite, runs: pd.DataFrame, verdicts: list[Verdict], scale: str, columns: int | None = None) -> str:
    """The plain answer (harness.judge.answer) of an invocation at `scale`, wrapped to `columns` (None: unwrapped)."""
    return plain_answer(verdicts, suite.claim, Setting.of(suite, runs, scale), columns)


def judge_stored(client, suite, parent_run_id: str) -> tuple[pd.DataFrame, list[Verdict], str, Looks | None]:
    """Runs, verdicts, the evidence header and the looks (None: a fixed seed count) of one invocation, recomputed
    from the store."""
    runs = invocation_runs(client, suite.name, parent_run_id)
    recorded = artifact_text(client, parent_run_id, LOOKS_JSON)
    looks = Looks.from_json(recorded) if recorded is not None else None
    verdicts, header = judge(suite, runs, looks)
    return runs, verdicts, header, looks
