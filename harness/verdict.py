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


def unless_diverged(value_fn: ValueFn) -> ValueFn:
    """The value, except for a run that diverged (nan loss), whose weights no longer measure the claim: nan there."""

    def value(row: pd.Series) -> Measured:
        return Measured(math.nan) if row.get("stop_reason") == "diverged" else value_fn(row)

    return value


def _diverged(row: pd.Series) -> bool:
    return row.get("stop_reason") == "diverged"


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
            rows = [row for _, row in group.iterrows()]
            measured = [st.value(row) for row in rows]
            kept = [m for m in measured if not math.isnan(m.value)]
            notes = []
            if len(kept) < len(measured):
                n_div = sum(_diverged(r) for r, m in zip(rows, measured) if math.isnan(m.value))
                notes.append(f"{len(measured) - len(kept)} run(s) without a value" + (f" ({n_div} diverged)" if n_div else ""))
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


# --- Differences, equivalence, all-of, and grid reductions (added for the activation and BN suites) ---

# Equivalence ('no consistent difference') directions. A ratio band is [1/threshold, threshold];
# a difference band is [-threshold, threshold]. The table shows e.g. "within 1.25", "within+- 0.01".
WITHIN_RATIO = "within"
WITHIN_DIFFERENCE = "within+-"


def difference_bounds(treat: Measured, base: Measured) -> tuple[float, float, float]:
    """(observed, lower, upper) for the difference treat - base when either side may be censored from above."""
    observed = treat.value - base.value
    lower = -math.inf if base.censored else observed  # base could be arbitrarily larger
    upper = math.inf if treat.censored else observed  # treat could be arbitrarily larger
    return observed, lower, upper


def equivalence_band(direction: str, threshold: float) -> tuple[float, float]:
    """The band an equivalence verdict must lie inside: [1/t, t] for a ratio, [-t, t] for a difference."""
    if direction == WITHIN_RATIO:
        return 1.0 / threshold, threshold
    if direction == WITHIN_DIFFERENCE:
        return -threshold, threshold
    raise ValueError(f"invalid equivalence direction {direction!r}; valid: {WITHIN_RATIO}, {WITHIN_DIFFERENCE}")


def judge_equivalence(low: float, high: float, band: tuple[float, float]) -> str:
    """supported when the interval lies inside the band (any difference is within the margin), refuted when it
    lies wholly outside it (a consistent difference beyond the margin), else inconclusive."""
    if band[0] < low and high < band[1]:
        return "supported"
    if high < band[0] or low > band[1]:
        return "refuted"
    return "inconclusive"


def judge(low: float, high: float, threshold: float, direction: str) -> str:
    """One-sided ('<', '>') via judge_interval, or equivalence ('within', 'within+-') via judge_equivalence."""
    if direction in (WITHIN_RATIO, WITHIN_DIFFERENCE):
        return judge_equivalence(low, high, equivalence_band(direction, threshold))
    return judge_interval(low, high, threshold, direction)


def verdict_from_bounds(statement: str, group: str, metric: str, observed, lower, upper, threshold: float,
                        direction: str, note: str = "") -> Verdict:
    """One verdict row from per-pair values, each known only to lie in [lower, upper]: median and interval over pairs."""
    observed = np.asarray(observed, float)
    if len(observed) == 0:
        return Verdict(statement, group, metric, math.nan, math.nan, math.nan, threshold, direction, 0,
                       "inconclusive", "; ".join(filter(None, [note, "no complete pairs"])))
    low, high = bootstrap_median_bounds(np.asarray(lower, float), np.asarray(upper, float))
    # An undefined pair (0/0: neither side measurable) has no observed value but still widens the interval.
    effect = float(np.nanmedian(observed)) if not np.isnan(observed).all() else math.nan
    return Verdict(statement, group, metric, effect, low, high, threshold, direction,
                   len(observed), judge(low, high, threshold, direction), note)


@dataclass(frozen=True)
class PairedStatement:
    """A claim about treatment vs baseline, paired by seed, as a ratio (t / b) or a difference (t - b).

    direction '<' / '>' is one-sided against `threshold`; 'within' / 'within+-' is an equivalence
    claim (see equivalence_band): use 'within' with a ratio, 'within+-' with a difference.
    """

    statement: str
    metric: str
    value: ValueFn
    direction: str
    threshold: float
    compare: str = "ratio"  # ratio or difference

    def __post_init__(self) -> None:
        if self.compare not in ("ratio", "difference"):
            raise ValueError(f"invalid compare {self.compare!r}; valid: ratio, difference")
        valid = ("<", ">", WITHIN_RATIO if self.compare == "ratio" else WITHIN_DIFFERENCE)
        if self.direction not in valid:
            raise ValueError(f"invalid direction {self.direction!r} for a {self.compare}; valid: {', '.join(valid)}")


@dataclass(frozen=True)
class RatioStatement(PairedStatement):
    """A ratio claim, e.g. 'fewer epochs are needed' = epochs ratio BN / none < 1."""

    threshold: float = 1.0
    compare: str = "ratio"


@dataclass(frozen=True)
class DifferenceStatement(PairedStatement):
    """A difference claim, e.g. 'more units die at a high learning rate' = dead-fraction difference > 0."""

    threshold: float = 0.0
    compare: str = "difference"


def paired_verdicts(runs: pd.DataFrame, statements: list[PairedStatement], factor: str, baseline,
                    group_by: list[str], pair_on: str = "seed", expected_pairs: int | None = None,
                    levels: list | None = None) -> list[Verdict]:
    """For each group and each treatment level of `factor`: treat vs baseline paired on `pair_on`, judged per statement.

    A ratio (t / b) or a difference (t - b), one-sided or equivalence (see PairedStatement).
    Censoring bounds a pair instead of dropping it (ratio_bounds, difference_bounds); a pair with a
    nan side (e.g. a diverged net has no gradient ratio) is left out and counted in the note.
    `levels` names the treatments compared, even when absent (a row with n = 0 says so); default:
    every level present. An empty `group_by` makes all runs one group.
    """
    verdicts = []
    groups = runs.groupby(group_by, sort=False) if group_by else [((), runs)]
    for keys, group in groups:
        keys = keys if isinstance(keys, tuple) else (keys,)
        base = group[group[factor] == baseline].set_index(pair_on)
        treatments = list(levels) if levels is not None else [v for v in group[factor].unique() if v != baseline]
        for level in treatments:
            treat = group[group[factor] == level].set_index(pair_on)
            pairs = sorted(set(base.index) & set(treat.index))
            label = ", ".join(filter(None, [_group_label(group_by, keys), f"{factor} {level} vs {baseline}"]))
            missing = (expected_pairs - len(pairs)) if expected_pairs else 0
            for st in statements:
                bounds = difference_bounds if st.compare == "difference" else ratio_bounds
                obs, lo, hi = [], [], []
                n_cens_b = n_cens_t = n_nan = n_div = 0
                for p in pairs:
                    t, b = st.value(treat.loc[p]), st.value(base.loc[p])
                    if math.isnan(t.value) or math.isnan(b.value):
                        n_nan += 1
                        n_div += _diverged(treat.loc[p]) or _diverged(base.loc[p])
                        continue
                    o, l, h = bounds(t, b)
                    obs.append(o), lo.append(l), hi.append(h)
                    n_cens_b += b.censored
                    n_cens_t += t.censored
                notes = []
                if n_cens_b:
                    notes.append(f"{baseline} censored in {n_cens_b}/{len(obs)}")
                if n_cens_t:
                    notes.append(f"{level} censored in {n_cens_t}/{len(obs)}")
                if n_nan:
                    notes.append(f"{n_nan} pair(s) without a value" + (f" ({n_div} with a diverged run)" if n_div else ""))
                if missing > 0:
                    notes.append(f"{missing} pair(s) missing")
                verdicts.append(verdict_from_bounds(st.statement, label, st.metric, obs, lo, hi, st.threshold,
                                                    st.direction, "; ".join(notes)))
    return verdicts


def _unfavourable(v: Verdict) -> float:
    """How far a row's interval reaches toward (or past) the wrong side of its rule: larger = less favourable."""
    if v.direction == "<":
        return v.high - v.threshold
    if v.direction == ">":
        return v.threshold - v.low
    lo_band, hi_band = equivalence_band(v.direction, v.threshold)
    if v.direction == WITHIN_RATIO:  # distance in log space: a ratio band is symmetric there
        return max(math.log(max(v.high, 1e-300)) - math.log(hi_band), math.log(lo_band) - math.log(max(v.low, 1e-300)))
    return max(v.high - hi_band, lo_band - v.low)


def all_of(verdicts: list[Verdict], statement: str, group: str) -> Verdict:
    """The claim that every row's claim holds (intersection-union): supported only when every row is
    supported, refuted when any row is refuted, else inconclusive. Effect, interval, rule and n are
    the least favourable row's; the note names it."""
    if not verdicts:
        return Verdict(statement, group, "-", math.nan, math.nan, math.nan, math.nan, "<", 0, "inconclusive", "no rows")
    outcomes = [v.outcome for v in verdicts]
    outcome = ("refuted" if "refuted" in outcomes else "supported" if all(o == "supported" for o in outcomes)
               else "inconclusive")
    rank = {"refuted": 2, "inconclusive": 1, "supported": 0}
    worst = max(verdicts, key=lambda v: (rank[v.outcome], _unfavourable(v) if not math.isnan(v.effect) else math.inf))
    counts = ", ".join(f"{outcomes.count(o)} {o}" for o in ("supported", "refuted", "inconclusive") if o in outcomes)
    return Verdict(statement, group, worst.metric, worst.effect, worst.low, worst.high, worst.threshold,
                   worst.direction, worst.n, outcome, f"{len(verdicts)} rows: {counts}; shown: {worst.group}")


def largest_passing(runs: pd.DataFrame, field: str, passes: Callable[[pd.Series], bool],
                    by: list[str]) -> pd.DataFrame:
    """Per group of `by` (e.g. norm, seed): the largest grid value of `field` whose run passes, with bounds.

    Columns: *by, value, low, high, grid_top, holes. Inside the grid the value is exact (the quantity
    is 'largest passing value on this grid'); when the top of the grid passes the true value may be
    larger (high = inf); when nothing passes it lies below the grid (value = low = 0, high = the
    smallest grid value). `holes` counts failing values between the smallest and largest passing
    ones (a non-monotone grid: the largest passing value is then less meaningful).
    """
    rows = []
    for keys, group in runs.groupby(by, sort=False):
        keys = keys if isinstance(keys, tuple) else (keys,)
        grid = sorted(group[field].unique())
        ok = sorted(float(r[field]) for _, r in group.iterrows() if passes(r))
        if not ok:
            value, low, high = 0.0, 0.0, float(grid[0])
        else:
            value = low = ok[-1]
            high = math.inf if value == grid[-1] else value
        holes = sum(1 for g in grid if ok and ok[0] < g < ok[-1] and g not in ok)
        rows.append({**dict(zip(by, keys)), "value": value, "low": low, "high": high,
                     "grid_top": float(grid[-1]), "holes": holes})
    return pd.DataFrame(rows)


def bounded_ratio(treat: tuple[float, float, float], base: tuple[float, float, float]) -> tuple[float, float, float]:
    """(observed, lower, upper) of treat/base where each side is (value, low, high); x/0 = inf, 0/0 = nan."""

    def div(a: float, b: float) -> float:
        if b == 0:
            return math.inf if a > 0 else math.nan
        return a / b

    observed = div(treat[0], base[0])
    lower = div(treat[1], base[2]) if base[2] != math.inf else 0.0
    upper = div(treat[2], base[1])
    return observed, lower, upper


def best_rows(runs: pd.DataFrame, by: list[str], value: ValueFn) -> pd.DataFrame:
    """Per group of `by`: the one run with the smallest value (e.g. the fastest learning rate), uncensored first."""
    picked = []
    for _, group in runs.groupby(by, sort=False):
        scored = [(value(r).censored, value(r).value, i) for i, r in group.iterrows()]
        picked.append(min(scored)[2])
    return runs.loc[picked]


def final_val_acc(row: pd.Series) -> Measured:
    """Validation accuracy at the last epoch; compare runs at an equal budget (stop_at_target=False)."""
    return Measured(float(row["final_val_acc"]))


def train_val_gap(row: pd.Series) -> Measured:
    """Training minus validation accuracy at the last epoch (needs eval_train=True: train/acc, whole training split)."""
    return Measured(float(row["train/acc"]) - float(row["final_val_acc"]))


def epochs_to_target_or_budget(row: pd.Series) -> Measured:
    """Epochs to target; a run that never got there is censored at its whole budget (max_epochs).

    Unlike epochs_to_target, a run stopped early because it diverged (NaN/inf loss, which never
    recovers) counts as having needed more than the whole budget, not just the epochs it ran.
    """
    if row["converged"] == 1:
        return Measured(float(row["epochs_to_target"]))
    return Measured(float(max(row["epochs_run"], row["max_epochs"])), censored=True)


def largest_passing_ratio_verdict(runs: pd.DataFrame, field: str, passes: Callable[[pd.Series], bool], factor: str,
                                  treatment, baseline, statement: str, metric: str, pair_on: str = "seed",
                                  threshold: float = 1.0, direction: str = ">") -> Verdict:
    """Per seed, the largest passing grid value of `field` (largest_passing) for treatment and baseline; their
    ratio treatment / baseline, bounds carried through (bounded_ratio), judged as one row."""
    largest = largest_passing(runs, field, passes, [factor, pair_on]).set_index([factor, pair_on])
    levels = set(largest.index.get_level_values(0))
    pairs = sorted({p for lv, p in largest.index if lv == treatment} & {p for lv, p in largest.index if lv == baseline})
    obs, lo, hi = [], [], []
    for p in pairs:
        o, l, h = bounded_ratio(tuple(largest.loc[(treatment, p), ["value", "low", "high"]]),
                                tuple(largest.loc[(baseline, p), ["value", "low", "high"]]))
        obs.append(o), lo.append(l), hi.append(h)
    notes = []
    for lv in (treatment, baseline):  # a value open above: the grid did not reach its limit
        if lv in levels and pairs:
            at_top = sum(math.isinf(largest.loc[(lv, p), "high"]) for p in pairs)
            notes.append(f"{lv} passes at the grid top in {at_top}/{len(pairs)}")
    holes = int(largest["holes"].sum())
    if holes:
        notes.append(f"{holes} failing {field} value(s) between passing ones")
    return verdict_from_bounds(statement, f"{factor} {treatment} vs {baseline}", metric, obs, lo, hi, threshold,
                               direction, "; ".join(notes))
