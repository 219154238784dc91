"""A verdict row and the rules that produce one: a statement about a metric, a direction and a threshold.

The engines that turn a suite's runs table into rows live in harness.judge.rules; the per-run values they
read in harness.judge.measures; the interval arithmetic in harness.stats.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from harness.stats.bounds import WITHIN_DIFFERENCE, WITHIN_RATIO, equivalence_band, judge
from harness.judge.measures import ValueFn
from harness.judge.subject import Subject, current_words, merged, subject
from harness.stats.median import LEVEL, current_level, interval, sample_median, unbounded_reason

# verdict.json's keys, in the order a row is written; rows recorded before groups were data lack the labels and arms
JSON_KEYS = ("statement", "group", "arms", "tuned", "group_label", "arms_label", "tuned_label", "metric", "effect",
             "low", "high", "threshold", "direction", "n", "outcome", "note", "bound", "expected", "censored", "level",
             "look", "looks", "check")


@dataclass(frozen=True)
class Verdict:
    """One verdict row: a statement about a group (and its arms), the effect over seeds, its interval, the outcome."""

    statement: str  # the claim judged, in words
    group: Subject  # the slice of the grid, field -> value, e.g. {activation: relu, init: auto}; {} = every run
    metric: str  # what the effect measures, e.g. "epoch time ratio"
    effect: float  # median over seeds
    low: float  # interval low end (LEVEL, exact order-statistic interval of the median over seeds)
    high: float  # interval high end
    threshold: float  # the claim holds when the effect is on `direction`'s side of this
    direction: str  # '<' or '>'
    n: int  # seeds (pairs) behind the effect
    outcome: str  # supported / refuted / inconclusive
    note: str = ""  # censoring, missing runs, which way an undecided row leans
    # What the effect is known to be when censoring bounds the middle seeds: '=' exact, '<=' at most, '>=' at
    # least, '~' neither (the median of lower bounds < effect < the median of upper bounds).
    bound: str = "="
    expected: int = 0  # seeds (pairs) the grid asked for; more than n when runs failed or are missing; 0 = n
    # A paired row's arms, treatment first then baseline, each field -> value (e.g. {norm: before}, {norm: none});
    # () for a row about one group's own value.
    arms: tuple[Subject, ...] = ()
    # What each arm was tuned to (harness.judge.tuning), in the order of `arms`, e.g. ({lr: 0.003}, {lr: 0.001}): a
    # result of the judging, not part of what the row is about (a rerun may tune otherwise: the same row).
    tuned: tuple[Subject, ...] = ()
    # The display label, made once when the row is made, in the words of the suite being judged (Suite.words;
    # harness.judge.subject): the group's part ('500 rows'), the arms' ('dropout 0.5 vs none'), the tuning's ('lr 0.001').
    group_label: str | None = None
    arms_label: str | None = None
    tuned_label: str | None = None
    # Seeds whose value is only a bound (harness.stats.median.Measured.censored: e.g. a run that never reached the
    # target), per arm in the order of `arms`, or (n,) for a row about one group; () where none was counted.
    censored: tuple[int, ...] = ()
    level: float = LEVEL  # the interval's level: LEVEL, or stricter where seeds were added in looks
    # With adaptive seeds (harness.judge.sequential): the look (1-based) whose seeds decided the row, of `looks`;
    # 0 of 0 for a row judged once.
    look: int = 0
    looks: int = 0
    # A check of the implementation (an identity, an algebra step), not evidence for the claim: shown as passed or
    # failed apart from the claim's rows, never counted in the answer's supported/refuted totals or the family line.
    check: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "censored", tuple(int(c) for c in self.censored))
        object.__setattr__(self, "group", subject(self.group))
        object.__setattr__(self, "arms", tuple(subject(a) for a in self.arms))
        object.__setattr__(self, "tuned", tuple(subject(a) for a in self.tuned))
        made = current_words().labels(self.group, self.arms, self.tuned)
        for name, text in zip(("group_label", "arms_label", "tuned_label"), made):
            if getattr(self, name) is None:
                object.__setattr__(self, name, text)

    @property
    def subject_label(self) -> str:
        """What the row is about in words: e.g. '500 rows, dropout 0.5 vs none'; 'all' for every run."""
        return label_of(self.group_label, self.arms_label)

    @property
    def label(self) -> str:
        """What every display calls the row: the subject, and what the arms were tuned to where they were."""
        return label_of(self.group_label, self.arms_label, self.tuned_label)

    def about(self, fields: Mapping) -> bool:
        """Whether every field takes its value in the row's group or, failing that, its treatment arm."""
        where = {**(self.arms[0] if self.arms else {}), **self.group}
        return all(k in where and where[k] == v for k, v in fields.items())

    def as_dict(self) -> dict:
        """verdict.json's row: the group and arms as objects, the labels beside them."""
        out = {k: getattr(self, k) for k in JSON_KEYS}
        out["group"] = self.group.as_dict()
        out["arms"], out["tuned"] = [a.as_dict() for a in self.arms], [a.as_dict() for a in self.tuned]
        out["censored"] = list(self.censored)
        return out


def label_of(group_label: str, arms_label: str, tuned_label: str = "") -> str:
    """A row's display label from its parts, as made when it was judged (verdict.json keeps the parts)."""
    subject_ = ", ".join(filter(None, [group_label, arms_label])) or "all"
    return subject_ + (f" (tuned: {tuned_label})" if tuned_label else "")


def is_current(row: Mapping) -> bool:
    """Whether a verdict.json row has its group as data (this format) rather than as text (before)."""
    return isinstance(row.get("group"), Mapping) and "arms" in row


@dataclass(frozen=True)
class Rule:
    """A claim judged on one number: the statement in words, what the number measures, and its side of a threshold."""

    statement: str
    metric: str
    direction: str  # '<' or '>' (one-sided), 'within' or 'within+-' (equivalence)
    threshold: float
    check: bool = False  # a check of the implementation, not evidence for the claim (Verdict.check)


@dataclass(frozen=True)
class ThresholdStatement:
    """A claim about a group's own value: e.g. 'sigmoid gradients vanish' = first/last gradient ratio < 0.1."""

    statement: str
    metric: str
    value: ValueFn
    direction: str  # '<' or '>'
    threshold: float
    where: tuple[tuple[str, object], ...] = ()  # (column, value) pairs a group must match; () = every group
    check: bool = False  # a check of the implementation (an identity), not evidence for the claim (Verdict.check)


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
    check: bool = False  # a check of the implementation, not evidence for the claim (Verdict.check)

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


def lean(effect: float, low: float, high: float, threshold: float, direction: str) -> str:
    """Which way an undecided row leans, and why it is undecided (a note)."""
    if math.isnan(effect):
        return ""
    why = "interval open" if math.isinf(low) and math.isinf(high) else "interval crosses the threshold"
    if direction in ("<", ">"):
        claimed = effect < threshold if direction == "<" else effect > threshold
        return (f"leans {'supported' if claimed else 'refuted'}: median {effect:.3g} is "
                f"{'on' if claimed else 'off'} the claimed side of {threshold:g}; {why}")
    band = equivalence_band(direction, threshold)
    inside = band[0] < effect < band[1]
    return (f"leans {'supported' if inside else 'refuted'}: median {effect:.3g} is {'inside' if inside else 'outside'} "
            f"[{band[0]:.3g}, {band[1]:.3g}]; interval reaches {'outside' if inside else 'inside'} it")


def effect_bound(effect: float, lower: np.ndarray, upper: np.ndarray) -> str:
    """'=', '<=', '>=' or '~': what the median is known to be, given each seed's [lower, upper]."""
    med_lo, med_hi = sample_median(lower), sample_median(upper)
    if med_lo == med_hi or math.isnan(effect):
        return "="
    if med_hi == effect:
        return "<="
    return ">=" if med_lo == effect else "~"


def verdict_from_bounds(rule: Rule, group: Mapping, observed, lower, upper, note: str = "", expected: int = 0,
                        arms: tuple = (), tuned: tuple = (), censored: tuple[int, ...] = ()) -> Verdict:
    """One verdict row from per-pair values, each known only to lie in [lower, upper]: median and interval over pairs
    (`censored`: how many of them are bounds, per arm; see Verdict)."""
    statement, metric, threshold, direction = rule.statement, rule.metric, rule.threshold, rule.direction
    check = getattr(rule, "check", False)
    observed = np.asarray(observed, float)
    if len(observed) == 0:
        return Verdict(statement, group, metric, math.nan, math.nan, math.nan, threshold, direction, 0,
                       "inconclusive", "; ".join(filter(None, [note, "no complete pairs"])), expected=expected,
                       arms=arms, tuned=tuned, level=current_level(), check=check)
    # An undefined pair (0/0: neither side measurable) has no observed value: it could lie anywhere.
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    lower, upper = np.where(np.isnan(lower), -math.inf, lower), np.where(np.isnan(upper), math.inf, upper)
    level = current_level()
    low, high = interval(lower, upper, level)
    effect = sample_median(observed[~np.isnan(observed)])  # NaN when no pair has a value
    outcome = judge(low, high, threshold, direction)
    leaning = lean(effect, low, high, threshold, direction) if outcome == "inconclusive" else ""
    note = "; ".join(filter(None, [note, unbounded_reason(len(observed), level), leaning]))
    return Verdict(statement, group, metric, effect, low, high, threshold, direction, len(observed), outcome, note,
                   effect_bound(effect, lower, upper), expected, arms, tuned, censored=censored, level=level,
                   check=check)


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


def all_of(verdicts: list[Verdict], statement: str, group: Mapping | None = None) -> Verdict:
    """The claim that every row's claim holds (intersection-union): supported only when every row is
    supported, refuted when any row is refuted, else inconclusive. Effect, interval, rule and n are
    the least favourable row's; the note names it. Rows of different metrics cannot be ranked on one scale:
    among the rows of the worst outcome, the least favourable of the first listed metric is shown, its metric
    says so and the note lists every metric the claim spans. The row's group and arms are the rows' merged
    (harness.judge.subject.merged: a field the rows disagree on holds their values), unless `group` is given."""
    def merged_arms(of: str) -> tuple:  # arm by arm, where every row has as many
        sizes = {len(getattr(v, of)) for v in verdicts}
        if len(sizes) != 1:
            return ()
        return tuple(merged([getattr(v, of)[i] for v in verdicts]) for i in range(sizes.pop()))

    arms, tuned = merged_arms("arms"), merged_arms("tuned")
    group = merged([v.group for v in verdicts]) if group is None else group
    if not verdicts:
        return Verdict(statement, group, "-", math.nan, math.nan, math.nan, math.nan, "<", 0, "inconclusive", "no rows")
    outcomes = [v.outcome for v in verdicts]
    outcome = ("refuted" if "refuted" in outcomes else "supported" if all(o == "supported" for o in outcomes)
               else "inconclusive")
    rank = {"refuted": 2, "inconclusive": 1, "supported": 0}
    metrics = list(dict.fromkeys(v.metric for v in verdicts))  # distinct, in row order
    worst_outcome = max(rank[o] for o in outcomes)
    candidates = [v for v in verdicts if rank[v.outcome] == worst_outcome]
    # How far toward the wrong side is comparable within one metric only: first the metric of the first such row.
    same = [v for v in candidates if v.metric == candidates[0].metric]
    worst = max(same, key=lambda v: _unfavourable(v) if not math.isnan(v.effect) else math.inf)
    metric, spans = worst.metric, ""
    if len(metrics) > 1:
        metric, spans = f"{worst.metric} (least favourable; {len(metrics)} metrics)", f"; metrics: {'; '.join(metrics)}"
    counts = ", ".join(f"{outcomes.count(o)} {o}" for o in ("supported", "refuted", "inconclusive") if o in outcomes)
    return Verdict(statement, group, metric, worst.effect, worst.low, worst.high, worst.threshold,
                   worst.direction, worst.n, outcome, f"{len(verdicts)} rows: {counts}; shown: {worst.label}{spans}",
                   arms=arms, tuned=tuned)


def select(verdicts: list[Verdict], statement: str | None = None, *, metric: str | None = None,
           baseline: Mapping | None = None, **fields) -> list[Verdict]:
    """The rows of a statement (None: any) whose group or treatment arm holds every field's value (Verdict.about),
    optionally of one metric and a baseline arm holding `baseline`'s values, e.g.
    select(rows, "BN needs fewer epochs", activation="sigmoid", norm="before"). LookupError when none matches,
    naming what was asked and what there is: a test never loops over nothing."""
    found = [v for v in verdicts if (statement is None or v.statement == statement) and v.about(fields)
             and (metric is None or v.metric == metric)
             and (baseline is None or (len(v.arms) > 1 and all(v.arms[1].get(k) == x for k, x in baseline.items())))]
    if not found:
        asked = ", ".join([*(f"{k}={x!r}" for k, x in fields.items()), *([f"metric={metric!r}"] if metric else []),
                           *([f"baseline={dict(baseline)!r}"] if baseline else [])])
        of = [v for v in verdicts if statement is None or v.statement == statement]
        there = (f"its rows: {'; '.join(f'{v.label} ({v.metric})' for v in of)}" if of else
                 f"statements: {'; '.join(dict.fromkeys(v.statement for v in verdicts)) or 'none'}")
        raise LookupError(f"no verdict row{f' of {statement!r}' if statement else ''}"
                          f"{f' with {asked}' if asked else ''}; {there}")
    return found
