"""Where a claim is judged: verdict rows computed from a suite's runs (as stored), and their table."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np
import pandas as pd

from harness.stats import LEVEL, Measured, bootstrap_median_bounds, judge_interval, ratio_bounds


@dataclass(frozen=True)
class Verdict:
    statement: str  # the claim judged, in words
    group: str  # which slice of the grid, e.g. "relu, BN before vs none"
    metric: str  # what the effect measures, e.g. "epoch time ratio"
    effect: float  # median over seeds
    low: float  # interval low end (LEVEL, bootstrap over seeds)
    high: float  # interval high end
    threshold: float  # the claim holds when the effect is on `direction`'s side of this
    direction: str  # '<' or '>'
    n: int  # seeds (pairs) behind the effect
    outcome: str  # supported / refuted / inconclusive
    note: str = ""  # censoring, missing runs

    def as_dict(self) -> dict:
        return asdict(self)


# A per-run value and whether it is censored (the run stopped before the quantity was observed).
ValueFn = Callable[[pd.Series], Measured]


def median_epoch_time(row: pd.Series) -> Measured:
    return Measured(float(row["median_epoch_time_s"]))


def epochs_to_target(row: pd.Series) -> Measured:
    """Epochs to target; a run that never got there is censored at the epochs it ran (true value is larger)."""
    if row["converged"] == 1:
        return Measured(float(row["epochs_to_target"]))
    return Measured(float(row["epochs_run"]), censored=True)


def time_to_target(row: pd.Series) -> Measured:
    """Timed training seconds to target; censored at all the training seconds spent when never reached."""
    if row["converged"] == 1:
        return Measured(float(row["time_to_target_s"]))
    return Measured(float(row["train_time_s"]), censored=True)


@dataclass(frozen=True)
class RatioStatement:
    """A claim about treatment/baseline, paired by seed: e.g. 'fewer epochs are needed' = epochs ratio < 1."""

    statement: str
    metric: str
    value: ValueFn
    direction: str
    threshold: float = 1.0


def paired_ratio_verdicts(runs: pd.DataFrame, statements: list[RatioStatement], factor: str, baseline: str,
                          group_by: list[str], pair_on: str = "seed", expected_pairs: int | None = None) -> list[Verdict]:
    """For each group and each non-baseline level of `factor`: treat/baseline ratios paired on `pair_on`, judged per statement."""
    verdicts = []
    for keys, group in runs.groupby(group_by, sort=False):
        keys = keys if isinstance(keys, tuple) else (keys,)
        base = group[group[factor] == baseline].set_index(pair_on)
        for level in [v for v in group[factor].unique() if v != baseline]:
            treat = group[group[factor] == level].set_index(pair_on)
            pairs = sorted(set(base.index) & set(treat.index))
            label = ", ".join(str(k) for k in keys) + f", {factor} {level} vs {baseline}"
            missing = (expected_pairs - len(pairs)) if expected_pairs else 0
            for st in statements:
                obs, lo, hi, n_cens_b, n_cens_t = [], [], [], 0, 0
                for p in pairs:
                    t, b = st.value(treat.loc[p]), st.value(base.loc[p])
                    o, l, h = ratio_bounds(t, b)
                    obs.append(o), lo.append(l), hi.append(h)
                    n_cens_b += b.censored
                    n_cens_t += t.censored
                notes = []
                if n_cens_b:
                    notes.append(f"{baseline} censored in {n_cens_b}/{len(pairs)}")
                if n_cens_t:
                    notes.append(f"{level} censored in {n_cens_t}/{len(pairs)}")
                if missing > 0:
                    notes.append(f"{missing} pair(s) missing")
                if pairs:
                    low, high = bootstrap_median_bounds(np.array(lo), np.array(hi))
                    effect = float(np.median(obs))
                    outcome = judge_interval(low, high, st.threshold, st.direction)
                else:
                    low = high = effect = math.nan
                    outcome = "inconclusive"
                    notes.append("no complete pairs")
                verdicts.append(Verdict(st.statement, label, st.metric, effect, low, high, st.threshold,
                                        st.direction, len(pairs), outcome, "; ".join(notes)))
    return verdicts


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "-"
    if math.isinf(x):
        return "inf"
    return f"{x:.3g}"


def format_table(verdicts: list[Verdict], header: str = "") -> str:
    """A plain-text verdict table; the header states the evidence (n, interval level, hardware)."""
    rows = [("statement", "group", "metric", "effect", f"{int(LEVEL * 100)}% interval", "rule", "n", "verdict", "note")]
    for v in verdicts:
        rows.append((v.statement, v.group, v.metric, _fmt(v.effect), f"[{_fmt(v.low)}, {_fmt(v.high)}]",
                     f"{v.direction} {v.threshold:g}", str(v.n), v.outcome.upper(), v.note))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [header] if header else []
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# --- Rules on one group's own values and on paired differences (diagnostics suites) ---------------

def column(name: str) -> ValueFn:
    """A per-run value read from one stored column (a config field or a metric); nan when the run lacks it."""

    def value(row: pd.Series) -> Measured:
        raw = row.get(name, math.nan)
        return Measured(math.nan if raw is None else float(raw))

    value.__name__ = f"column({name!r})"
    return value


@dataclass(frozen=True)
class ThresholdStatement:
    """A claim about a group's own value: e.g. 'sigmoid gradients vanish' = first/last gradient ratio < 0.1."""

    statement: str
    metric: str
    value: ValueFn
    direction: str  # '<' or '>'
    threshold: float
    where: tuple[tuple[str, object], ...] = ()  # (column, value) pairs a group must match; () = every group


def _group_label(group_by: list[str], keys: tuple) -> str:
    return ", ".join(f"{k}={v}" for k, v in zip(group_by, keys))


def _bounded(m: Measured) -> tuple[float, float]:
    """A censored value is known only to be at least its value."""
    return (m.value, math.inf) if m.censored else (m.value, m.value)


def threshold_verdicts(runs: pd.DataFrame, statements: list[ThresholdStatement], group_by: list[str],
                       expected_n: int | None = None) -> list[Verdict]:
    """For each group of runs (one run per seed) and each statement that applies to it: the median over seeds vs a threshold.

    A censored value is bounded below (the true value is larger), never dropped; a run without the
    value (nan: e.g. a diverged net has no gradient ratio) is left out and counted in the note.
    """
    verdicts = []
    for keys, group in runs.groupby(group_by, sort=False):
        keys = keys if isinstance(keys, tuple) else (keys,)
        first = group.iloc[0]
        for st in statements:
            if any(first.get(col) != want for col, want in st.where):
                continue
            measured = [st.value(row) for _, row in group.iterrows()]
            kept = [m for m in measured if not math.isnan(m.value)]
            notes = []
            if len(kept) < len(measured):
                notes.append(f"{len(measured) - len(kept)} run(s) without a value")
            n_cens = sum(m.censored for m in kept)
            if n_cens:
                notes.append(f"censored in {n_cens}/{len(kept)}")
            if expected_n and len(measured) < expected_n:
                notes.append(f"{expected_n - len(measured)} run(s) missing")
            if kept:
                lo, hi = zip(*(_bounded(m) for m in kept))
                low, high = bootstrap_median_bounds(np.array(lo), np.array(hi))
                effect = float(np.median([m.value for m in kept]))
                outcome = judge_interval(low, high, st.threshold, st.direction)
            else:
                low = high = effect = math.nan
                outcome = "inconclusive"
                notes.append("no values")
            verdicts.append(Verdict(st.statement, _group_label(group_by, keys), st.metric, effect, low, high,
                                    st.threshold, st.direction, len(kept), outcome, "; ".join(notes)))
    return verdicts


@dataclass(frozen=True)
class DifferenceStatement:
    """A claim about treatment - baseline, paired by seed: e.g. 'more units die at a high learning rate' = dead-fraction difference > 0."""

    statement: str
    metric: str
    value: ValueFn
    direction: str
    threshold: float = 0.0


def paired_difference_verdicts(runs: pd.DataFrame, statements: list[DifferenceStatement], factor: str, baseline,
                               group_by: list[str], pair_on: str = "seed",
                               expected_pairs: int | None = None) -> list[Verdict]:
    """For each group and each non-baseline level of `factor`: treat - baseline differences paired on `pair_on`.

    Censoring bounds a difference instead of dropping it: a censored treatment makes it unbounded
    above, a censored baseline unbounded below. A pair with a nan side is left out and counted.
    """
    verdicts = []
    for keys, group in runs.groupby(group_by, sort=False) if group_by else [((), runs)]:
        keys = keys if isinstance(keys, tuple) else (keys,)
        base = group[group[factor] == baseline].set_index(pair_on)
        for level in [v for v in group[factor].unique() if v != baseline]:
            treat = group[group[factor] == level].set_index(pair_on)
            pairs = sorted(set(base.index) & set(treat.index))
            label = _group_label(group_by, keys)
            label = (label + ", " if label else "") + f"{factor} {level} vs {baseline}"
            for st in statements:
                obs, lo, hi, n_nan, n_cens = [], [], [], 0, 0
                for p in pairs:
                    t, b = st.value(treat.loc[p]), st.value(base.loc[p])
                    if math.isnan(t.value) or math.isnan(b.value):
                        n_nan += 1
                        continue
                    d = t.value - b.value
                    obs.append(d)
                    lo.append(-math.inf if b.censored else d)
                    hi.append(math.inf if t.censored else d)
                    n_cens += t.censored or b.censored
                notes = []
                if n_cens:
                    notes.append(f"censored in {n_cens}/{len(obs)}")
                if n_nan:
                    notes.append(f"{n_nan} pair(s) without a value")
                missing = (expected_pairs - len(pairs)) if expected_pairs else 0
                if missing > 0:
                    notes.append(f"{missing} pair(s) missing")
                if obs:
                    low, high = bootstrap_median_bounds(np.array(lo), np.array(hi))
                    effect = float(np.median(obs))
                    outcome = judge_interval(low, high, st.threshold, st.direction)
                else:
                    low = high = effect = math.nan
                    outcome = "inconclusive"
                    notes.append("no complete pairs")
                verdicts.append(Verdict(st.statement, label, st.metric, effect, low, high, st.threshold,
                                        st.direction, len(obs), outcome, "; ".join(notes)))
    return verdicts
