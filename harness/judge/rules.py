"""The rule engines: a suite's runs table (harness.store.queries.load_runs) in, verdict rows (harness.judge.verdict) out.

One-group thresholds, paired treatment-vs-baseline comparisons (ratios, differences, equivalence), paired
ratios of spreads over seeds, and grid reductions (the largest passing value of a field, the best run of a group).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from harness.stats.bounds import bounded_ratio, bounds_of, difference_bounds, judge, ratio_bounds
from harness.stats.median import at_level, current_level
from harness.stats.spread import sd_ratio
from harness.judge.measures import PairFilter, diverged, grouped, records
from harness.judge.subject import Subject, current_words, merged
from harness.judge.tuning import TUNED
from harness.judge.verdict import PairedStatement, Rule, ThresholdStatement, Verdict, all_of, lean, verdict_from_bounds


@dataclass(frozen=True)
class Arms:
    """Treatment vs baseline: two levels of one config field, paired on another (the seed, by default)."""

    factor: str
    treatment: object
    baseline: object
    pair_on: str = "seed"


def arm(factor: str, level) -> Subject:
    """An arm as data: a level of `factor`, or the level itself where it is one already (a tuned arm, harness.judge.tuning)."""
    return level if isinstance(level, Subject) else Subject({factor: level})


def threshold_verdicts(runs: pd.DataFrame, statements: list[ThresholdStatement], group_by: list[str],
                       expected_n: int | None = None) -> list[Verdict]:
    """For each group of runs (one run per seed) and each statement that applies to it: the median over seeds vs a threshold.

    A censored value is bounded below (the true value is larger), never dropped; a run without the
    value (nan: e.g. a diverged net has no gradient ratio) is left out and counted in the note.
    """
    verdicts = []
    expected_n = expected_n or _seeds_in(runs)
    for keys, rows in grouped(runs, group_by):
        for st in statements:
            if any(rows[0].get(col) != want for col, want in st.where):
                continue
            measured = [st.value(row) for row in rows]
            kept = [m for m in measured if not math.isnan(m.value)]
            notes = []
            if len(kept) < len(measured):
                n_div = sum(diverged(r) for r, m in zip(rows, measured) if math.isnan(m.value))
                notes.append(f"{len(measured) - len(kept)} run(s) without a value" + (f" ({n_div} diverged)" if n_div else ""))
            n_cens = sum(m.censored for m in kept)
            if n_cens:
                notes.append(f"censored in {n_cens} of {len(kept)} seeds (each a bound)")
            if expected_n and len(measured) < expected_n:
                notes.append(f"{expected_n - len(measured)} of {expected_n} run(s) missing (failed or absent)")
            about = Subject(zip(group_by, keys))
            if not kept:
                verdicts.append(Verdict(st.statement, about, st.metric, math.nan, math.nan, math.nan, st.threshold,
                                        st.direction, 0, "inconclusive", "; ".join([*notes, "no values"]),
                                        expected=expected_n or 0, check=st.check))
                continue
            lo, hi = zip(*(bounds_of(m) for m in kept))
            verdicts.append(verdict_from_bounds(st, about, [m.value for m in kept], lo, hi, "; ".join(notes),
                                                max(expected_n or 0, len(measured)), censored=(n_cens,)))
    return verdicts


def arm_said(arm_: Subject) -> str:
    """An arm as a note names it: in the suite's words ('no BN'), else its fields ('norm=none')."""
    return current_words().say(arm_) or str(arm_)


def _tuned(rows: list[dict]) -> Subject:
    """What an arm's runs (records) were tuned to (harness.judge.tuning), {} where they were not."""
    return merged(list(dict.fromkeys(r[TUNED] for r in rows))) if rows and TUNED in rows[0] else Subject()


def _at(rows: list[dict], factor: str, level) -> list[dict]:
    """The rows whose `factor` equals `level` (a level may be a Subject: a tuned arm, compared as a mapping). On
    rows, not on the table: a boolean mask per level costs ~1 ms of pandas, which a null simulation pays thousands
    of times per suite."""
    return [r for r in rows if r[factor] == level]


def _seeds_in(runs: pd.DataFrame, pair_on: str = "seed") -> int:
    """Seeds (pairing values) the runs table holds anywhere: what every row of a complete grid has."""
    return int(runs[pair_on].nunique()) if pair_on in runs.columns and len(runs) else 0


def _rows_by(rows: list[dict], key: str) -> dict:
    """key value -> that run's row."""
    return {row[key]: row for row in rows}


def paired_verdicts(runs: pd.DataFrame, statements: list[PairedStatement], factor: str, baseline,
                    group_by: list[str], *, pair_on: str = "seed", expected_pairs: int | None = None,
                    levels: list | None = None, only: PairFilter | None = None) -> list[Verdict]:
    """For each group and each treatment level of `factor`: treat vs baseline paired on `pair_on`, judged per statement.

    A ratio (t / b) or a difference (t - b), one-sided or equivalence (see PairedStatement).
    Censoring bounds a pair instead of dropping it (ratio_bounds, difference_bounds); a pair with a
    nan side (e.g. a diverged net has no gradient ratio) is left out and counted in the note.
    `levels` names the treatments compared, even when absent (a row with n = 0 says so); default:
    every level present. An empty `group_by` makes all runs one group. `only` (harness.judge.measures.PairFilter)
    judges only the pairs whose runs both pass its test; the note says on how many of how many.
    """
    verdicts = []
    expected_pairs = expected_pairs or _seeds_in(runs, pair_on)
    for keys, rows in grouped(runs, group_by):
        base_runs = _at(rows, factor, baseline)
        base = _rows_by(base_runs, pair_on)
        treatments = list(levels) if levels is not None else [v for v in dict.fromkeys(r[factor] for r in rows)
                                                              if v != baseline]
        for level in treatments:
            treat_runs = _at(rows, factor, level)
            treat = _rows_by(treat_runs, pair_on)
            present = sorted(set(base) & set(treat))
            pairs = [p for p in present if only.test(treat[p]) and only.test(base[p])] if only else present
            where = f"judged where {only.words}: {len(pairs)} of {len(present)} seeds" if only else ""
            about, arms = Subject(zip(group_by, keys)), (arm(factor, level), arm(factor, baseline))
            tuned = (_tuned(treat_runs), _tuned(base_runs)) if TUNED in runs.columns else ()
            missing = (expected_pairs - len(present)) if expected_pairs else 0
            for st in statements:
                bounds = difference_bounds if st.compare == "difference" else ratio_bounds
                obs, lo, hi = [], [], []
                n_cens_b = n_cens_t = n_nan = n_div = 0
                for p in pairs:
                    t, b = st.value(treat[p]), st.value(base[p])
                    if math.isnan(t.value) or math.isnan(b.value):
                        n_nan += 1
                        n_div += diverged(treat[p]) or diverged(base[p])
                        continue
                    o, l, h = bounds(t, b)
                    obs.append(o), lo.append(l), hi.append(h)
                    n_cens_b += b.censored
                    n_cens_t += t.censored
                notes = [where] if where else []
                if n_cens_b:
                    notes.append(f"baseline ({arm_said(arms[1])}) censored in {n_cens_b} of {len(obs)} seeds")
                if n_cens_t:
                    notes.append(f"treatment ({arm_said(arms[0])}) censored in {n_cens_t} of {len(obs)} seeds")
                if n_nan:
                    notes.append(f"{n_nan} pair(s) without a value" + (f" ({n_div} with a diverged run)" if n_div else ""))
                if missing > 0:
                    notes.append(f"{missing} of {expected_pairs} pair(s) missing (failed or absent runs)")
                verdicts.append(verdict_from_bounds(st, about, obs, lo, hi, "; ".join(notes), expected_pairs, arms,
                                                    tuned, censored=(n_cens_t, n_cens_b)))
    return verdicts


def spread_verdicts(runs: pd.DataFrame, statements: list[PairedStatement], factor: str, baseline, group_by: list[str],
                    *, levels: list | None = None, pair_on: str = "seed") -> list[Verdict]:
    """For each group and treatment level of `factor`: sd over seeds of each statement's value, treatment / baseline,
    paired on `pair_on`, with the Pitman-Morgan interval (harness.stats.spread: exact under normality; no
    distribution-free interval for a ratio of spreads exists at these seed counts). A statement's direction is
    one-sided ('<': the treatment narrows the spread). Pairs with a nan side are left out; under 3 pairs the row
    is inconclusive and says so. `levels` and an empty `group_by` as in paired_verdicts.
    """
    verdicts = []
    for keys, rows in grouped(runs, group_by):
        base = _rows_by(_at(rows, factor, baseline), pair_on)
        treatments = list(levels) if levels is not None else [v for v in dict.fromkeys(r[factor] for r in rows)
                                                              if v != baseline]
        for level in treatments:
            treat = _rows_by(_at(rows, factor, level), pair_on)
            for st in statements:
                pairs = [(st.value(treat[p]).value, st.value(base[p]).value) for p in sorted(set(base) & set(treat))]
                pairs = [(t, b) for t, b in pairs if not (math.isnan(t) or math.isnan(b))]
                ratio, low, high = (sd_ratio([t for t, _ in pairs], [b for _, b in pairs], current_level()) if pairs
                                    else (math.nan, math.nan, math.nan))
                outcome = "inconclusive" if math.isnan(low) else judge(low, high, st.threshold, st.direction)
                note = "Pitman-Morgan interval (exact under normality)"
                if outcome == "inconclusive":
                    note = "; ".join(filter(None, [note, "fewer than 3 pairs" if math.isnan(low) else
                                                   lean(ratio, low, high, st.threshold, st.direction)]))
                verdicts.append(Verdict(st.statement, Subject(zip(group_by, keys)), st.metric, ratio, low, high,
                                        st.threshold, st.direction, len(pairs), outcome, note,
                                        arms=(arm(factor, level), arm(factor, baseline))))
    return verdicts


def largest_passing(runs: pd.DataFrame, field: str, passes: Callable[[pd.Series], bool],
                    by: list[str]) -> pd.DataFrame:
    """Per group of `by` (e.g. norm, seed): the largest grid value of `field` whose run passes, with bounds.

    Columns: *by, value, low, high, grid_top, holes. Inside the grid the value is exact (the quantity
    is 'largest passing value on this grid'); when the top of the grid passes the true value may be
    larger (high = inf); when nothing passes it lies below the grid (value = low = 0, high = the
    smallest grid value). `holes` counts failing values between the smallest and largest passing
    ones (a non-monotone grid: the largest passing value is then less meaningful). On records, not
    pandas groups: a null simulation (harness.judge.nullsim) reduces thousands of grids.
    """
    return pd.DataFrame([{**dict(zip(by, keys)), **_largest(rows, field, passes)} for keys, rows in grouped(runs, by)],
                        columns=[*by, "value", "low", "high", "grid_top", "holes"])


def _largest(rows: list[dict], field: str, passes: Callable) -> dict:
    """largest_passing's reduction of one group's runs (records)."""
    grid = sorted({float(r[field]) for r in rows})
    ok = sorted(float(r[field]) for r in rows if passes(r))
    if not ok:
        value, low, high = 0.0, 0.0, grid[0]
    else:
        value = low = ok[-1]
        high = math.inf if value == grid[-1] else value
    holes = sum(1 for g in grid if ok and ok[0] < g < ok[-1] and g not in ok)
    return {"value": value, "low": low, "high": high, "grid_top": grid[-1], "holes": holes}


def best_rows(runs: pd.DataFrame, by: list[str], value: ValueFn) -> pd.DataFrame:
    """Per group of `by`: the one run with the smallest value (e.g. the fastest learning rate), uncensored first."""
    picked: dict[tuple, tuple] = {}
    for i, r in enumerate(records(runs)):
        key, m = tuple(r[f] for f in by), value(r)
        picked[key] = min(picked.get(key, (True, math.inf, len(runs))), (m.censored, m.value, i))
    return runs.iloc[[p[2] for p in picked.values()]]


def largest_passing_ratio_verdict(runs: pd.DataFrame, field: str, passes: Callable[[pd.Series], bool], arms: Arms,
                                  rule: Rule) -> Verdict:
    """Per pair (seed), the largest passing grid value of `field` (largest_passing) for treatment and baseline;
    their ratio treatment / baseline, bounds carried through (bounded_ratio), judged as one row."""
    factor, treatment, baseline, pair_on = arms.factor, arms.treatment, arms.baseline, arms.pair_on
    largest = {keys: _largest(rows, field, passes) for keys, rows in grouped(runs, [factor, pair_on])}
    levels = {lv for lv, _ in largest}
    pairs = sorted({p for lv, p in largest if lv == treatment} & {p for lv, p in largest if lv == baseline})
    obs, lo, hi = [], [], []
    for p in pairs:
        t, b = (tuple(largest[(lv, p)][k] for k in ("value", "low", "high")) for lv in (treatment, baseline))
        o, l, h = bounded_ratio(t, b)
        obs.append(o), lo.append(l), hi.append(h)
    notes = []
    for lv in (treatment, baseline):  # a value open above: the grid did not reach its limit
        if lv in levels and pairs:
            at_top = sum(math.isinf(largest[(lv, p)]["high"]) for p in pairs)
            notes.append(f"{lv} passes at the grid top in {at_top}/{len(pairs)}")
    holes = sum(g["holes"] for g in largest.values())
    if holes:
        notes.append(f"{holes} failing {field} value(s) between passing ones")
    return verdict_from_bounds(rule, {}, obs, lo, hi, "; ".join(notes), arms=(arm(factor, treatment), arm(factor, baseline)))


def every_row(rows: Callable[[], list[Verdict]], statement: str) -> Verdict:
    """The claim that every row's claim holds (all_of), refuted only by a row refuted at the level that splits the
    error over the k rows (Bonferroni: each one-sided end spends (1 - level) / 2k). all_of refutes when any row does:
    at the claim's boundary that is k chances of one row's error (6 rows at 6 seeds: ~6%, not 2.5%). `rows` judges
    the rows (called twice: at the current level, then at the corrected one); supported as all_of: every row supported."""
    judged = rows()
    v = all_of(judged, statement)
    if v.outcome != "refuted":
        return v
    with at_level(1 - (1 - current_level()) / len(judged)):
        strict = [r for r in rows() if r.outcome == "refuted"]
    if strict:
        return v
    return dataclasses.replace(v, outcome="inconclusive", note=f"{v.note}; refuted by no row at the level corrected for "
                                                               f"{len(judged)} rows ({current_level():.0%} / {len(judged)})")
