"""A rescue row: whether a treatment makes training reach its target where the baseline does not, paired by seed.

Apart from any speed-up row on purpose: a baseline that never reaches the target bounds a time or epochs ratio from
below, so a ratio row against it passes by construction; whether the treatment *rescues* training is its own claim,
judged on reaching the target alone (harness.judge.measures.PairFilter keeps ratio rows to the pairs where both
arms train).

The row, per group: in each seed pair, did only the treatment reach the target? Effect = the share of pairs where it
did; interval = the exact (Clopper-Pearson) interval of that share (harness.stats.proportion); claimed: the share
exceeds 1/2 (in most seeds the treatment alone trains). Supported when the share is shown above 1/2, refuted when
shown below (the baseline trains as well as the treatment, both fail, or only the baseline trains, in most seeds),
else inconclusive; decided on the exact binomial tail (harness.stats.proportion.share_outcome), so at a sequential
look whose level the seeds just reach, the interval's end may touch 1/2 (6 of 6 at look 1: [0.5, 1], supported).
Against 1/2 this is the sign test: at 6 seeds, supported only at 6 of 6, refuted only at 0 of 6.
Where the baseline reaches the target exactly as often as the treatment, the share is at most 1/2 (every seed
one arm alone, either arm alike), so the row reads supported in at most (1 - level) / 2 of invocations.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import pandas as pd

from harness.judge.measures import grouped, reached_target
from harness.judge.rules import arm, arm_said
from harness.judge.subject import Subject
from harness.judge.verdict import Rule, Verdict, lean
from harness.stats.median import current_level
from harness.stats.proportion import binomial_interval, share_outcome

SHARE = 0.5  # the claim's threshold: the treatment alone reaches the target in more than half of the seeds


def rescue_rule(statement: str, metric: str, share: float = SHARE) -> Rule:
    """A rescue claim as a rule: the share of seeds where only the treatment reached the target > `share`."""
    return Rule(statement, metric, ">", share)


def rescue_verdicts(runs: pd.DataFrame, rule: Rule, factor: str, baseline, group_by: list[str], *,
                    reached: Callable[[Mapping], bool] = reached_target, said: str = "reached the target",
                    pair_on: str = "seed") -> list[Verdict]:
    """Per group of `group_by` and treatment level of `factor`: the share of seed pairs where only the treatment
    reached the target, judged against `rule` (rescue_rule: '>' its threshold) with its exact interval (the module
    docstring). A treatment without a baseline in its group gives no row. `reached` may be another test of a run
    (e.g. it trained at all: a final accuracy above a floor), `said` that test in the note's words."""
    if rule.direction != ">":
        raise ValueError(f"invalid direction {rule.direction!r} for a rescue rule; valid: >")
    verdicts = []
    expected = int(runs[pair_on].nunique()) if len(runs) else 0
    for (keys, rows), treatment in ((g, t) for g in grouped(runs, group_by)
                                    for t in dict.fromkeys(r[factor] for r in g[1]) if t != baseline):
        treat = {r[pair_on]: reached(r) for r in rows if r[factor] == treatment}
        base = {r[pair_on]: reached(r) for r in rows if r[factor] == baseline}
        if not base:
            continue
        pairs = [(treat[p], base[p]) for p in sorted(set(treat) & set(base))]
        n, alone = len(pairs), sum(t and not b for t, b in pairs)
        arms = (arm(factor, treatment), arm(factor, baseline))
        names = [arm_said(a) for a in arms]
        notes = [f"only {names[0]} {said} in {alone} of {n} seeds, only {names[1]} in "
                 f"{sum(b and not t for t, b in pairs)}, both in {sum(t and b for t, b in pairs)}, neither in "
                 f"{sum(not (t or b) for t, b in pairs)}"]
        if expected > n:
            notes.append(f"{expected - n} of {expected} pair(s) missing (failed or absent runs)")
        low, high = binomial_interval(alone, n, current_level())
        outcome = share_outcome(alone, n, rule.threshold, current_level())
        if outcome == "inconclusive":
            notes.append(lean(alone / n, low, high, rule.threshold, ">") if n else "no complete pairs")
        verdicts.append(Verdict(rule.statement, Subject(zip(group_by, keys)), rule.metric, alone / n if n else math.nan,
                                low, high, rule.threshold, ">", n, outcome, "; ".join(notes), expected=expected,
                                arms=arms, level=current_level(), check=rule.check))
    return verdicts
